"""Beat membership (1+1+N) request and response shapes."""
from pydantic import BaseModel, Field


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
