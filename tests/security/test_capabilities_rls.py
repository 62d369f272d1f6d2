"""The database's row-level security agrees with the roles → capabilities table (api/auth/capabilities.py).

Behaviourally: for each role, as that role's demo user on a real application-role connection, every
policy-guarded read and write a capability covers is attempted and its outcome (allowed / refused by RLS)
compared with the table. And statically: the role names written into the policies and SECURITY DEFINER
functions are exactly the roles the table gives the capability they guard.

Not covered by the policies, by design (tested through the API in test_capabilities.py): the split of
dispute status changes (`dispute.mediate` vs `dispute.resolve` / `dispute.escalate`) — the `dispute_change`
policy lets every user with the dispute in scope update it, and the service decides which move.
"""
import re
from datetime import date

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from api.auth.capabilities import CAPABILITIES, roles_with
from api.auth.models import ROLES
from geo.idnumber import make

DEMO_USER = {"officer": "officer1", "auxiliary": "aux1", "grid_member": "grid1", "station_chief": "chief",
             "planner": "planner", "leader": "leader", "admin": "admin"}
SET_USER = "SELECT set_config('holomap.user_id', CAST(:id AS text), true)"
USER_ID = "SELECT id, station_id FROM app_user WHERE username = :u"
# a household (and its beat) in the user's scope; for roles without one, any household of a published beat
SCOPED_HOUSEHOLD = """
SELECT h.id, h.beat_id, p.station_id FROM household h
JOIN beat b ON b.id = h.beat_id JOIN beat_plan p ON p.id = b.plan_id
WHERE h.beat_id IN (SELECT id FROM holomap_user_beats(:uid))
ORDER BY h.id LIMIT 1
"""
ANY_HOUSEHOLD = """
SELECT h.id, h.beat_id, p.station_id FROM household h
JOIN beat b ON b.id = h.beat_id JOIN beat_plan p ON p.id = b.plan_id
WHERE p.status = 'published' ORDER BY h.id LIMIT 1
"""
INSERT_PERSON = """
INSERT INTO person (household_id, name, id_number, gender, birth_date, residency, created_by, updated_by)
VALUES (:household_id, '测试', :id_number, 'M', :born, :residency, :uid, :uid)
"""
INSERT_VISIT = "INSERT INTO visit (household_id, user_id, visited_at) VALUES (:household_id, :uid, now())"
INSERT_DISPUTE = """
INSERT INTO dispute (station_id, beat_id, title, category, grade, status, level, reported_at, reported_by)
VALUES (:station_id, :beat_id, '测试纠纷', :category, 'green', 'open', 'village', now(), :uid)
"""
INSERT_HOUSEHOLD = """
INSERT INTO household (building_id, unit, floor, room, kind) VALUES (:building_id, 1, 1, :room, :kind)
"""


@pytest.fixture()
def app_tx(app_engine):
    """A real app-role connection in a transaction that is rolled back."""
    with app_engine.connect() as conn:
        trans = conn.begin()
        try:
            yield conn
        finally:
            trans.rollback()


def _attempt(conn, sql: str, params: dict) -> bool:
    """True when the statement passes row-level security (its effect is undone), False when RLS refuses it."""
    savepoint = conn.begin_nested()
    try:
        conn.execute(text(sql), params)
    except DBAPIError as exc:
        savepoint.rollback()
        message = str(exc.orig)
        assert "row-level security" in message or "permission denied" in message, message
        return False
    savepoint.rollback()
    return True


def _category(db) -> str:
    return db.execute(text("SELECT category::text FROM dispute ORDER BY id LIMIT 1")).scalar_one()


