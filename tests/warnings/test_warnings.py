"""近重复预警: recording a 警情 of a category with a significant near-repeat pattern issues a warning zone (the
Knox zone's distance and days), shown to the beats it touches (map layer, 我的任务), as counts to leaders;
expired zones disappear; scope and bad input."""
import threading
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from api.analytics import nearrepeat
from api.main import create_app
from api.warnings import service as warnings
from tests.conftest import DEMO_PASSWORD
from tests.contracts.conftest import contract

INSERT = ("INSERT INTO incident (station_id, occurred_at, reported_at, category, source, location, status) "
          "VALUES (:s, :t, :t, 'theft', '110', ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), 'closed')")
NEAR_HOMES = (117.0102, 36.0101)  # 60 m from the T-ANA building with ten households (beat T-ANA-01)
BORDER = (117.0299, 36.03)  # 9 m from the line between the two beats


@pytest.fixture()
def fresh(monkeypatch, no_stored_near_repeat):
    """No pattern or Knox table cached from another test."""
    jobs = nearrepeat.Jobs()
    jobs.on_result = warnings.remember
    monkeypatch.setattr(nearrepeat, "JOBS", jobs)
    monkeypatch.setattr(nearrepeat.near_repeat, "__kwdefaults__",
                        {**nearrepeat.near_repeat.__kwdefaults__, "jobs": jobs})
    monkeypatch.setattr(warnings, "PATTERNS", {})
    return jobs


def _plant(conn, station_id, *, seeds=40, follow=3):
    """A near-repeat burglary pattern over the last year (before now): each burglary followed by `follow`
    more within ~50 m and 5 days."""
    rng = np.random.default_rng(5)
    now = datetime.now(UTC)
    rows = []
    for _ in range(seeds):
        lon, lat = rng.uniform(117.002, 117.058), rng.uniform(36.002, 36.048)
        at = now - timedelta(days=int(rng.integers(20, 340)), hours=5)
        rows.append({"s": station_id, "t": at, "lon": lon, "lat": lat})
        for _ in range(follow):
            rows.append({"s": station_id, "t": at + timedelta(days=int(rng.integers(0, 6)), hours=3),
                         "lon": lon + rng.uniform(-0.0004, 0.0004), "lat": lat + rng.uniform(-0.0003, 0.0003)})
    conn.execute(text(INSERT), rows)


def _record(client, headers, *, lon, lat, category="theft", at=None, **extra):
    at = at or datetime.now(UTC) - timedelta(hours=1)
    return client.post("/api/incidents", headers=headers, json={
        "occurred_at": at.isoformat(), "category": category, "source": "110",
        "location": {"lon": lon, "lat": lat}, "summary": "家中财物被盗", **extra})


