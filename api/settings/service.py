"""Reading and changing settings. Today one: which person tags make a resident a key person of the
worklist and of the monthly key-person target (我的任务, 本月走访).

A key without a row has its default, so a fresh database behaves as before the setting existed.
"""
import json

from sqlalchemy import text
from sqlalchemy.orm import Session

from api.errors import InvalidInput
from api.people.models import PERSON_TAGS

KEY_PERSON_TAGS = "worklist.key_person_tags"
DEFAULT_KEY_PERSON_TAGS = ("key_person", "elderly_alone", "left_behind_child")

READ = "SELECT value, updated_at FROM app_setting WHERE key = :key"
# the planner's pre-aggregates count key persons by the setting: recount them (api/plans/sql/area_stats.sql)
RECOUNT_KEY_PERSONS = "SELECT holomap_recount_key_persons()"
UPSERT = """
INSERT INTO app_setting (key, value, updated_at, updated_by)
VALUES (:key, CAST(:value AS jsonb), now(), :user_id)
ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now(), updated_by = EXCLUDED.updated_by
RETURNING value, updated_at
"""


def key_person_tags(*, session: Session) -> tuple[str, ...]:
    """The tags that count (in the order of PERSON_TAGS)."""
    row = session.execute(text(READ), {"key": KEY_PERSON_TAGS}).first()
    chosen = set(row.value) if row is not None else set(DEFAULT_KEY_PERSON_TAGS)
    return tuple(tag for tag in PERSON_TAGS if tag in chosen)


def key_person_setting(*, session: Session) -> dict:
    """The setting as answered by the API: chosen tags, every tag one may choose, when it was changed."""
    row = session.execute(text(READ), {"key": KEY_PERSON_TAGS}).first()
    return {"tags": list(key_person_tags(session=session)), "available": list(PERSON_TAGS),
            "default": list(DEFAULT_KEY_PERSON_TAGS), "updated_at": row.updated_at if row else None}


def set_key_person_tags(*, session: Session, tags: list[str], user_id: int) -> dict:
    """Replace the chosen tags (at least one, each a known tag); the caller commits."""
    unknown = sorted(set(tags) - set(PERSON_TAGS))
    if unknown:
        raise InvalidInput(f"unknown tags {', '.join(unknown)}; choose among {', '.join(PERSON_TAGS)}",
                           code="settings.unknown_tag", params={"unknown": unknown})
    if not tags:
        raise InvalidInput("choose at least one tag", code="settings.no_tag")
    ordered = [tag for tag in PERSON_TAGS if tag in set(tags)]
    before = key_person_tags(session=session)
    session.execute(text(UPSERT), {"key": KEY_PERSON_TAGS, "value": json.dumps(ordered), "user_id": user_id})
    if tuple(ordered) != before:
        session.execute(text(RECOUNT_KEY_PERSONS)).scalar_one()
    return key_person_setting(session=session)
