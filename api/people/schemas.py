"""Request and response models of the people domain."""
from typing import Annotated

from pydantic import BaseModel, StringConstraints

Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=500)]


class RevealIn(BaseModel):
    """Why the full ID number is needed (kept in the audit log)."""

    reason: Reason


class RevealOut(BaseModel):
    id: int
    name: str
    id_number: str
    household_id: int | None
