"""Audit response shapes."""
from datetime import datetime

from pydantic import BaseModel, Field


class AuditRow(BaseModel):
    id: int
    at: datetime
    user_id: int | None
    username: str | None
    action: str
    object_type: str | None
    object_id: str | None
    outcome: str
    reason: str | None = Field(description="text a person typed: a reveal's reason, a review note")
    reason_code: str | None = Field(description="what the row says, as a code of the web app's catalog "
                                    "(admin.audit_reasons), e.g. audit.page, login.wrong_password, request.denied")
    reason_params: dict | None = Field(description="the values of reason_code's sentence")
    client_addr: str | None
    request_id: str | None


class AuditPage(BaseModel):
    rows: list[AuditRow]
    total: int = Field(description="rows matching the filters, all pages")
    offset: int = 0
    next_offset: int | None = Field(None, description="offset of the next page; null on the last page")
