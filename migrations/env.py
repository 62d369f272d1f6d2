"""Alembic environment: runs as the owning role, with GeoAlchemy2's helpers for spatial columns."""
from alembic import context
from geoalchemy2 import alembic_helpers
from sqlalchemy import create_engine, pool

import api.models  # noqa: F401  (registers every table)
from api.config import get_settings
from api.db import Base

target_metadata = Base.metadata


def _include_object(obj, name, type_, reflected, compare_to):
    # tables of extensions (PostGIS) are not ours
    if type_ == "table" and name in {"spatial_ref_sys"}:
        return False
    return alembic_helpers.include_object(obj, name, type_, reflected, compare_to)


def run_migrations() -> None:
    url = context.config.attributes.get("url") or get_settings().owner_url
    connectable = create_engine(url, poolclass=pool.NullPool)
    with connectable.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            include_object=_include_object,
            process_revision_directives=alembic_helpers.writer,
            render_item=alembic_helpers.render_item,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()


run_migrations()
