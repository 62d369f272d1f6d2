"""GET /api/offline/pack and its summary: the user's own beats only, masked identities, expiry, one audit row,
no pack for roles without personal data."""
import json
import re
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from api.main import create_app
from tests.conftest import scalar
from tests.organisations.conftest import (  # noqa: F401 (the fixture)
    EMPTY_BUILDING,
    add_organisation,
    new_id_number,
)

OWN_HOUSEHOLDS = """
SELECT h.id FROM household h
WHERE h.beat_id IN (SELECT m.beat_id FROM beat_member m JOIN app_user u ON u.id = m.user_id
                    JOIN beat b ON b.id = m.beat_id JOIN beat_plan p ON p.id = b.plan_id AND p.status = 'published'
                    WHERE u.username = :u)
"""


def _households(pack: dict) -> list[dict]:
    return [hh for b in pack["buildings"] for hh in b["households"]]


def test_pack_holds_exactly_the_own_beats(client, login, app_conn):
    r = client.get("/api/offline/pack", headers=login("officer1"))
    assert r.status_code == 200, r.text
    pack = r.json()
    own = {row[0] for row in app_conn.execute(text(OWN_HOUSEHOLDS), {"u": "officer1"})}
    assert own and {hh["id"] for hh in _households(pack)} == own
    codes = {row[0] for row in app_conn.execute(text(
        "SELECT b.code FROM beat b JOIN beat_member m ON m.beat_id = b.id JOIN app_user u ON u.id = m.user_id"
        " JOIN beat_plan p ON p.id = b.plan_id AND p.status = 'published' WHERE u.username = 'officer1'"))}
    assert {b["code"] for b in pack["beats"]} == codes == set(pack["beat_codes"])
    assert all(b["geometry"]["type"] in ("Polygon", "MultiPolygon") for b in pack["beats"])
    assert all(b["footprint"]["type"] in ("Polygon", "MultiPolygon") for b in pack["buildings"])
    west, south, east, north = pack["bbox"]
    assert west < east and south < north
    assert all(west <= b["building"]["lon"] <= east for b in pack["buildings"])
    assert set(pack["worklist"]) >= {"beats", "households_due", "key_persons_due", "disputes_due",
                                     "disputes_red_orange"}
    assert pack["user"]["username"] == "officer1"
    assert int(r.headers["x-holomap-pack-bytes"]) == len(r.content)


def test_pack_never_carries_a_full_id_number_phone_or_plate(client, login, app_conn):
    pack_text = client.get("/api/offline/pack", headers=login("officer1")).text
    pack = json.loads(pack_text)
    ids = _households(pack)
    residents = [p for hh in ids for p in hh["residents"]]
    vehicles = [v for hh in ids for v in hh["vehicles"]]
    assert residents and vehicles
    assert all("*" in p["id_number_masked"] for p in residents)
    assert all("*" in v["plate_masked"] for v in vehicles)
    full = [row[0] for row in app_conn.execute(text(
        "SELECT p.id_number FROM person p WHERE p.household_id = ANY(:h) AND p.id_number IS NOT NULL"),
        {"h": [hh["id"] for hh in ids]})]
    plates = [row[0] for row in app_conn.execute(text(
        "SELECT plate FROM vehicle WHERE household_id = ANY(:h)"), {"h": [hh["id"] for hh in ids]})]
    # every 18-character window of digits (and 7-8 character window of a plate's shape) in the text, once:
    # thousands of `n in pack_text` scans of a megabytes-long text took half a minute
    id_windows = set(re.findall(r"(?=(\d{17}[\dXx]))", pack_text))
    plate_windows = {w[:n] for w in re.findall(r"(?=([\u4e00-\u9fff][A-Z][A-Z0-9]{5,6}))", pack_text) for n in (7, 8)}
    assert full and not id_windows & set(full)
    assert plates and all(7 <= len(p) <= 8 for p in plates) and not plate_windows & set(plates)
    # no 18-character ID number at all (an organisation's 统一社会信用代码 has the same shape: not personal data)
    codes = {o["credit_code"] for b in pack["buildings"] for o in b["organisations"] if o["credit_code"]}
    assert codes  # the pack carries the organisations of the beats
    assert not [m for m in re.findall(r"\b\d{17}[\dXx]\b", pack_text) if m not in codes]
    assert "id_number\"" not in pack_text


def test_download_is_audited_once(client, login, app_conn):
    headers = login("aux1")
    before = scalar(app_conn, "SELECT count(*) FROM audit_log WHERE action = 'offline.pack'")
    r = client.get("/api/offline/pack", headers=headers)
    assert r.status_code == 200, r.text
    rows = app_conn.execute(text(
        "SELECT username, object_type, object_id FROM audit_log WHERE action = 'offline.pack' ORDER BY id DESC"
    )).all()
    assert len(rows) == before + 1
    assert rows[0].username == "aux1" and rows[0].object_type == "beat"
    assert set(rows[0].object_id.split(",")) == set(r.json()["beat_codes"])
    # the summary reads no identity: not audited
    client.get("/api/offline/pack/summary", headers=headers)
    assert scalar(app_conn, "SELECT count(*) FROM audit_log WHERE action = 'offline.pack'") == before + 1




@pytest.mark.parametrize("hours", [24, 3])
def test_expiry_follows_the_setting(settings, app_conn, hours):
    app = create_app(settings.model_copy(update={"offline_pack_hours": hours}))
    with TestClient(app) as c:
        token = c.post("/api/auth/token", data={"username": "grid1", "password": "demo-password"}).json()
        r = c.get("/api/offline/pack", headers={"Authorization": f"Bearer {token['access_token']}"})
        assert r.status_code == 200, r.text
        pack = r.json()
        made, ends = datetime.fromisoformat(pack["generated_at"]), datetime.fromisoformat(pack["expires_at"])
        assert ends - made == timedelta(hours=hours)
        assert made.utcoffset() == timedelta(hours=8)  # China time, as every time the app shows
        summary = c.get("/api/offline/pack/summary", headers={"Authorization": f"Bearer {token['access_token']}"})
        assert summary.json()["expires_hours"] == hours


