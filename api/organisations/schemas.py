"""Request and response models of 实有单位 (organisations) and their employees."""
from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints, field_validator

from api.contract import IsoDateTime

KINDS = ("shop", "restaurant", "hotel", "internet_cafe", "entertainment", "school", "kindergarten", "clinic",
         "factory", "warehouse", "office", "other")
STATUSES = ("open", "suspended", "closed")
# the Chinese names an officer types or an import sheet carries
KIND_ALIASES = {"商店": "shop", "商铺": "shop", "超市": "shop", "小卖部": "shop", "餐饮": "restaurant",
                "饭店": "restaurant", "餐馆": "restaurant", "旅馆": "hotel", "宾馆": "hotel", "网吧": "internet_cafe",
                "娱乐场所": "entertainment", "学校": "school", "幼儿园": "kindergarten", "诊所": "clinic",
                "医院": "clinic", "卫生室": "clinic", "工厂": "factory", "企业": "factory", "仓库": "warehouse",
                "办公": "office", "其他": "other"}
STATUS_ALIASES = {"营业": "open", "在营": "open", "停业": "suspended", "歇业": "suspended", "注销": "closed",
                  "关闭": "closed"}

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
PersonName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
Short = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=16)]
Notes = Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)]
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)]


def kind_value(value: str | None) -> str | None:
    if value is None:
        return None
    value = KIND_ALIASES.get(value.strip(), value.strip())
    if value not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)} (or 商店, 餐饮, 旅馆, 网吧, 学校, 诊所, 工厂…)")
    return value


def status_value(value: str | None) -> str | None:
    if value is None:
        return None
    value = STATUS_ALIASES.get(value.strip(), value.strip())
    if value not in STATUSES:
        raise ValueError("status must be open/营业, suspended/停业 or closed/注销")
    return value


class OrganisationFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    kind: str | None = None
    small_venue: bool | None = None
    key_unit: bool | None = None
    credit_code: Code | None = None
    legal_rep: PersonName | None = None
    person_in_charge: PersonName | None = None
    phone: Phone | None = None
    unit: int | None = None
    floor: int | None = None
    room: Short | None = None
    opened_on: date | None = None
    status: str | None = None
    fire_check_on: date | None = None
    notes: Notes | None = None

    _check_kind = field_validator("kind")(kind_value)
    _check_status = field_validator("status")(status_value)


class OrganisationCreate(OrganisationFields):
    """An organisation to register in a building of the user's beats."""

    building_id: int
    name: Name
    kind: str


class OrganisationUpdate(OrganisationFields):
    """Fields to correct; a field sent as null is cleared (name, kind and status cannot be cleared)."""

    building_id: int | None = None


class OrganisationOut(BaseModel):
    id: int
    building_id: int
    address: str
    beat_id: int | None
    name: str
    kind: str
    small_venue: bool
    key_unit: bool
    credit_code: str | None
    legal_rep: str | None
    person_in_charge: str | None
    phone_masked: str | None
    unit: int | None
    floor: int | None
    room: str | None
    opened_on: date | None
    status: str
    fire_check_on: date | None
    notes: str | None
    employees: int
    lon: float
    lat: float
    updated_at: IsoDateTime


class OrganisationList(BaseModel):
    items: list[OrganisationOut]


class EmployeeCreate(BaseModel):
    """An employee: a registered person (`person_id`, name and ID from the record) or by name and ID number."""

    model_config = ConfigDict(extra="forbid")

    person_id: int | None = None
    name: PersonName | None = None
    id_number: Code | None = None
    phone: Phone | None = None
    role: PersonName | None = None
    since: date | None = None


class EmployeeUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    phone: Phone | None = None
    role: PersonName | None = None
    since: date | None = None
    left_on: date | None = None


class EmployeeOut(BaseModel):
    id: int
    organisation_id: int
    person_id: int | None
    name: str
    id_number_masked: str | None
    phone_masked: str | None
    role: str | None
    since: date | None
    left_on: date | None


class EmployeeList(BaseModel):
    items: list[EmployeeOut]
