"""Beat membership (1+1+N) request and response shapes, and the current beats' GeoJSON."""
from pydantic import BaseModel, Field

from api.contract import FeatureCollection


class MembersIn(BaseModel):
    """The complete new set of a beat's members: it replaces the old one as a whole."""

    officer: int | None
    auxiliary: int | None
    grid_members: list[int] = Field(max_length=50)
    mediators: list[int] = Field(max_length=50)


class MemberOut(BaseModel):
    user_id: int
    username: str
    display_name: str


class MembersOut(BaseModel):
    beat_id: int
    code: str
    officer: MemberOut | None
    auxiliary: MemberOut | None
    grid_members: list[MemberOut]
    mediators: list[MemberOut]


class CurrentBeatMember(BaseModel):
    user_id: int
    username: str
    display_name: str
    duty: str
    phone: str | None


class CurrentBeatProperties(BaseModel):
    id: int
    code: str
    name: str
    kind: str
    version: int
    plan_id: int
    station_id: int
    in_scope: bool  # one of the requesting user's beats
    label: list[float] | None = Field(description="[lon, lat] inside the beat's largest part, for its code")
    members: list[CurrentBeatMember]


class CurrentBeats(FeatureCollection[CurrentBeatProperties]):
    """GET /api/beats: the current beats (built by PostgreSQL, api/beats/queries.py)."""
