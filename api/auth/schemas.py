"""Auth request/response shapes."""
from pydantic import BaseModel, Field


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int
    # signed in with a one-time password: the token only allows POST /api/auth/password
    must_change_password: bool = False
    # the sliding session (POST /api/auth/refresh): a one-time refresh token (none for a one-time-password
    # sign-in), seconds until it locks unused (idle) and until the session ends whatever happens
    refresh_token: str | None = None
    refresh_expires_in: int | None = None
    session_expires_in: int | None = None


class RefreshIn(BaseModel):
    refresh_token: str = Field(min_length=1, max_length=200)


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
