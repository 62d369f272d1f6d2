"""Auth request/response shapes."""
from pydantic import BaseModel


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int


class Me(BaseModel):
    id: int
    username: str
    display_name: str
    role: str
    station_id: int | None
    beats: list[str]
    capabilities: list[str]  # sorted; what the role may do (api/auth/capabilities.py)
