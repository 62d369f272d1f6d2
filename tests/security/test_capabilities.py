"""The roles → capabilities table (api/auth/capabilities.py): its documentation, /api/me, the Python checks
and the web app follow it. (The database's policies: test_capabilities_rls.py.)"""
import re
from pathlib import Path

import pytest
from sqlalchemy import text

import api.auth.capabilities as capabilities_module
from api.auth.capabilities import ALL_CAPABILITIES, CAPABILITIES, role_can, roles_with
from api.auth.models import ROLES
from api.disputes import lifecycle
from tests.visits.places import beat_of, household_in

ROOT = Path(__file__).resolve().parents[2]
DEMO_USER = {"officer": "officer1", "auxiliary": "aux1", "grid_member": "grid1", "station_chief": "chief",
             "planner": "planner", "leader": "leader", "admin": "admin"}
# the capabilities the web app names: can('…') calls, screens' caps: […] lists, and every dotted name
# returned by js/auth/capabilities.js (transitionCapability, eventCapability)
JS_CAN = re.compile(r"can\(\s*'([a-z_.]+)'\s*\)")
JS_CAPS_LIST = re.compile(r"caps:\s*\[([^\]]*)\]")
JS_DOTTED = re.compile(r"'([a-z_]+\.[a-z_.]+)'")
OFFICER_OF_BEAT = """
SELECT u.username FROM beat_member m JOIN app_user u ON u.id = m.user_id
WHERE m.beat_id = :beat_id AND u.role = 'officer' AND u.active ORDER BY u.username LIMIT 1
"""


def test_the_docstring_matrix_is_the_table():
    doc = capabilities_module.__doc__
    rows = {}
    for line in doc.splitlines():
        parts = line.split()
        if len(parts) > len(ROLES) and parts[0] in ALL_CAPABILITIES:
            marks = parts[1:1 + len(ROLES)]
            rows[parts[0]] = {role for role, mark in zip(ROLES, marks, strict=True) if mark == "x"}
    assert set(rows) == ALL_CAPABILITIES
    for capability, roles in rows.items():
        assert roles == set(roles_with(capability)), capability


def test_every_role_is_in_the_table_and_unknown_capabilities_are_errors():
    assert set(CAPABILITIES) == set(ROLES)
    assert "user.manage" in CAPABILITIES["admin"] and "beat.members.assign" in CAPABILITIES["station_chief"]
    with pytest.raises(KeyError):
        role_can("officer", "person.revael")


@pytest.mark.parametrize("role", ROLES)
def test_me_returns_the_roles_capabilities(client, login, role):
    r = client.get("/api/me", headers=login(DEMO_USER[role]))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["role"] == role and {"username", "station_id", "beats"} <= set(body)
    assert body["capabilities"] == sorted(CAPABILITIES[role])


def test_every_capability_the_web_app_asks_for_exists():
    asked = set()
    for path in (ROOT / "frontend" / "js").rglob("*.js"):
        source = path.read_text(encoding="utf-8")
        names = set(JS_CAN.findall(source))
        for listed in JS_CAPS_LIST.findall(source):
            names |= set(JS_DOTTED.findall(listed))
        if path.parent.name == "auth" and path.name == "capabilities.js":
            names |= set(JS_DOTTED.findall(source))
        asked |= {(path.name, name) for name in names}
    assert asked, "no can('…') found in frontend/js"
    unknown = {(file, name) for file, name in asked if name not in ALL_CAPABILITIES}
    assert not unknown, f"capabilities the web app asks for but the table lacks: {sorted(unknown)}"
    names = {name for _, name in asked}
    assert {"dispute.resolve", "dispute.escalate", "person.reveal", "plan.publish", "map.view"} <= names


def test_no_role_lists_outside_the_table():
    """Access decisions in Python ask for a capability, never compare the role with names."""
    role_check = re.compile(r"\.role\s*(==|!=|in\b|not in\b)|require_roles\(")
    offenders = []
    for path in (ROOT / "api").rglob("*.py"):
        if path.name == "capabilities.py" or path.as_posix().endswith("auth/dependencies.py"):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if role_check.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not offenders, offenders


def test_transition_capabilities_follow_the_lifecycle():
    assert lifecycle.transition_capability("open", "mediating") == "dispute.mediate"
    assert lifecycle.transition_capability("escalated", "mediating") == "dispute.mediate"
    assert lifecycle.transition_capability("resolved", "mediating") == "dispute.resolve"
    assert lifecycle.transition_capability("mediating", "resolved") == "dispute.resolve"
    assert lifecycle.transition_capability("open", "escalated") == "dispute.escalate"
    assert lifecycle.event_capability("escalation") == "dispute.escalate"
    assert lifecycle.event_capability("mediation") == "dispute.record"
    for status, targets in lifecycle.TRANSITIONS.items():
        for target in targets:
            assert lifecycle.transition_capability(status, target) in ALL_CAPABILITIES


def test_grid_members_are_offered_only_the_dispute_actions_they_may_take(client, login, app_conn):
    beat = beat_of(app_conn, "grid1")
    home = household_in(app_conn, beat)
    officer = app_conn.execute(text(OFFICER_OF_BEAT), {"beat_id": beat}).scalar_one()
    body = {"title": "楼道堆物纠纷", "category": "neighbour", "grade": "yellow",
            "location": {"lon": home.lon, "lat": home.lat}}
    r = client.post("/api/disputes", json=body, headers=login("grid1"))
    assert r.status_code == 201, r.text
    dispute = r.json()
    assert dispute["allowed_transitions"] == ["mediating"]  # not 上报 (escalated)
    assert "escalation" not in dispute["allowed_events"] and "mediation" in dispute["allowed_events"]
    refused = client.patch(f"/api/disputes/{dispute['id']}", json={"status": "escalated"}, headers=login("grid1"))
    assert refused.status_code == 403
    r = client.get(f"/api/disputes/{dispute['id']}", headers=login(officer))
    assert r.json()["allowed_transitions"] == ["mediating", "escalated"]
    assert "escalation" in r.json()["allowed_events"]
    # in mediation: the grid member is not offered 化解 (resolved), the officer is
    r = client.patch(f"/api/disputes/{dispute['id']}", json={"status": "mediating"}, headers=login("grid1"))
    assert r.status_code == 200, r.text
    assert r.json()["allowed_transitions"] == []
    r = client.get(f"/api/disputes/{dispute['id']}", headers=login(officer))
    assert r.json()["allowed_transitions"] == ["resolved", "escalated"]
    refused = client.patch(f"/api/disputes/{dispute['id']}", json={"status": "resolved"}, headers=login("grid1"))
    assert refused.status_code == 403