@pytest.mark.parametrize("username", ["leader", "planner", "admin"])
def test_roles_without_personal_data_get_no_pack(client, login, username):
    for path in ("/api/offline/pack", "/api/offline/pack/summary"):
        r = client.get(path, headers=login(username))
        assert r.status_code == 403, r.text
        assert r.json()["code"] == "auth.capability_missing"
        assert r.json()["params"] == {"capability": "offline.pack"}


def test_no_token_no_pack(client):
    r = client.get("/api/offline/pack")
    assert r.status_code == 401 and r.json()["code"] == "auth.required"


def test_summary_counts_match_the_pack(client, login):
    headers = login("officer2")
    summary = client.get("/api/offline/pack/summary", headers=headers).json()
    r = client.get("/api/offline/pack", headers=headers)
    pack = r.json()
    households = _households(pack)
    assert summary["counts"]["buildings"] == len(pack["buildings"])
    assert summary["counts"]["households"] == len(households)
    assert summary["counts"]["residents"] == sum(len(hh["residents"]) for hh in households)
    assert summary["counts"]["vehicles"] == sum(len(hh["vehicles"]) for hh in households)
    size = len(r.content)
    assert 0.5 * size <= summary["estimated_bytes"] <= 2 * size  # an estimate, within a factor of two


def test_chief_pack_holds_only_the_beats_the_chief_walks(client, login, app_conn):
    """A chief's scope is the whole station; the pack only the beats the chief is a member of."""
    member = {row[0] for row in app_conn.execute(text(
        "SELECT b.code FROM beat b JOIN beat_member m ON m.beat_id = b.id JOIN app_user u ON u.id = m.user_id"
        " JOIN beat_plan p ON p.id = b.plan_id AND p.status = 'published' WHERE u.username = 'chief'"))}
    pack = client.get("/api/offline/pack", headers=login("chief")).json()
    assert {b["code"] for b in pack["beats"]} == member == set(pack["beat_codes"])
    if not member:
        assert pack["buildings"] == [] and pack["bbox"] is None


def test_a_building_without_households_in_the_beats_is_in_the_pack_with_its_organisations(client, login, app_conn,
                                                                                          add_organisation):  # noqa: F811
    """The lookup's scope rule (issue 17): a building standing in one of the beats is in the pack, even without
    households, with the organisations of the beats (employees masked); the summary counts it."""
    beats = list(scalar(app_conn, "SELECT array_agg(m.beat_id) FROM beat_member m JOIN app_user u ON u.id = m.user_id"
                                  " WHERE u.username = 'officer1'"))
    empty = app_conn.execute(text(EMPTY_BUILDING), {"beats": beats, "inside": True, "kind": None}).mappings().one()
    org = add_organisation(empty["id"], name="离线测试五金店", employees=[("店员乙", new_id_number(7))])
    pack = client.get("/api/offline/pack", headers=login("officer1")).json()
    entry = next(b for b in pack["buildings"] if b["building"]["id"] == empty["id"])
    assert entry["households"] == []
    assert empty["beat_id"] in {b["id"] for b in entry["building"]["beats"]}
    mine = next(o for o in entry["organisations"] if o["id"] == org)
    assert mine["name"] == "离线测试五金店" and "*" in mine["employees"][0]["id_number_masked"]
    summary = client.get("/api/offline/pack/summary", headers=login("officer1")).json()
    assert summary["counts"]["buildings"] == len(pack["buildings"])


@pytest.mark.parametrize("username", ["officer1", "grid1"])
def test_pack_carries_the_dispute_rules_the_user_may_use_offline(client, login, username):
    """What the dispute form offers offline: the lifecycle's moves and events per open status and level, less
    what the role may not do (a grid member records events and starts mediation, never resolves or escalates);
    for the pack's disputes, the same answer their detail gives online (allowed_transitions / allowed_events)."""
    headers = login(username)
    pack = client.get("/api/offline/pack", headers=headers).json()
    rules = pack["dispute_rules"]
    assert set(rules) == {"open", "mediating", "escalated"}
    assert all(set(levels) == {"village", "station", "county"} for levels in rules.values())
    if username == "officer1":
        assert rules["open"]["village"] == {"transitions": ["mediating", "escalated"],
                                            "events": ["mediation", "escalation", "note"]}
        assert rules["mediating"]["station"] == {"transitions": ["resolved", "escalated"],
                                                 "events": ["mediation", "agreement", "escalation", "note"]}
        # county is the highest level of 三级联调: nothing to escalate to
        assert rules["mediating"]["county"] == {"transitions": ["resolved"],
                                                "events": ["mediation", "agreement", "note"]}
    else:
        assert rules["open"]["village"] == {"transitions": ["mediating"], "events": ["mediation", "note"]}
        assert rules["mediating"]["village"] == {"transitions": [], "events": ["mediation", "agreement", "note"]}
        assert rules["escalated"]["station"] == {"transitions": ["mediating"], "events": ["mediation", "note"]}
    disputes = {d["id"]: d for hh in _households(pack) for d in hh["open_disputes"]}
    assert disputes
    for dispute_id, d in list(disputes.items())[:5]:
        detail = client.get(f"/api/disputes/{dispute_id}", headers=headers).json()
        rule = rules[d["status"]][d["level"]]
        assert (rule["transitions"], rule["events"]) == (detail["allowed_transitions"], detail["allowed_events"])
