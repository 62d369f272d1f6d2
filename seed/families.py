"""Household templates (who lives together, at what ages) and their vectorised expansion into members."""

from dataclasses import dataclass

import numpy as np

# Member kinds → relation to the head (by gender); "other" covers dorm-mates and relatives staying over.
RELATIONS = {
    "head": ("户主", "户主"),
    "spouse": ("配偶", "配偶"),
    "child": ("子", "女"),
    "father": ("父", "父"),
    "mother": ("母", "母"),
    "grandchild": ("孙子", "孙女"),
    "in_law": ("女婿", "儿媳"),
    "other": ("其他", "其他"),
}
KINDS = tuple(RELATIONS)
# Member kinds that carry the family's surname (the other members keep their own).
FAMILY_NAME_KINDS = ("child", "grandchild", "father")


@dataclass(frozen=True)
class Slot:
    """One member of a template: kind, gender ('M', 'F', '*' random, '~' opposite of the head) and age
    either absolute (`relative` False) or relative to the head's age, uniform in [low, high]."""

    kind: str
    gender: str
    low: float
    high: float
    relative: bool = False


@dataclass(frozen=True)
class Template:
    """A household shape with its weight among registered rural/urban, rental and collective households."""

    name: str
    slots: tuple[Slot, ...]
    rural: float = 0.0
    urban: float = 0.0
    rental: float = 0.0
    collective: float = 0.0
    head_male: float = 0.9


def _couple(low: float, high: float) -> tuple[Slot, Slot]:
    return Slot("head", "M", low, high), Slot("spouse", "~", -6, 2, True)


TEMPLATES: tuple[Template, ...] = (
    Template("elderly_alone", (Slot("head", "*", 65, 93),), rural=10.5, urban=5.0, head_male=0.4),
    Template("elderly_couple", _couple(60, 86), rural=12.0, urban=8.0),
    Template("couple", _couple(23, 58), rural=5.5, urban=10.0),
    Template("nuclear_1", (*_couple(26, 55), Slot("child", "*", -34, -22, True)), rural=14.0, urban=25.0),
    Template(
        "nuclear_2",
        (*_couple(28, 55), Slot("child", "*", -34, -22, True), Slot("child", "*", -38, -24, True)),
        rural=18.0,
        urban=16.0,
    ),
    Template(
        "three_generation",
        (
            *_couple(30, 52),
            Slot("child", "*", -32, -22, True),
            Slot("father", "M", 23, 32, True),
            Slot("mother", "F", 21, 30, True),
        ),
        rural=10.0,
        urban=6.0,
    ),
    Template(
        "stem",
        (
            *_couple(55, 74),
            Slot("child", "M", -33, -25, True),
            Slot("in_law", "F", -34, -24, True),
            Slot("grandchild", "*", 0, 12),
            Slot("grandchild", "*", 0, 12),
        ),
        rural=9.0,
        urban=5.0,
    ),
    Template(
        "left_behind_2",
        (*_couple(57, 76), Slot("grandchild", "*", 4, 15), Slot("grandchild", "*", 1, 12)),
        rural=2.7,
        urban=0.7,
    ),
    Template("left_behind_1", (*_couple(56, 76), Slot("grandchild", "*", 3, 16)), rural=2.5, urban=0.7),
    Template("single", (Slot("head", "*", 22, 60),), rural=3.0, urban=7.0, head_male=0.6),
    Template(
        "single_parent",
        (Slot("head", "*", 30, 52), Slot("child", "*", -34, -20, True)),
        rural=3.0,
        urban=4.0,
        head_male=0.4,
    ),
    Template(
        "elder_with_child",
        (Slot("head", "*", 62, 88), Slot("child", "*", -40, -28, True)),
        rural=5.0,
        urban=3.0,
        head_male=0.5,
    ),
    # rented by floating/temporary/foreign residents
    Template("worker", (Slot("head", "*", 18, 52),), rental=48.0, head_male=0.7),
    Template("worker_couple", _couple(21, 48), rental=27.0),
    Template("worker_family_1", (*_couple(25, 46), Slot("child", "*", -31, -22, True)), rental=18.0),
    Template(
        "worker_family_2",
        (*_couple(28, 46), Slot("child", "*", -31, -22, True), Slot("child", "*", -35, -24, True)),
        rental=7.0,
    ),
    # dormitory rooms of a factory (集体户)
    *(
        Template(
            f"dorm_{n}",
            (Slot("head", "*", 20, 50),) + (Slot("other", "*", 18, 50),) * (n - 1),
            collective=1.0,
            head_male=0.75,
        )
        for n in range(4, 9)
    ),
)
INDEX = {t.name: k for k, t in enumerate(TEMPLATES)}


def _weights(attribute: str) -> np.ndarray:
    w = np.array([getattr(t, attribute) for t in TEMPLATES])
    return w / w.sum()


def expected_size(attribute: str) -> float:
    """Mean number of members of a household drawn with the given weights ('rural', 'urban', …)."""
    return float(np.dot(_weights(attribute), [len(t.slots) for t in TEMPLATES]))


def draw(rng: np.random.Generator, attribute: str, n: int) -> np.ndarray:
    """Template indices of `n` households of a kind."""
    return rng.choice(len(TEMPLATES), size=n, p=_weights(attribute))


@dataclass
class Members:
    """Household members as parallel arrays, grouped by household, the head first."""

    household: np.ndarray
    kind: np.ndarray  # index into KINDS
    male: np.ndarray
    age: np.ndarray  # years (float)


_SLOT_START = np.cumsum([0] + [len(t.slots) for t in TEMPLATES])
_SLOTS = [s for t in TEMPLATES for s in t.slots]
_SLOT_KIND = np.array([KINDS.index(s.kind) for s in _SLOTS])
_SLOT_GENDER = np.array(["MF*~".index(s.gender) for s in _SLOTS])
_SLOT_LOW = np.array([s.low for s in _SLOTS])
_SLOT_HIGH = np.array([s.high for s in _SLOTS])
_SLOT_RELATIVE = np.array([s.relative for s in _SLOTS])
_HEAD_MALE = np.array([t.head_male for t in TEMPLATES])


def expand(rng: np.random.Generator, templates: np.ndarray) -> Members:
    """Members of households with the given templates: relations, genders and consistent ages."""
    sizes = _SLOT_START[templates + 1] - _SLOT_START[templates]
    household = np.repeat(np.arange(len(templates)), sizes)
    first = np.repeat(np.cumsum(sizes) - sizes, sizes)
    slot = _SLOT_START[templates][household] + np.arange(len(household)) - first
    head_male = rng.random(len(templates)) < _HEAD_MALE[templates]
    head_age = rng.uniform(_SLOT_LOW[_SLOT_START[templates]], _SLOT_HIGH[_SLOT_START[templates]])
    gender = _SLOT_GENDER[slot]
    male = np.where(gender == 0, True, np.where(gender == 1, False, rng.random(len(slot)) < 0.51))
    male = np.where(gender == 3, ~head_male[household], male)  # a spouse
    is_head = slot == _SLOT_START[templates][household]
    male = np.where(is_head, head_male[household], male)
    age = rng.uniform(_SLOT_LOW[slot], _SLOT_HIGH[slot])
    age = np.where(_SLOT_RELATIVE[slot], head_age[household] + age, age)
    age = np.where(is_head, head_age[household], age)
    young = age < 0.3
    age[young] = rng.uniform(0.1, 3.0, int(young.sum()))
    return Members(household=household, kind=_SLOT_KIND[slot], male=male, age=np.clip(age, 0.1, 99.5))
