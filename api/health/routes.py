"""GET /api/health: is the service up and which PostGIS does it use."""
from fastapi import APIRouter, Depends
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from api.db import get_session
from api.errors import Unavailable

router = APIRouter(prefix="/api", tags=["health"])


@router.get("/health")
def health(session: Session = Depends(get_session)) -> dict:
    """Liveness plus a real round trip to PostGIS."""
    try:
        version = session.execute(text("SELECT postgis_lib_version()")).scalar_one()
    except DBAPIError:
        raise Unavailable("the database is unreachable; check DATABASE_URL and that PostgreSQL runs",
                          code="db.unavailable") from None
    return {"status": "ok", "postgis": version}
