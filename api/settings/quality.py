"""The 数据质量 checks' setting (app_setting 'quality.checks'): which checks are on, and their thresholds in
days. A key without a row has its defaults, so a fresh database behaves as before the setting existed.

The thresholds are read in SQL by holomap_quality_days (api/quality/sql/quality.sql: counts and items); which
checks are on, here (the board, the items, 我的任务 and the snapshots leave the others out). A change marks
every beat's cached counts stale (trigger on app_setting, api/quality/sql/dirty.sql).
"""
import json

from sqlalchemy import text
from sqlalchemy.orm import Session

from api.errors import InvalidInput

QUALITY_CHECKS = "quality.checks"
# the thresholds: default and the range an administrator may choose (equal to holomap_quality_days' defaults)
QUALITY_DAYS = {"expiring": (30, 1, 365), "visit": (365, 30, 1095), "fire_check": (365, 30, 1095)}

READ = "SELECT value, updated_at FROM app_setting WHERE key = :key"
UPSERT = """
INSERT INTO app_setting (key, value, updated_at, updated_by)
VALUES (:key, CAST(:value AS jsonb), now(), :user_id)
ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now(), updated_by = EXCLUDED.updated_by
"""


def _checks() -> tuple[str, ...]:
    from api.quality.queries import ITEMS  # (the quality domain imports this module)

    return tuple(ITEMS)


def quality_setting(*, session: Session) -> dict:
    """Every check with whether it is on, the thresholds, their defaults and ranges, when it was changed."""
    row = session.execute(text(READ), {"key": QUALITY_CHECKS}).first()
    value = row.value if row is not None else {}
    off = set(value.get("disabled", []))
    days = {k: int(value.get("days", {}).get(k, default)) for k, (default, _, _) in QUALITY_DAYS.items()}
    return {"checks": [{"code": c, "enabled": c not in off} for c in _checks()], "days": days,
            "default_days": {k: v[0] for k, v in QUALITY_DAYS.items()},
            "day_ranges": {k: [v[1], v[2]] for k, v in QUALITY_DAYS.items()},
            "updated_at": row.updated_at if row is not None else None}


def enabled_checks(*, session: Session) -> tuple[str, ...]:
    """The codes of the checks that are on, in the board's order."""
    row = session.execute(text(READ), {"key": QUALITY_CHECKS}).first()
    off = set(row.value.get("disabled", [])) if row is not None else set()
    return tuple(c for c in _checks() if c not in off)


def set_quality_setting(*, session: Session, enabled: dict[str, bool], days: dict[str, int], user_id: int) -> dict:
    """Switch checks on or off and set thresholds (keys not given keep their value); the caller commits."""
    unknown = sorted(set(enabled) - set(_checks()))
    if unknown:
        raise InvalidInput(f"unknown checks {', '.join(unknown)}", code="settings.unknown_check",
                           params={"unknown": unknown})
    for key, value in days.items():
        if key not in QUALITY_DAYS:
            raise InvalidInput(f"unknown threshold {key!r}; one of {', '.join(QUALITY_DAYS)}",
                               code="settings.unknown_threshold", params={"key": key})
        low, high = QUALITY_DAYS[key][1:]
        if not low <= value <= high:
            raise InvalidInput(f"{key} must be {low}–{high} days", code="settings.days_out_of_range",
                               params={"key": key, "low": low, "high": high, "value": value})
    current = quality_setting(session=session)
    on = {c["code"]: c["enabled"] for c in current["checks"]} | enabled
    if not any(on.values()):
        raise InvalidInput("keep at least one check on", code="settings.no_check")
    value = {"disabled": [c for c in _checks() if not on[c]], "days": current["days"] | days}
    session.execute(text(UPSERT), {"key": QUALITY_CHECKS, "value": json.dumps(value), "user_id": user_id})
    return quality_setting(session=session)