@pytest.mark.parametrize("role", ROLES)
def test_rls_allows_exactly_what_the_role_may_do(role, app_tx, db):
    uid, station_id = db.execute(text(USER_ID), {"u": DEMO_USER[role]}).one()
    household = db.execute(text(SCOPED_HOUSEHOLD), {"uid": uid}).first() or db.execute(text(ANY_HOUSEHOLD)).one()
    caps = CAPABILITIES[role]
    params = {"uid": uid, "household_id": household.id}
    category = _category(db)
    app_tx.execute(text(SET_USER), {"id": uid})

    # the seed's (or another test's) audit rows are not needed: one appended here
    app_tx.execute(text("INSERT INTO audit_log (action, outcome) VALUES ('capabilities.test', 'ok')"))
    outcome = {
        "person.read": app_tx.execute(text("SELECT count(*) FROM household")).scalar() > 0,
        "audit.read": app_tx.execute(text("SELECT count(*) FROM audit_log")).scalar() > 0,
        "person.register": _attempt(app_tx, INSERT_PERSON, {
            **params, "residency": "registered", "born": date(1901, 1, 2),
            "id_number": make("371602", date(1901, 1, 2), 7, "M")}),
        "person.register_floating": _attempt(app_tx, INSERT_PERSON, {
            **params, "residency": "floating", "born": date(1901, 1, 3),
            "id_number": make("371602", date(1901, 1, 3), 7, "M")}),
        "visit.create": _attempt(app_tx, INSERT_VISIT, params),
        "dispute.report": _attempt(app_tx, INSERT_DISPUTE, {
            "uid": uid, "station_id": household.station_id, "beat_id": household.beat_id, "category": category}),
    }
    app_tx.execute(text("SELECT set_config('holomap.import', 'on', true)"))
    building_id, kind = db.execute(text("SELECT building_id, kind FROM household WHERE id = :id"),
                                   {"id": household.id}).one()
    outcome["import.run"] = _attempt(app_tx, INSERT_HOUSEHOLD,
                                     {"building_id": building_id, "room": f"T-{role}", "kind": kind})
    app_tx.execute(text("SELECT set_config('holomap.import', '', true)"))

    expected = {cap: cap in caps for cap in outcome}
    assert outcome == expected, f"{role} ({DEMO_USER[role]}, station {station_id}): RLS differs from the table"


def _roles_named(sql: str) -> set[str]:
    """The role names quoted in a piece of SQL."""
    return {name for name in re.findall(r"'([a-z_]+)'", sql) if name in ROLES}


def _function(db, name: str) -> str:
    return db.execute(text("SELECT string_agg(pg_get_functiondef(oid), ' ') FROM pg_proc WHERE proname = :n"),
                      {"n": name}).scalar_one()


def _policy(db, name: str) -> str:
    return db.execute(text("SELECT coalesce(qual, '') || ' ' || coalesce(with_check, '') FROM pg_policies "
                           "WHERE policyname = :n"), {"n": name}).scalar_one()


def test_role_lists_in_the_database_are_the_tables(db):
    personal = set(roles_with("person.read"))
    # scope: the roles with beats in scope are the roles that read personal data
    for fn in ("holomap_scope_beats", "holomap_user_beats", "holomap_begin_request"):
        assert _roles_named(_function(db, fn)) == personal, fn
    # lookup answers 403 to every role outside person.read
    assert _roles_named(_function(db, "holomap_lookup")) == personal
    # so does search (one statement, as the lookup)
    assert _roles_named(_function(db, "holomap_search_request")) == personal
    # 信息采集: officers' writes, and grid members' floating registrations
    assert _roles_named(_policy(db, "person_correct")) == set(roles_with("person.register"))
    assert _roles_named(_policy(db, "vehicle_register")) == set(roles_with("person.register"))
    assert _roles_named(_policy(db, "vehicle_correct")) == set(roles_with("person.register"))
    assert _roles_named(_policy(db, "person_register")) == set(roles_with("person.register_floating"))
    # 实有单位: every role with personal scope registers and corrects organisations
    for policy in ("organisation_register", "organisation_correct", "organisation_employee_add",
                   "organisation_employee_change"):
        assert _roles_named(_policy(db, policy)) == set(roles_with("organisation.register")), policy
    # the audit log and imports are the admin's; reassigning beats on publish is the chief's
    assert _roles_named(_policy(db, "audit_log_admin_read")) == set(roles_with("audit.read"))
    assert _roles_named(_function(db, "holomap_import_allowed")) == set(roles_with("import.run"))
    assert _roles_named(_function(db, "holomap_reassign_beats")) == set(roles_with("plan.publish"))


def test_role_names_in_the_sql_files_are_roles():
    """The program's files (api/*/sql, applied by holomap migrate) name only real roles where they compare a
    role: a misspelt name would silently match nobody (the test above compares the installed lists)."""
    from api import dbprogram

    compared = re.compile(r"role(?:\(\))?\)?(?:::text)?\s*(?:NOT\s+)?(?:IN\s*\(([^)]*)\)|=\s*('[a-z_]+'))", re.I)
    seen = set()
    for name in dbprogram.FILES:
        for listed, single in compared.findall(dbprogram.source(name)):
            names = set(re.findall(r"'([a-z_]+)'", listed or single))
            assert names <= set(ROLES), f"api/{name}: {sorted(names - set(ROLES))} are not roles"
            seen |= names
    assert seen == set(roles_with("person.read")) | {"admin"}
