"""Row-level security checked in SQL as the application role (real app-role connections, no API)."""
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

PERSONAL = ("household", "person", "vehicle", "visit", "dispute", "dispute_party", "dispute_event", "audit_log")
USER_ID = "SELECT id FROM app_user WHERE username = :u"
SET_USER = "SELECT set_config('holomap.user_id', CAST(:id AS text), true)"
OFFICER_BEATS = """
SELECT b.id FROM beat_member m JOIN beat b ON b.id = m.beat_id
JOIN beat_plan p ON p.id = b.plan_id AND p.status = 'published'
WHERE m.user_id = :id
"""


def _uid(db, username: str) -> int:
    return db.execute(text(USER_ID), {"u": username}).scalar_one()


def _count(conn, table: str) -> int:
    return conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()


@pytest.fixture()
def app_tx(app_engine):
    """A real app-role connection in a transaction that is rolled back."""
    with app_engine.connect() as conn:
        trans = conn.begin()
        try:
            yield conn
        finally:
            trans.rollback()


def test_catalog_app_role_is_plain_and_every_personal_table_forces_rls(app_tx, db):
    role = app_tx.execute(text(
        "SELECT rolsuper, rolbypassrls, rolcreaterole FROM pg_roles WHERE rolname = current_user")).one()
    assert tuple(role) == (False, False, False)
    rows = db.execute(text(
        "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity, pg_get_userbyid(c.relowner) AS owner "
        "FROM pg_class c WHERE c.relname = ANY(:t) AND c.relkind = 'r'"), {"t": list(PERSONAL)}).all()
    assert {r.relname for r in rows} == set(PERSONAL)
    app_role = app_tx.execute(text("SELECT current_user")).scalar()
    for r in rows:
        assert r.relrowsecurity and r.relforcerowsecurity, r.relname
        assert r.owner != app_role
    # every SECURITY DEFINER function of ours pins its search_path and belongs to the owner, not the app
    funcs = db.execute(text(
        "SELECT proname, proconfig, pg_get_userbyid(proowner) AS owner FROM pg_proc "
        "WHERE prosecdef AND proname LIKE 'holomap%'")).all()
    assert len(funcs) >= 10
    for f in funcs:
        assert f.owner != app_role and any(c.startswith("search_path=") for c in f.proconfig or []), f.proname


def test_no_user_set_means_zero_rows(app_tx, db):
    for table in PERSONAL:
        assert _count(app_tx, table) == 0, table
    assert _count(db, "person") > 0


def test_officer_sees_exactly_the_rows_of_own_beats(app_tx, db):
    uid = _uid(db, "officer1")
    beats = list(db.execute(text(OFFICER_BEATS), {"id": uid}).scalars())
    app_tx.execute(text(SET_USER), {"id": uid})
    expected = db.execute(text(
        "SELECT count(*) FROM person p JOIN household h ON h.id = p.household_id WHERE h.beat_id = ANY(:b)"),
        {"b": beats}).scalar()
    assert 0 < _count(app_tx, "person") == expected
    assert app_tx.execute(text("SELECT count(*) FROM household WHERE NOT (beat_id = ANY(:b))"),
                          {"b": beats}).scalar() == 0
    assert app_tx.execute(text("SELECT count(*) FROM dispute WHERE NOT (beat_id = ANY(:b))"),
                          {"b": beats}).scalar() == 0
    assert _count(app_tx, "audit_log") == 0  # only administrators read the audit log


def test_chief_sees_the_station_aggregate_roles_see_nothing(app_tx, db):
    # the audit rows the admin is to read, appended in this test's own (rolled back) transaction: the
    # seed writes none, and rows committed by other tests must not be needed
    app_tx.execute(text("INSERT INTO audit_log (action, object_type, outcome) VALUES ('rls.test', 'person', 'ok')"))
    app_tx.execute(text(SET_USER), {"id": _uid(db, "chief")})
    assert _count(app_tx, "household") == db.execute(text(
        "SELECT count(*) FROM household h JOIN beat b ON b.id = h.beat_id "
        "JOIN beat_plan p ON p.id = b.plan_id AND p.status = 'published'")).scalar()
    for username in ("planner", "leader", "admin"):
        app_tx.execute(text(SET_USER), {"id": _uid(db, username)})
        for table in PERSONAL[:-1]:
            assert _count(app_tx, table) == 0, (username, table)
    assert _count(app_tx, "audit_log") > 0  # the admin reads the audit log


def test_a_disabled_user_sees_nothing_even_with_the_setting(app_tx, db):
    uid = _uid(db, "officer2")
    app_tx.execute(text(SET_USER), {"id": uid})
    assert _count(app_tx, "household") > 0
    app_tx.execute(text("UPDATE app_user SET active = false WHERE id = :id"), {"id": uid})
    assert _count(app_tx, "household") == 0


