"""GET/PUT /api/settings/key-person-tags: which person tags count as key persons (我的任务, targets);
GET/PUT /api/settings/quality-checks: the 数据质量 checks that are on and their thresholds."""
from datetime import datetime

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt

from api.auth.dependencies import current_user, require_capability
from api.auth.service import CurrentUser
from api.db import DbSession
from api.scope import audit
from api.settings import quality, service

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


class QualityCheckSwitch(BaseModel):
    code: str
    enabled: bool


class QualityChecks(BaseModel):
    """The data-quality checks that are on, and the thresholds in days (expiring, visit, fire_check)."""

    checks: list[QualityCheckSwitch]
    days: dict[str, int]
    default_days: dict[str, int]
    day_ranges: dict[str, list[int]]
    updated_at: datetime | None


class QualityChecksIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    enabled: dict[str, StrictBool] = Field(default_factory=dict, max_length=50)
    days: dict[str, StrictInt] = Field(default_factory=dict, max_length=10)


@router.get("/quality-checks", response_model=QualityChecks)
def read_quality_checks(
    *,
    user: CurrentUser = Depends(current_user), session: DbSession,
) -> dict:
    """The checks that are on and the thresholds (every signed-in user: the board says what it counts)."""
    return quality.quality_setting(session=session)


@router.put("/quality-checks", response_model=QualityChecks)
def change_quality_checks(
    *,
    body: QualityChecksIn, request: Request,
    user: CurrentUser = Depends(require_capability("settings.manage")), session: DbSession,
) -> dict:
    """Switch checks on/off and set thresholds (administrator); every beat's cached counts become stale;
    audited with what is off and the thresholds."""
    result = quality.set_quality_setting(session=session, enabled=body.enabled, days=body.days, user_id=user.id)
    audit(request, session, user, action="settings.quality_checks", object_type="setting",
          object_id=quality.QUALITY_CHECKS, reason_code="settings.quality_checks",
          reason_params={"disabled": [c["code"] for c in result["checks"] if not c["enabled"]],
                         "days": result["days"]})
    session.commit()
    return result
