"""GET/PUT /api/settings/key-person-tags: which person tags count as key persons (我的任务, targets)."""
from datetime import datetime

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from api.auth.dependencies import current_user, require_capability
from api.auth.service import CurrentUser
from api.db import DbSession
from api.scope import audit
from api.settings import service

router = APIRouter(prefix="/api/settings", tags=["settings"])


class KeyPersonTags(BaseModel):
    """The tags that make a resident a key person of the worklist and of the monthly target."""

    tags: list[str]
    available: list[str]
    default: list[str]
    updated_at: datetime | None


class KeyPersonTagsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    tags: list[str] = Field(max_length=50)


@router.get("/key-person-tags", response_model=KeyPersonTags)
def read_key_person_tags(
    *,
    user: CurrentUser = Depends(current_user), session: DbSession,
) -> dict:
    """The chosen tags (every signed-in user: the worklist says why a person is listed)."""
    return service.key_person_setting(session=session)


@router.put("/key-person-tags", response_model=KeyPersonTags)
def change_key_person_tags(
    *,
    body: KeyPersonTagsIn, request: Request,
    user: CurrentUser = Depends(require_capability("settings.manage")), session: DbSession,
) -> dict:
    """Replace the chosen tags (administrator); audited with the new list."""
    result = service.set_key_person_tags(session=session, tags=body.tags, user_id=user.id)
    audit(request, session, user, action="settings.key_person_tags", object_type="setting",
          object_id=service.KEY_PERSON_TAGS, reason_code="settings.key_person_tags",
          reason_params={"tags": result["tags"]})
    session.commit()
    return result