def test_the_user_does_not_outlive_the_transaction_on_a_pooled_connection(settings, db):
    engine = create_engine(settings.database_url, pool_size=1, max_overflow=0)
    try:
        chief = _uid(db, "chief")
        with engine.connect() as conn:
            with conn.begin():
                pid = conn.execute(text("SELECT pg_backend_pid()")).scalar()
                conn.execute(text(SET_USER), {"id": chief})
                assert _count(conn, "person") > 0
        with engine.connect() as conn:  # the same pooled connection, the next request's transaction
            assert conn.execute(text("SELECT pg_backend_pid()")).scalar() == pid
            assert conn.execute(text("SELECT current_setting('holomap.user_id', true)")).scalar() in ("", None)
            assert _count(conn, "person") == 0
            assert _count(conn, "household") == 0
    finally:
        engine.dispose()


def test_writes_outside_scope_are_refused_by_the_database(app_tx, db):
    uid = _uid(db, "officer1")
    beats = list(db.execute(text(OFFICER_BEATS), {"id": uid}).scalars())
    outside = db.execute(text("SELECT id FROM household WHERE NOT (beat_id = ANY(:b)) LIMIT 1"),
                         {"b": beats}).scalar()
    inside = db.execute(text("SELECT id FROM household WHERE beat_id = ANY(:b) LIMIT 1"), {"b": beats}).scalar()
    app_tx.execute(text(SET_USER), {"id": uid})
    with pytest.raises(DBAPIError, match="row-level security"):
        with app_tx.begin_nested():
            app_tx.execute(text("INSERT INTO visit (household_id, user_id, visited_at) VALUES (:h, :u, now())"),
                           {"h": outside, "u": uid})
    with pytest.raises(DBAPIError, match="row-level security"):  # in scope, but in another user's name
        with app_tx.begin_nested():
            app_tx.execute(text("INSERT INTO visit (household_id, user_id, visited_at) VALUES (:h, :u, now())"),
                           {"h": inside, "u": _uid(db, "officer2")})
    with app_tx.begin_nested():
        app_tx.execute(text("INSERT INTO visit (household_id, user_id, visited_at) VALUES (:h, :u, now())"),
                       {"h": inside, "u": uid})
    # households: the officer may correct one of their beats in their own name (出租屋管理, policy
    # household_correct), never unsigned and never into a beat outside their scope; a household outside is not
    # even seen by the UPDATE
    with pytest.raises(DBAPIError, match="row-level security"):
        with app_tx.begin_nested():
            app_tx.execute(text("UPDATE household SET beat_id = beat_id WHERE id = :h"), {"h": inside})
    other_beat = db.execute(text("SELECT id FROM beat WHERE NOT (id = ANY(:b)) LIMIT 1"), {"b": beats}).scalar()
    with pytest.raises(DBAPIError, match="row-level security"):
        with app_tx.begin_nested():
            app_tx.execute(text("UPDATE household SET beat_id = :o, updated_by = :u WHERE id = :h"),
                           {"o": other_beat, "u": uid, "h": inside})
    assert app_tx.execute(text("UPDATE household SET updated_by = :u WHERE id = :h"),
                          {"u": uid, "h": outside}).rowcount == 0
    assert app_tx.execute(text("DELETE FROM person WHERE household_id = :h"), {"h": inside}).rowcount == 0
    # publishing is for the station chief only, even through the definer function
    with pytest.raises(DBAPIError, match="station chief"):
        with app_tx.begin_nested():
            app_tx.execute(text("SELECT * FROM holomap_reassign_beats(1, 1)"))


def test_import_policy_needs_an_admin_and_the_import_flag(app_tx, db):
    app_tx.execute(text(SET_USER), {"id": _uid(db, "admin")})
    assert _count(app_tx, "person") == 0
    app_tx.execute(text("SELECT set_config('holomap.import', 'on', true)"))
    assert _count(app_tx, "person") == _count(db, "person")
    app_tx.execute(text(SET_USER), {"id": _uid(db, "planner")})  # the flag alone opens nothing
    assert _count(app_tx, "person") == 0


def test_begin_request_refuses_revoked_tokens_and_sets_nothing(app_tx, db):
    uid = _uid(db, "officer1")
    row = app_tx.execute(text("SELECT * FROM holomap_begin_request(:u, 'jti-ok', "
                              "extract(epoch FROM now())::float8)"), {"u": uid}).one()
    assert row.role == "officer" and len(row.beat_ids) >= 1
    assert _count(app_tx, "household") > 0
    app_tx.execute(text("SELECT holomap_revoke_token('jti-gone', now() + interval '5 minutes')"))
    app_tx.execute(text("SELECT set_config('holomap.user_id', '', true)"))
    assert app_tx.execute(text("SELECT * FROM holomap_begin_request(:u, 'jti-gone', "
                               "extract(epoch FROM now())::float8)"), {"u": uid}).first() is None
    assert _count(app_tx, "household") == 0
    # the app role cannot read or forge the deny-list directly
    with pytest.raises(DBAPIError):
        with app_tx.begin_nested():
            app_tx.execute(text("DELETE FROM revoked_token"))
