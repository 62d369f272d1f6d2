"""Request and response models of the people domain."""
from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from api.people.models import PERSON_TAGS, RESIDENCY, VEHICLE_KINDS

Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=500)]


class RevealIn(BaseModel):
    """Why the full ID number is needed (kept in the audit log)."""

    reason: Reason


class RevealOut(BaseModel):
    id: int
    name: str
    id_number: str
    household_id: int | None


# ---- 信息采集: registering and correcting residents and vehicles ----------------------------------------

RESIDENCY_ALIASES = {"常住": "registered", "户籍": "registered", "暂住": "temporary", "流动": "floating",
                     "境外": "foreign"}
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
Relation = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=16)]
Short = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=16)]
Brand = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
Nationality = Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Z]{3}$")]


def _residency(value: str | None) -> str | None:
    if value is None:
        return None
    value = RESIDENCY_ALIASES.get(value.strip(), value.strip())
    if value not in RESIDENCY:
        raise ValueError("residency must be registered/常住, temporary/暂住, floating/流动 or foreign/境外")
    return value


def _tags(value: list[str] | None) -> list[str] | None:
    if value is None:
        return None
    unknown = sorted(set(value) - set(PERSON_TAGS))
    if unknown:
        raise ValueError(f"unknown tags {unknown}; allowed: {', '.join(PERSON_TAGS)}")
    return sorted(set(value), key=PERSON_TAGS.index)


class PersonCreate(BaseModel):
    """A resident to register in a household (birth date and gender come from the ID number)."""

    model_config = ConfigDict(extra="forbid")

    name: Name
    id_number: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
    phone: str | None = None
    residency: str = "registered"
    relation_to_head: Relation | None = None
    tags: list[str] = Field(default_factory=list)
    nationality: Nationality | None = None
    moved_in: date | None = None

    _check_residency = field_validator("residency")(_residency)
    _check_tags = field_validator("tags")(_tags)


class PersonUpdate(BaseModel):
    """Corrections of a registered resident; fields left out stay as they are. Never the ID number."""

    model_config = ConfigDict(extra="forbid")

    phone: str | None = None
    residency: str | None = None
    relation_to_head: Relation | None = None
    tags: list[str] | None = None
    moved_in: date | None = None
    moved_out: date | None = None

    _check_residency = field_validator("residency")(_residency)
    _check_tags = field_validator("tags")(_tags)


class PersonOut(BaseModel):
    """A resident as the household card shows one: identifiers masked."""

    id: int
    household_id: int | None
    name: str
    id_number_masked: str
    gender: str
    birth_date: date
    age: int
    phone_masked: str | None
    residency: str
    relation_to_head: str | None
    tags: list[str]
    nationality: str | None
    moved_in: date | None
    moved_out: date | None


class VehicleCreate(BaseModel):
    """A vehicle of a household (the owner, when given, lives in it)."""

    model_config = ConfigDict(extra="forbid")

    plate: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)]
    kind: Literal[VEHICLE_KINDS] = "car"  # type: ignore[valid-type]
    brand: Brand | None = None
    color: Short | None = None
    owner_person_id: int | None = None


class VehicleUpdate(BaseModel):
    """Corrections of a vehicle; fields left out stay as they are."""

    model_config = ConfigDict(extra="forbid")

    plate: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)] | None = None
    kind: Literal[VEHICLE_KINDS] | None = None  # type: ignore[valid-type]
    brand: Brand | None = None
    color: Short | None = None
    owner_person_id: int | None = None


class VehicleOut(BaseModel):
    id: int
    household_id: int | None
    plate_masked: str
    kind: str
    brand: str | None
    color: str | None
    owner_person_id: int | None
