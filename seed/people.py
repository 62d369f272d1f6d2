"""Personal attributes in bulk: names, phone numbers, licence plates and care tags."""

import numpy as np

from seed import families, names
from seed.idnumbers import birth_ymd
from seed.tables import text_array

SURNAME_TEXT = [s for s, _ in names.SURNAMES]
_SURNAME_P = np.array([w for _, w in names.SURNAMES]) / sum(w for _, w in names.SURNAMES)
_POOL_KEYS = list(names.GIVEN_CHARS)
_POOL = "".join(names.GIVEN_CHARS[k] for k in _POOL_KEYS)
_POOL_START = np.cumsum([0] + [len(names.GIVEN_CHARS[k]) for k in _POOL_KEYS])[:-1]
_POOL_SIZE = np.array([len(names.GIVEN_CHARS[k]) for k in _POOL_KEYS])
_SINGLE_CHAR = np.array([0.15, 0.3, 0.2])  # share of one-character given names by cohort


def surnames(rng: np.random.Generator, n: int) -> np.ndarray:
    """Indices of `n` surnames drawn by frequency."""
    return rng.choice(len(SURNAME_TEXT), size=n, p=_SURNAME_P)


def given_names(rng: np.random.Generator, male: np.ndarray, birth_year: np.ndarray) -> list[str]:
    """Given names of one or two characters typical of each gender and birth cohort."""
    cohort = np.where(birth_year < 1965, 0, np.where(birth_year < 1990, 1, 2))
    pool = np.array([_POOL_KEYS.index(("M" if m else "F", c)) for m in (True, False) for c in range(3)])
    which = pool[np.where(male, 0, 3) + cohort]
    first = _POOL_START[which] + (rng.random(len(male)) * _POOL_SIZE[which]).astype(int)
    second = _POOL_START[which] + (rng.random(len(male)) * _POOL_SIZE[which]).astype(int)
    single = rng.random(len(male)) < _SINGLE_CHAR[cohort]
    return [
        _POOL[a] if s else _POOL[a] + _POOL[b]
        for a, b, s in zip(first.tolist(), second.tolist(), single.tolist(), strict=True)
    ]


def person_names(
    rng: np.random.Generator,
    household: np.ndarray,
    kind: np.ndarray,
    male: np.ndarray,
    birth: np.ndarray,
    nationality: np.ndarray,
) -> tuple[list[str], list[str]]:
    """Full names and surnames: children, grandchildren, the head's father and a male head share the
    family surname; foreign residents get names of their nationality."""
    family = surnames(rng, int(household.max()) + 1)[household]
    own = surnames(rng, len(household))
    line = np.isin(kind, [families.KINDS.index(k) for k in families.FAMILY_NAME_KINDS])
    line |= (kind == families.KINDS.index("head")) & male
    surname = [SURNAME_TEXT[k] for k in np.where(line, family, own).tolist()]
    given = given_names(rng, male, birth_ymd(birth) // 10_000)
    full = [s + g for s, g in zip(surname, given, strict=True)]
    for p in np.flatnonzero(nationality != "CHN").tolist():
        choices = [n for n, g in names.FOREIGN_NAMES[nationality[p]] if (g == "M") == bool(male[p])]
        full[p] = choices[int(rng.integers(len(choices)))]
        surname[p] = full[p][0]
    return full, surname


def phones(rng: np.random.Generator, n: int, has_phone: np.ndarray) -> list[str | None]:
    """Mobile numbers 1[3-9]x xxxx xxxx for those who have one."""
    prefix = rng.integers(0, len(names.PHONE_PREFIXES), n).tolist()
    number = rng.integers(0, 100_000_000, n).tolist()
    return [
        f"{names.PHONE_PREFIXES[p]}{d:08d}" if h else None
        for p, d, h in zip(prefix, number, has_phone.tolist(), strict=True)
    ]


def plates(rng: np.random.Generator, n: int) -> list[str]:
    """Distinct plates 鲁M + five characters (a leading letter often, sometimes one more letter)."""
    alphabet = "0123456789" + names.PLATE_LETTERS

    def draw(m: int) -> np.ndarray:
        chars = rng.integers(0, 10, size=(m, 5))
        lead = rng.random(m) < 0.6
        chars[lead, 0] = 10 + rng.integers(0, len(names.PLATE_LETTERS), int(lead.sum()))
        extra = rng.random(m) < 0.25
        position = rng.integers(1, 5, m)
        chars[extra, position[extra]] = 10 + rng.integers(0, len(names.PLATE_LETTERS), int(extra.sum()))
        return chars

    chars = draw(n)
    while True:
        key = sum(chars[:, k].astype(np.int64) * len(alphabet) ** k for k in range(5))
        order = np.argsort(key, kind="stable")
        repeated = order[1:][key[order][1:] == key[order][:-1]]
        if not len(repeated):
            break
        chars[repeated] = draw(len(repeated))
    text = np.ascontiguousarray(np.array(list(alphabet))[chars]).view("<U5")[:, 0]
    return np.char.add(names.PLATE_PREFIX, text).tolist()


TAGS = (
    "elderly_alone",
    "left_behind_child",
    "disabled",
    "key_person",
    "low_income",
    "veteran",
    "mental_health",
)


def tag_arrays(
    rng: np.random.Generator,
    household: np.ndarray,
    age: np.ndarray,
    male: np.ndarray,
    size: np.ndarray,
    residency: np.ndarray,
) -> tuple[list[str], dict[str, np.ndarray]]:
    """text[] tags of every person and the boolean flag of each tag.

    elderly_alone: 65+ living alone; left_behind_child: a minor whose household has no adult of
    20–50; disabled ~1.5% (more with age); key_person ~0.5% (working-age, mostly men); a few others.
    """
    n = len(household)
    registered = residency == "registered"
    flags = {"elderly_alone": registered & (size[household] == 1) & (age >= 65)}
    parent_age = np.bincount(household, weights=(age >= 20) & (age <= 50), minlength=len(size)) > 0
    flags["left_behind_child"] = registered & (age < 18) & ~parent_age[household]
    flags["disabled"] = rng.random(n) < 0.003 + 0.0003 * age
    eligible = (age >= 18) & (age <= 60)
    weight = eligible * np.where(male, 4.0, 1.0)
    key = rng.choice(n, size=round(0.005 * n), replace=False, p=weight / weight.sum())
    flags["key_person"] = np.isin(np.arange(n), key)
    flags["low_income"] = rng.random(n) < np.where(age >= 65, 0.04, 0.012) + 0.2 * flags["disabled"]
    flags["veteran"] = male & (age >= 40) & (rng.random(n) < 0.025)
    flags["mental_health"] = (age >= 18) & (rng.random(n) < 0.002)
    bits = sum(flags[t].astype(np.int64) << k for k, t in enumerate(TAGS))
    literal = {b: text_array([t for k, t in enumerate(TAGS) if b >> k & 1]) for b in np.unique(bits).tolist()}
    return [literal[b] for b in bits.tolist()], flags
