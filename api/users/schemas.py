"""Accounts: request and response shapes of /api/users."""
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field


class UserOut(BaseModel):
    id: int
    username: str
    display_name: str
    role: str
    station_id: int | None
    station_name: str | None
    active: bool
    must_change_password: bool
    locked: bool
    created_at: datetime


class StationOut(BaseModel):
    id: int
    code: str
    name: str


UserSort = Literal["station", "username", "display_name", "role", "created_at"]


class UserList(BaseModel):
    """One page of the users matching the filters (`total` of them), and the stations and roles a form may
    offer."""

    users: list[UserOut]
    stations: list[StationOut]
    roles: list[str]
    total: int
    limit: int
    offset: int
    sort: UserSort


class UserCreate(BaseModel):
    username: str = Field(max_length=64)
    display_name: str = Field(max_length=64)
    role: str = Field(max_length=16)
    station_id: int | None = None


class UserPatch(BaseModel):
    """Only the fields sent change; `station_id: null` removes the station."""

    display_name: str | None = Field(None, max_length=64)
    role: str | None = Field(None, max_length=16)
    station_id: int | None = None
    active: bool | None = None


class OneTimePassword(BaseModel):
    """Shown once: the user signs in with it and must set a new password at once."""

    user: UserOut
    one_time_password: str
