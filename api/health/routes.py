"""GET /api/health: is the service up, does its database answer, and which PostGIS does it use.

Async and outside the load shedder: it answers within milliseconds under any load. The database is
checked on a dedicated connection (api/health/probe.py), not through the pools the requests use.
"""
from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

router = APIRouter(prefix="/api", tags=["health"])


class HealthOut(BaseModel):
    """200 answer; a 503 sends the error body (detail, code, params) plus these fields."""

    status: Literal["ok"]
    postgis: str
    database: Literal["ok"]
    in_progress: int | None = None  # requests being served (when the load shedder is on)
    limit: int | None = None  # its limit
    # the worker's analytics warm-up (api/analytics/preload.py): loading, ready, skipped, failed, stopped
    analytics_cache: str | None = None


@router.get("/health", response_model=HealthOut, response_model_exclude_unset=True)
async def health(request: Request) -> dict:
    """Liveness, a real round trip to PostGIS (at most a second old) and the requests in progress."""
    state = await request.app.state.health.check()
    shedder = getattr(request.app.state, "load_shedder", None)
    load = {"in_progress": shedder.in_progress, "limit": shedder.max_concurrent} if shedder else {}
    if not state.ok:
        # the error body (detail, code, params) plus the health fields, so a monitor reads either
        return JSONResponse(status_code=503, content={
            "detail": "the database is unreachable; check DATABASE_URL and that PostgreSQL runs",
            "code": "db.unavailable", "params": {},
            "status": "unavailable", "postgis": None, "database": "unavailable", **load})
    preload = getattr(request.app.state, "analytics_preload", None)
    warm = {"analytics_cache": preload.state} if preload is not None else {}
    return {"status": "ok", "postgis": state.postgis, "database": "ok", **load, **warm}
