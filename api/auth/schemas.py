"""Auth request/response shapes."""
from pydantic import BaseModel, Field


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int
    # signed in with a one-time password: the token only allows POST /api/auth/password
    must_change_password: bool = False


class PasswordChange(BaseModel):
    old_password: str = Field(max_length=256)
    new_password: str = Field(max_length=256)


class Me(BaseModel):
    id: int
    username: str
    display_name: str
    role: str
    station_id: int | None
    beats: list[str]
    capabilities: list[str]  # sorted; what the role may do (api/auth/capabilities.py)
