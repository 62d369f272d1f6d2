"""Request and response models of the people domain."""
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from api.people.models import DOCUMENT_KINDS, HOUSEHOLD_KINDS, PERSON_TAGS, RESIDENCY, VEHICLE_KINDS
from api.places.models import BUILDING_USES

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
Address = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
# 居住证/暂住证 and travel document numbers: letters, digits, the province character (鲁居…), a hyphen
DocumentNo = Annotated[str, StringConstraints(strip_whitespace=True, min_length=4, max_length=32,
                                              pattern=r"^[0-9A-Za-z\u4e00-\u9fff-]+$")]
DocumentKind = Literal[DOCUMENT_KINDS]  # type: ignore[valid-type]


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
    registered_address: Address | None = None
    permit_no: DocumentNo | None = None
    permit_expires: date | None = None
    document_kind: DocumentKind | None = None
    document_no: DocumentNo | None = None
    visa_expires: date | None = None

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
    nationality: Nationality | None = None
    registered_address: Address | None = None
    permit_no: DocumentNo | None = None
    permit_expires: date | None = None
    document_kind: DocumentKind | None = None
    document_no: DocumentNo | None = None
    visa_expires: date | None = None

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
    registered_address: str | None
    permit_no_masked: str | None
    permit_expires: date | None
    document_kind: str
    document_no_masked: str | None
    visa_expires: date | None


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


# ---- 出租屋管理 and 房屋: the landlord and lease of a household, the owner and use of a building ----------

class HouseholdUpdate(BaseModel):
    """Corrections of a household's kind and rental facts; fields left out stay as they are. A landlord is a
    registered person (`landlord_person_id`) or a name and phone (a landlord living elsewhere)."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal[HOUSEHOLD_KINDS] | None = None  # type: ignore[valid-type]
    landlord_person_id: int | None = Field(None, ge=1)
    landlord_name: Name | None = None
    landlord_phone: str | None = None
    lease_start: date | None = None
    lease_end: date | None = None


class HouseholdFactsOut(BaseModel):
    id: int
    building_id: int
    unit: int
    floor: int
    room: str
    kind: str
    landlord_person_id: int | None
    landlord_name: str | None
    landlord_phone_masked: str | None
    lease_start: date | None
    lease_end: date | None


class BuildingUpdate(BaseModel):
    """Corrections of a building's owner (a registered person, or a name and phone) and use (房屋用途)."""

    model_config = ConfigDict(extra="forbid")

    owner_person_id: int | None = Field(None, ge=1)
    owner_name: Name | None = None
    owner_phone: str | None = None
    use: Literal[BUILDING_USES] | None = None  # type: ignore[valid-type]


class BuildingFactsOut(BaseModel):
    id: int
    address: str
    kind: str
    use: str | None
    owner_person_id: int | None
    owner_name: str | None
    owner_phone_masked: str | None


class PersonMoveOut(BaseModel):
    """One 迁入/迁出 of a resident."""

    id: int
    household_id: int | None
    address: str | None
    kind: str
    moved_on: date | None
    recorded_at: datetime