def test_a_recorded_burglary_issues_the_knox_zone_to_the_beats_it_touches(app, client, as_user, district, app_conn,
                                                                          fresh):
    _plant(app_conn, district.station_id)
    officer = as_user("ana_officer")
    r = _record(client, officer, lon=NEAR_HOMES[0], lat=NEAR_HOMES[1])
    assert r.status_code == 201, r.text
    contract(app, r, 201)
    body = r.json()
    w = body["warning"]
    assert body["beat_code"] == "T-ANA-01" and body["status"] == "open" and body["no_warning_reason"] is None
    # the zone is the Knox table's, over the station's thefts of the year before the incident's day
    knox = client.get("/api/analytics/near-repeat", headers=as_user("ana_leader"), params={
        "category": "theft", "station": "T-ANA",
        "start": (datetime.now(UTC).astimezone(warnings.LOCAL_TZ).date() - timedelta(days=365)).isoformat(),
        "end": (datetime.now(UTC).astimezone(warnings.LOCAL_TZ).date() - timedelta(days=1)).isoformat()}).json()
    zone = knox["result"]["zone"]
    assert zone is not None and (w["radius_m"], w["days"]) == (zone["distance_m"], zone["days"])
    assert w["households"] == 10 and w["beats"] == ["T-ANA-01"] and w["action"] == "visit_reminder"
    occurred = datetime.fromisoformat(body["occurred_at"])
    assert datetime.fromisoformat(w["expires_at"]) == occurred + timedelta(days=w["days"])
    assert w["expires_at"].endswith("+08:00")
    # the officer's map layer and 我的任务
    layer = client.get("/api/warnings", headers=officer)
    assert layer.status_code == 200
    contract(app, layer)
    features = layer.json()["features"]
    assert [f["properties"]["id"] for f in features] == [w["id"]]
    assert features[0]["geometry"]["type"] == "Polygon"
    inside = app_conn.execute(text(
        "SELECT ST_Distance(ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography, "
        "ST_Boundary(zone)::geography) FROM near_repeat_warning WHERE id = :id"),
        {"lon": NEAR_HOMES[0], "lat": NEAR_HOMES[1], "id": w["id"]}).scalar()
    assert inside == pytest.approx(w["radius_m"], rel=0.01)  # a circle of the radius around the incident
    tasks = client.get("/api/worklist", headers=officer, params={"section": "warnings"}).json()
    assert [i["id"] for i in tasks["warnings"]["items"]] == [w["id"]] and tasks["warnings"]["total"] == 1
    # the audit names the warning
    audit = app_conn.execute(text("SELECT reason_code, reason_params FROM audit_log WHERE action = 'incident.create' "
                                  "AND object_id = :id"), {"id": str(body["id"])}).one()
    assert audit.reason_code == "incident.warning_issued" and audit.reason_params == {"warning_id": w["id"]}


def test_a_zone_on_the_border_reaches_both_beats_and_leaders_get_counts_only(app, client, as_user, district,
                                                                             app_conn, fresh, login):
    _plant(app_conn, district.station_id)
    r = _record(client, as_user("ana_chief"), lon=BORDER[0], lat=BORDER[1])
    assert r.status_code == 201, r.text
    w = r.json()["warning"]
    assert w["beats"] == ["T-ANA-01", "T-ANA-02"]
    assert [f["properties"]["my_beats"] for f in client.get("/api/warnings", headers=as_user("ana_officer"))
            .json()["features"]] == [["T-ANA-01"]]
    # an officer of another station sees nothing of it
    assert client.get("/api/warnings", headers=login("officer1")).json()["features"] == []
    # leaders: counts per station and category, no zone, place or person; no map layer
    assert client.get("/api/warnings", headers=as_user("ana_leader")).status_code == 403
    s = client.get("/api/analytics/warnings", headers=as_user("ana_leader"), params={"station": "T-ANA"})
    assert s.status_code == 200
    contract(app, s)
    body = s.json()
    assert body["active"] == 1 and body["issued"] == 1 and body["households"] == w["households"]
    assert body["groups"] == [{"station_code": "T-ANA", "station_name": "测试派出所", "category": "theft",
                               "active": 1, "issued": 1, "households": w["households"]}]
    assert "lon" not in s.text and "coordinates" not in s.text


def test_expired_zones_disappear_and_old_incidents_issue_none(client, as_user, district, app_conn, fresh):
    _plant(app_conn, district.station_id)
    officer = as_user("ana_officer")
    w = _record(client, officer, lon=NEAR_HOMES[0], lat=NEAR_HOMES[1]).json()["warning"]
    assert len(client.get("/api/warnings", headers=officer).json()["features"]) == 1
    # the zone's days pass (moved back in time as the owner: the app role may not change a warning)
    app_conn.execute(text("UPDATE near_repeat_warning SET starts_at = starts_at - interval '60 days', "
                          "expires_at = now() - interval '1 second' WHERE id = :id"), {"id": w["id"]})
    assert client.get("/api/warnings", headers=officer).json()["features"] == []
    tasks = client.get("/api/worklist", headers=officer, params={"section": "warnings"}).json()
    assert tasks["warnings"] == {"total": 0, "items": []}
    assert client.get("/api/analytics/warnings", headers=as_user("ana_leader"),
                      params={"station": "T-ANA"}).json()["active"] == 0
    # an incident recorded after its pattern's days have passed issues no zone
    old = _record(client, officer, lon=NEAR_HOMES[0], lat=NEAR_HOMES[1], at=datetime.now(UTC) - timedelta(days=40))
    assert old.status_code == 201 and old.json()["warning"] is None and old.json()["no_warning_reason"] == "expired"


