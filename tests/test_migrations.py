"""The schema migrates down to nothing and up again; the database enforces the model's rules."""
import os

import pytest
from alembic import command
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import DBAPIError

from api import dbprogram
from api.cli import _alembic_config

URL = os.environ.get("HOLOMAP_TEST_MIGRATIONS_URL")


@pytest.mark.skipif(not URL, reason="HOLOMAP_TEST_MIGRATIONS_URL (an empty scratch database) is not set")
def test_downgrade_base_then_upgrade_head():
    cfg = _alembic_config(URL)
    dbprogram.upgrade(URL)
    command.downgrade(cfg, "base")
    engine = create_engine(URL)
    try:
        assert "person" not in inspect(engine).get_table_names()
        with engine.connect() as conn:  # the baseline's downgrade also drops the program's functions
            assert conn.execute(text("SELECT count(*) FROM pg_proc WHERE proname LIKE 'holomap%'")).scalar() == 0
        assert dbprogram.upgrade(URL) == []  # nothing stale
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM pg_policies WHERE schemaname = 'public'")).scalar() > 0
        names = set(inspect(engine).get_table_names())
        expected = {"station", "beat_plan", "beat", "beat_member", "village", "building", "household",
                    "person", "vehicle", "visit", "dispute", "dispute_party", "dispute_event", "incident",
                    "app_user", "audit_log"}
        assert expected <= names
        command.check(cfg)  # the ORM models and the migrations describe the same schema
    finally:
        engine.dispose()


def _head() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config(URL)).get_current_head()


@pytest.mark.skipif(not URL, reason="HOLOMAP_TEST_MIGRATIONS_URL (an empty scratch database) is not set")
def test_a_database_at_the_old_head_is_stamped_as_the_baseline_and_stale_objects_pruned():
    dbprogram.upgrade(URL)
    command.downgrade(_alembic_config(URL), "0001")  # the baseline's schema: what the old chain's head had
    engine = create_engine(URL)
    try:
        with engine.begin() as conn:  # as a database migrated by the old chain 0001–0020 (same schema)
            conn.execute(text("UPDATE alembic_version SET version_num = '0020'"))
            conn.execute(text("CREATE FUNCTION holomap_retired() RETURNS integer LANGUAGE sql AS $$ SELECT 1 $$"))
        assert dbprogram.upgrade(URL) == ["FUNCTION holomap_retired()"]  # listed, left in place
        with engine.connect() as conn:  # restamped as the baseline, then migrated on to the head
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == _head()
        assert dbprogram.upgrade(URL, prune=True) == []
        with engine.connect() as conn:
            assert conn.execute(text("SELECT to_regproc('holomap_retired')")).scalar() is None
    finally:
        engine.dispose()


@pytest.mark.skipif(not URL, reason="HOLOMAP_TEST_MIGRATIONS_URL (an empty scratch database) is not set")
def test_the_current_chains_own_0020_is_not_taken_for_the_old_head():
    """Once this chain reaches a revision "0020", a database there must keep it (restamping it as the baseline
    would run every migration again on a full schema)."""
    import psycopg

    from api.db import libpq_url

    dbprogram.upgrade(URL)
    with psycopg.connect(libpq_url(URL)) as conn:
        head = conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]
        conn.execute("UPDATE alembic_version SET version_num = '0020'")  # as if at this chain's own 0020
        try:
            assert dbprogram.restamp(conn) is False
            assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == "0020"
        finally:
            conn.execute("UPDATE alembic_version SET version_num = %s", (head,))


def test_every_geometry_column_is_typed_4326_with_a_gist_index(db):
    rows = db.execute(text(
        "SELECT f_table_name, f_geometry_column, srid FROM geometry_columns WHERE f_table_schema = 'public'"
    )).all()
    assert len(rows) >= 8
    assert {r.srid for r in rows} == {4326}
    for table, column, _ in rows:
        has_gist = db.execute(text(
            "SELECT 1 FROM pg_indexes WHERE tablename = :t AND indexdef ILIKE '%USING gist%' "
            "AND indexdef LIKE '%' || :c || '%'"), {"t": table, "c": column}).first()
        assert has_gist, f"{table}.{column} has no GiST index"


@pytest.mark.parametrize("bad_sql", [
    # checksum wrong (last char)
    "INSERT INTO person (name, id_number, gender, birth_date, residency) "
    "VALUES ('测试', '110105194912310021', 'M', '1949-12-31', 'registered')",
    # birth date does not match the ID
    "INSERT INTO person (name, id_number, gender, birth_date, residency) "
    "VALUES ('测试', '11010519491231002X', 'M', '1950-01-01', 'registered')",
    # gender does not match (17th digit 2 is even → F)
    "INSERT INTO person (name, id_number, gender, birth_date, residency) "
    "VALUES ('测试', '11010519491231002X', 'M', '1949-12-31', 'registered')",
    # residency outside the list
    "INSERT INTO person (name, id_number, gender, birth_date, residency) "
    "VALUES ('测试', '11010519491231002X', 'F', '1949-12-31', 'tourist')",
    # self-intersecting (bow-tie) village boundary
    "INSERT INTO village (station_id, code, name, kind, geom) SELECT id, 'X1', 'x', 'village', "
    "ST_GeomFromText('MULTIPOLYGON(((118 37.4,118.01 37.41,118.01 37.4,118 37.41,118 37.4)))', 4326) "
    "FROM station LIMIT 1",
    # dispute grade outside the four colours
    "INSERT INTO dispute (station_id, title, category, grade, status, level, reported_at) "
    "SELECT id, 't', 'family', 'purple', 'open', 'village', now() FROM station LIMIT 1",
])
def test_database_rejects_rule_breaking_rows(db, bad_sql):
    with pytest.raises(DBAPIError):
        with db.begin_nested():
            db.execute(text(bad_sql))


def test_valid_person_row_is_accepted(db):
    with db.begin_nested():
        db.execute(text("INSERT INTO person (name, id_number, gender, birth_date, residency) "
                        "VALUES ('测试', '11010519491231002X', 'F', '1949-12-31', 'registered')"))


def test_app_role_cannot_rewrite_the_audit_log(app_engine):
    with app_engine.connect() as conn:
        trans = conn.begin()
        try:
            conn.execute(text("INSERT INTO audit_log (action) VALUES ('test')"))
            for sql in ("UPDATE audit_log SET action = 'x'", "DELETE FROM audit_log", "TRUNCATE audit_log"):
                with pytest.raises(DBAPIError):
                    with conn.begin_nested():
                        conn.execute(text(sql))
        finally:
            trans.rollback()


def test_app_role_is_not_owner_superuser_or_bypassrls(app_engine):
    with app_engine.connect() as conn:
        row = conn.execute(text(
            "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")).one()
        assert row == (False, False)
        owner = conn.execute(text("SELECT tableowner FROM pg_tables WHERE tablename = 'person'")).scalar()
        assert owner != conn.execute(text("SELECT current_user")).scalar()
