"""Photo shapes."""
from pydantic import BaseModel

from api.contract import IsoDateTime


class PhotoOut(BaseModel):
    id: int
    sha256: str
    media_type: str
    size: int
    width: int
    height: int
    taken_at: IsoDateTime | None
    visit_id: int | None
    building_id: int | None
    dispute_id: int | None
    created_at: IsoDateTime
    url: str
