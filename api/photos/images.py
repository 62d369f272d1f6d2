"""Checking and cleaning an uploaded image (pure: bytes in, bytes out; tests/photos/test_images.py).

Only JPEG, PNG and WebP, recognised by their first bytes (not the file name or the client's Content-Type),
fully decoded by Pillow (a truncated or disguised file is refused), at most MAX_PIXELS. The stored image
is re-encoded from the pixels, upright (EXIF orientation applied), so no metadata survives — GPS position,
device serial numbers, maker notes, thumbnails — except the time it was taken (EXIF DateTimeOriginal,
kept in JPEG/WebP EXIF and returned as `taken_at`).
"""
import io
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 2 * 1024 * 1024
MAX_PIXELS = 40_000_000
CHINA = timezone(timedelta(hours=8))
EXIF_IFD = 0x8769
DATETIME = 0x0132
DATETIME_ORIGINAL = 0x9003
FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


class ImageRefused(ValueError):
    """Why the bytes are not an acceptable image: reason is 'type', 'corrupt' or 'pixels'."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Cleaned:
    data: bytes
    media_type: str
    width: int
    height: int
    taken_at: datetime | None


def sniff(data: bytes) -> str | None:
    """The format by magic bytes: JPEG, PNG, WEBP or None."""
    if data[:3] == b"\xff\xd8\xff":
        return "JPEG"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "PNG"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return None


def _taken_at(exif: Image.Exif) -> tuple[datetime | None, str | None]:
    raw = exif.get_ifd(EXIF_IFD).get(DATETIME_ORIGINAL) or exif.get(DATETIME)
    if not isinstance(raw, str):
        return None, None
    try:
        # EXIF times carry no zone: a phone in the field keeps China time
        return datetime.strptime(raw.strip("\x00 ")[:19], "%Y:%m:%d %H:%M:%S").replace(tzinfo=CHINA), raw
    except ValueError:
        return None, None


def clean(data: bytes) -> Cleaned:
    """The image re-encoded without metadata but its time; ImageRefused otherwise."""
    kind = sniff(data)
    if kind is None:
        raise ImageRefused("type")
    try:
        with Image.open(io.BytesIO(data), formats=[kind]) as probe:
            if probe.width * probe.height > MAX_PIXELS:
                raise ImageRefused("pixels")
            probe.verify()
        with Image.open(io.BytesIO(data), formats=[kind]) as image:
            image.load()
            taken_at, raw_time = _taken_at(image.getexif())
            upright = ImageOps.exif_transpose(image)
    except ImageRefused:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ImageRefused("corrupt") from None
    out = io.BytesIO()
    if kind == "PNG":
        upright.save(out, format="PNG", optimize=True)
    else:
        exif = Image.Exif()
        if raw_time:
            exif[DATETIME] = raw_time
            exif.get_ifd(EXIF_IFD)[DATETIME_ORIGINAL] = raw_time
        rgb = upright if upright.mode in ("RGB", "L") or kind == "WEBP" else upright.convert("RGB")
        options = {"quality": 88, "exif": exif.tobytes()} if raw_time else {"quality": 88}
        rgb.save(out, format=kind, **options)
    return Cleaned(out.getvalue(), FORMATS[kind], upright.width, upright.height, taken_at)