def test_no_zone_without_a_significant_pattern(client, as_user, district, fresh):
    r = _record(client, as_user("ana_officer"), lon=NEAR_HOMES[0], lat=NEAR_HOMES[1], category="fraud")
    assert r.status_code == 201 and r.json()["warning"] is None
    assert r.json()["no_warning_reason"] == "none_significant"


def test_the_pattern_is_cached_and_filled_by_the_dashboard(client, as_user, district, app_conn, fresh):
    _plant(app_conn, district.station_id)
    today = datetime.now(UTC).astimezone(warnings.LOCAL_TZ).date()
    client.get("/api/analytics/near-repeat", headers=as_user("ana_leader"), params={
        "category": "theft", "station": "T-ANA", "start": (today - timedelta(days=365)).isoformat(),
        "end": (today - timedelta(days=1)).isoformat()})
    assert fresh.started == 1 and len(warnings.PATTERNS) == 1
    officer = as_user("ana_officer")
    for _ in range(3):  # each insert changes the data version: the cached pattern is used, not recomputed
        assert _record(client, officer, lon=NEAR_HOMES[0], lat=NEAR_HOMES[1]).json()["warning"] is not None
    assert fresh.started == 1


def test_scope_and_bad_input(client, as_user, district, login, fresh):
    officer = as_user("ana_officer")
    east = _record(client, officer, lon=117.05, lat=36.02)  # beat T-ANA-02: not the officer's
    assert east.status_code == 403 and east.json()["code"] == "incident.beat_not_yours"
    assert east.json()["params"] == {"beat": "T-ANA-02"}
    nowhere = _record(client, officer, lon=100.0, lat=30.0)
    assert nowhere.status_code == 422 and nowhere.json()["code"] == "incident.outside_beats"
    assert _record(client, as_user("ana_grid"), lon=117.01, lat=36.01).status_code == 403
    assert _record(client, as_user("ana_leader"), lon=117.01, lat=36.01).status_code == 403
    future = _record(client, officer, lon=117.01, lat=36.01, at=datetime.now(UTC) + timedelta(days=1))
    assert future.status_code == 422
    for old in (datetime.now(UTC) - timedelta(days=400), datetime(1, 1, 2, tzinfo=UTC)):
        assert _record(client, officer, lon=117.01, lat=36.01, at=old).status_code == 422
    for bad in ({"category": "burglary"}, {"location": {"lon": 500, "lat": 36}}, {"summary": "长" * 201},
                {"extra": 1}):
        body = {"occurred_at": datetime.now(UTC).isoformat(), "category": "theft",
                "location": {"lon": 117.01, "lat": 36.01}, **bad}
        r = client.post("/api/incidents", headers=officer, json=body)
        assert r.status_code == 422 and r.json()["code"], (bad, r.text)


