"""Scratch databases for tests that need committed transactions or a whole database: migrated, seeded,
dropped afterwards. Creating PostGIS needs the postgres superuser (as in scripts/bootstrap-db.sh: CI and
`make test` run as root); without one the test is skipped with the reason."""
import os
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from api import dbprogram
from api.config import Settings
from api.ops.backup import drop_database, prepare_database
from api.ops.pg import OpsError, Target

EXTENSIONS = ["postgis", "pg_trgm"]  # btree_gist: created by the baseline migration as the owner (trusted)


def scratch_settings(settings: Settings, name: str) -> Settings:
    """The test settings pointed at database `name` (both the app's and the owner's URL)."""
    app = Target.parse(settings.database_url, database=name).url.render_as_string(hide_password=False)
    owner = Target.parse(settings.owner_url, database=name).url.render_as_string(hide_password=False)
    return settings.model_copy(update={"database_url": app, "owner_database_url": owner})


def scratch_name(settings: Settings, purpose: str) -> str:
    base = Target.parse(settings.owner_url).database
    return f"{base}_{purpose}_{os.getpid()}"[:63]


@contextmanager
def seeded_database(settings: Settings, purpose: str) -> Iterator[Settings]:
    """A new database with the schema and the demo district; dropped on exit."""
    import seed

    s = scratch_settings(settings, scratch_name(settings, purpose))
    target = Target.parse(s.owner_url)
    drop_database(target)
    try:
        try:
            prepare_database(target, app_role=s.app_db_role, extensions=EXTENSIONS, echo=lambda _: None)
        except OpsError as exc:
            pytest.skip(f"cannot create a scratch database here: {exc}")
        dbprogram.upgrade(s.owner_url)
        seed.run(engine_url=s.owner_url, scale="demo", progress=False)
        yield s
    finally:
        drop_database(target)
