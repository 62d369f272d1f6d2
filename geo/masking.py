"""Masking of personal identifiers other than ID numbers (see ``geo.idnumber.mask``).

Rules (shown to users without the right to see the full value):
- mobile phone (11 digits, optional +86/86 prefix): keep first 3 and last 4, ``138****5678``;
  other numbers (landlines with area code): keep the last 4 digits, mask the other digits,
  keeping separators such as ``-`` so the shape stays readable: ``0543-3212345`` → ``****-***2345``;
- vehicle plate: keep the province character, the authority letter, the first serial character and
  the last 2 characters, ``鲁M12345`` → ``鲁M1**45``, new-energy ``鲁MD12345`` → ``鲁MD***45``;
- person name: keep the first character (the surname in most cases), ``张三丰`` → ``张**``.
"""

from __future__ import annotations

import re

_MOBILE = re.compile(r"^(?:\+?86[-\s]?)?(1\d{10})$")


def mask_phone(phone: str) -> str:
    """Mask a phone number: ``13812345678`` → ``138****5678``."""
    value = phone.strip()
    mobile = _MOBILE.match(value.replace(" ", "").replace("-", ""))
    if mobile:
        digits = mobile.group(1)
        return digits[:3] + "****" + digits[-4:]
    digit_positions = [index for index, char in enumerate(value) if char.isdigit()]
    keep = set(digit_positions[-4:]) if len(digit_positions) > 6 else set()
    return "".join(
        char if not char.isdigit() or index in keep else "*" for index, char in enumerate(value)
    )


def mask_plate(plate: str) -> str:
    """Mask a vehicle plate: ``鲁M12345`` → ``鲁M1**45``."""
    value = plate.strip().upper()
    if len(value) < 6:
        return value[:1] + "*" * (len(value) - 1)
    return value[:3] + "*" * (len(value) - 5) + value[-2:]


def mask_name(name: str) -> str:
    """Mask a person's name keeping the first character: ``张三`` → ``张*``."""
    value = name.strip()
    if len(value) <= 1:
        return value
    return value[0] + "*" * (len(value) - 1)
