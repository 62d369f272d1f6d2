"""Shared column types and constraints for geometry columns (SRID 4326, valid, in range)."""
from geoalchemy2 import Geometry
from sqlalchemy import CheckConstraint

SRID = 4326


def geometry(kind: str) -> Geometry:
    """A typed PostGIS geometry column in WGS84 with a GiST index."""
    return Geometry(kind.upper(), srid=SRID, spatial_index=True)


def geometry_checks(column: str) -> tuple[CheckConstraint, CheckConstraint]:
    """CHECKs that every stored geometry is valid and inside lon/lat bounds."""
    return (
        CheckConstraint(f"ST_IsValid({column})", name=f"{column}_valid"),
        CheckConstraint(
            f"ST_CoveredBy({column}, ST_MakeEnvelope(-180, -90, 180, 90, 4326))", name=f"{column}_in_range"
        ),
    )