def test_incidents_recorded_together_each_get_their_zone(settings, owner_engine, fresh):
    """Eight recordings on real connections released together (committed, on the demo seed): eight incidents,
    eight zones, one Knox computation of the pattern shared by all of them."""
    marker = f"并发测试{threading.get_ident()}"
    with owner_engine.connect() as conn:
        lon, lat = conn.execute(text(
            "SELECT ST_X(b.centroid), ST_Y(b.centroid) FROM building b JOIN household h ON h.building_id = b.id "
            "JOIN beat_member m ON m.beat_id = h.beat_id JOIN app_user u ON u.id = m.user_id "
            "WHERE u.username = 'officer1' ORDER BY b.id LIMIT 1")).one()
    results, barrier = [], threading.Barrier(8)
    try:
        with TestClient(create_app(settings)) as client:
            token = client.post("/api/auth/token", data={"username": "officer1", "password": DEMO_PASSWORD}).json()
            headers = {"Authorization": f"Bearer {token['access_token']}"}

            def record(k):
                barrier.wait()
                results.append(_record(client, headers, lon=lon + k * 1e-5, lat=lat, summary=marker))

            threads = [threading.Thread(target=record, args=(k,)) for k in range(8)]
            for th in threads:
                th.start()
            for th in threads:
                th.join(120)
        assert [r.status_code for r in results] == [201] * 8, [r.text for r in results]
        issued = [r.json()["warning"] for r in results]
        if issued[0] is not None:  # the demo's thefts have a significant pattern: every recording issued its zone
            assert len({w["id"] for w in issued}) == 8
        else:
            assert {r.json()["no_warning_reason"] for r in results} == {"none_significant"}
        assert fresh.started == 1
        with owner_engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM incident WHERE summary = :m"), {"m": marker}).scalar() == 8
    finally:
        with owner_engine.begin() as conn:
            conn.execute(text("DELETE FROM incident WHERE summary = :m"), {"m": marker})  # their zones cascade


def test_a_victim_household_is_linked_only_within_the_recorders_beats(client, as_user, district, app_conn, fresh):
    """Repeat victims (issue 21): the incident names the household it happened to — one of the officer's
    beats only; another beat's or an unknown household is 404 household.not_in_scope, and nothing is stored."""
    officer = as_user("ana_officer")
    mine = app_conn.execute(text("SELECT h.id FROM household h WHERE h.beat_id = :b ORDER BY h.id LIMIT 1"),
                            {"b": district.beat_ids["T-ANA-01"]}).scalar_one()
    building = app_conn.execute(text("SELECT building_id FROM household WHERE id = :h"), {"h": mine}).scalar_one()
    theirs = app_conn.execute(text(
        "INSERT INTO household (building_id, unit, floor, room, kind, beat_id) "
        "VALUES (:b, 1, 9, '901', 'owner', :beat) RETURNING id"),
        {"b": building, "beat": district.beat_ids["T-ANA-02"]}).scalar_one()
    before = app_conn.execute(text("SELECT count(*) FROM incident")).scalar_one()
    ok = _record(client, officer, lon=117.0101, lat=36.0101, category="fraud", household_id=mine)
    assert ok.status_code == 201, ok.text
    assert ok.json()["household_id"] == mine
    assert app_conn.execute(text("SELECT household_id FROM incident WHERE id = :i"),
                            {"i": ok.json()["id"]}).scalar_one() == mine
    for other in (theirs, 2_000_000_000):
        r = _record(client, officer, lon=117.0101, lat=36.0101, category="fraud", household_id=other)
        assert r.status_code == 404 and r.json()["code"] == "household.not_in_scope", r.text
    for bad in (0, -1, "x", 2**40):
        r = _record(client, officer, lon=117.0101, lat=36.0101, household_id=bad)
        assert r.status_code == 422 and r.json()["code"] == "request.validation", (bad, r.text)
    assert _record(client, officer, lon=117.0101, lat=36.0101).json()["household_id"] is None  # optional
    assert app_conn.execute(text("SELECT count(*) FROM incident")).scalar_one() == before + 2


def test_times_out_of_range_are_named_by_their_own_codes(client, as_user, district, fresh):
    """The form shows 不能晚于现在 / 不能早于 366 天前 from the field error's type."""
    officer = as_user("ana_officer")
    future = _record(client, officer, lon=117.01, lat=36.01, at=datetime.now(UTC) + timedelta(hours=1))
    assert [(e["field"], e["code"]) for e in future.json()["errors"]] == [("occurred_at", "time_in_future")]
    old = _record(client, officer, lon=117.01, lat=36.01, at=datetime.now(UTC) - timedelta(days=367))
    problem = old.json()["errors"][0]
    assert (problem["field"], problem["code"], problem["params"]["days"]) == ("occurred_at", "time_too_old", 366)
