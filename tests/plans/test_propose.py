"""Automatic proposals: contiguous regions of whole villages, balanced, keeping locked beats."""

import pytest
from sqlalchemy import text

from api.plans.regions import Unit, grow_regions, loads
from tests.plans.conftest import beat_feature


def _grid(cols: int, rows: int, load=lambda c, r: 1.0):
    units = {
        (c, r): Unit((c, r), 100 + c * 0.01, 30 + r * 0.01, load(c, r))
        for c in range(cols)
        for r in range(rows)
    }
    adjacency = {
        (c, r): {
            (c + dc, r + dr) for dc, dr in ((1, 0), (-1, 0), (0, 1), (0, -1)) if (c + dc, r + dr) in units
        }
        for c, r in units
    }
    return units, adjacency


def _connected(region, adjacency) -> bool:
    start = next(iter(region))
    seen, stack = {start}, [start]
    while stack:
        for n in adjacency[stack.pop()]:
            if n in region and n not in seen:
                seen.add(n)
                stack.append(n)
    return seen == region


@pytest.mark.parametrize("count", [2, 3, 5, 8])
def test_regions_cover_every_unit_once_contiguously_and_balanced(count):
    units, adjacency = _grid(8, 6, load=lambda c, r: 1.0 + (c * 7 + r * 3) % 5)
    regions = grow_regions(units, adjacency, count)
    assert len(regions) == count
    assert sorted(k for r in regions for k in r) == sorted(units)
    assert all(_connected(r, adjacency) for r in regions)
    values = loads(regions, units)
    assert max(values) / min(values) < 1.35


def test_disconnected_islands_still_get_assigned():
    units, adjacency = _grid(4, 1)
    units["island"] = Unit("island", 101, 31, 1.0)
    regions = grow_regions(units, adjacency, 2)
    assert sorted(map(str, (k for r in regions for k in r))) == sorted(map(str, units))


def test_propose_rebuilds_unlocked_beats_from_villages_and_keeps_locked_ones(
    client, as_user, mini, draft, app_conn
):
    h = as_user("t_planner")
    b1 = beat_feature(draft, "B1")
    locked = client.put(
        f"/api/plans/{draft['id']}/beats/{b1['id']}", json={"locked": True}, headers={**h, "If-Match": "1"}
    )
    assert locked.status_code == 200
    before = app_conn.execute(
        text("SELECT ST_AsText(geom) FROM beat WHERE id = :id"), {"id": b1["id"]}
    ).scalar()
    r = client.post(f"/api/plans/{draft['id']}/propose", json={"balance_on": "households", "objective": "regrow"},
                    headers=h)
    assert r.status_code == 200, r.text
    result = r.json()
    assert result["balance_ratio"] is not None and result["balance_ratio"] <= 1.5
    assert sum(b["villages"] for b in result["beats"]) == 4  # the two villages of locked B1 stay out
    after = app_conn.execute(
        text("SELECT ST_AsText(geom) FROM beat WHERE id = :id"), {"id": b1["id"]}
    ).scalar()
    assert after == before
    check = client.get(f"/api/plans/{draft['id']}/check", headers=h).json()
    assert check["errors"] == 0, check["problems"]


def test_propose_with_a_beat_count_adds_beats(client, as_user, draft):
    h = as_user("t_planner")
    r = client.post(f"/api/plans/{draft['id']}/propose", json={"beats": 6}, headers=h)
    assert r.status_code == 200, r.text
    assert len(r.json()["plan"]["beats"]["features"]) == 6
    check = client.get(f"/api/plans/{draft['id']}/check", headers=h).json()
    assert check["errors"] == 0, check["problems"]


def _unbalanced(client, h, mini, draft) -> dict:
    """V11 painted from B2 into B3: B2 has 8 households, B3 32 (ratio 4)."""
    r = client.post(f"/api/plans/{draft['id']}/assign",
                    json={"beat_id": beat_feature(draft, "B3")["id"], "village_ids": [mini["villages"]["V11"]]},
                    headers=h)
    assert r.status_code == 200, r.text
    return r.json()


def test_min_change_proposal_moves_the_fewest_households_to_meet_the_ratio(client, as_user, mini, draft):
    h = as_user("t_planner")
    _unbalanced(client, h, mini, draft)
    r = client.post(f"/api/plans/{draft['id']}/propose", json={"balance_on": "households"}, headers=h)
    assert r.status_code == 200, r.text
    result = r.json()
    # V11 back to B2 (8 households) beats every other fix (a village of 12 would balance 20:20)
    assert (result["objective"], result["households_moved"], result["villages_moved"]) == ("min_change", 8, 1)
    assert result["target_met"] is True and result["balance_ratio_by_kind"]["rural"] == 1.5
    assert {b["code"]: b["households"] for b in result["beats"]} == {"B1": 8, "B2": 16, "B3": 24}
    check = client.get(f"/api/plans/{draft['id']}/check", headers=h).json()
    assert check["errors"] == 0, check["problems"]
    assert {b["code"]: b["households"] for b in check["beats"]} == {"B1": 8, "B2": 16, "B3": 24}
    history = client.get(f"/api/plans/{draft['id']}/history", headers=h).json()
    assert "最小变动" in history["steps"][-1]["label"] and "8 户" in history["steps"][-1]["label"]
    assert client.post(f"/api/plans/{draft['id']}/undo", headers=h).status_code == 200
    check = client.get(f"/api/plans/{draft['id']}/check", headers=h).json()
    assert {b["code"]: b["households"] for b in check["beats"]} == {"B1": 8, "B2": 8, "B3": 32}


def test_min_change_proposal_keeps_a_village_in_the_beat_named_after_it(client, as_user, mini, draft):
    h = as_user("t_planner")
    _unbalanced(client, h, mini, draft)
    b3 = beat_feature(client.get(f"/api/plans/{draft['id']}", headers=h).json(), "B3")
    r = client.put(f"/api/plans/{draft['id']}/beats/{b3['id']}", json={"name": "测试村V11警务区"},
                   headers={**h, "If-Match": str(b3["properties"]["version"])})
    assert r.status_code == 200, r.text
    r = client.post(f"/api/plans/{draft['id']}/propose", json={"balance_on": "households"}, headers=h)
    assert r.status_code == 200, r.text
    result = r.json()
    # V11 stays in the beat named after it; a village of 12 households moves to B2 instead
    assert (result["households_moved"], result["villages_moved"]) == (12, 1)
    assert {b["code"]: b["households"] for b in result["beats"]} == {"B1": 8, "B2": 20, "B3": 20}
    check = client.get(f"/api/plans/{draft['id']}/check", headers=h).json()
    assert check["errors"] == 0 and not [p for p in check["problems"] if p["kind"] == "non_contiguous"]


@pytest.fixture()
def sizing(client, monkeypatch):
    """Set the Settings' sizing rules the server uses for this test."""
    def _set(**rules):
        for name, value in rules.items():
            monkeypatch.setattr(client.app.state.settings, name, value)
    return _set


def test_min_change_proposal_meets_the_sizing_rules_as_constraints(client, as_user, mini, draft, sizing):
    """Rural rule 3 villages or ≤ 40 residents: B3 (2 villages, 48 residents) breaks it although the ratio
    (32:48) is within 2. The known optimum: swap a village of B2 (16 residents) with one of B3 (24) — both
    beats 40 residents, 20 households moved; moving one village alone meets the rule but not the band."""
    sizing(rural_beat_villages_min=3, rural_beat_villages_max=3, rural_beat_residents_max=40)
    h = as_user("t_planner")
    before = client.get(f"/api/plans/{draft['id']}/check", headers=h).json()
    assert [p["params"]["beat"] for p in before["problems"] if p["kind"] == "sizing"] == ["B3"]
    r = client.post(f"/api/plans/{draft['id']}/propose", json={"balance_on": "residents"}, headers=h)
    assert r.status_code == 200, r.text
    result = r.json()
    assert result["rules_unmet"] == [] and result["target_met"] is True, result
    assert (result["households_moved"], result["villages_moved"]) == (20, 2)
    assert {b["code"]: (b["villages"], b["residents"]) for b in result["beats"]} == {
        "B1": (2, 16), "B2": (2, 40), "B3": (2, 40)}
    after = client.get(f"/api/plans/{draft['id']}/check", headers=h).json()
    assert after["errors"] == 0 and not [p for p in after["problems"] if p["kind"] in ("sizing", "non_contiguous")]


def test_a_sizing_rule_no_arrangement_meets_is_named_and_the_best_proposal_returned(
        client, as_user, mini, draft, sizing):
    """5–6 villages or ≤ 10 residents per rural beat cannot hold with 4 rural villages of ≥ 16 residents."""
    sizing(rural_beat_villages_min=5, rural_beat_villages_max=6, rural_beat_residents_max=10)
    h = as_user("t_planner")
    r = client.post(f"/api/plans/{draft['id']}/propose", json={"balance_on": "residents"}, headers=h)
    assert r.status_code == 200, r.text
    result = r.json()
    assert result["target_met"] is False
    assert [(u["code"], u["beat"]) for u in result["rules_unmet"]] == [
        ("plan.rule_unmet.rural", "B2"), ("plan.rule_unmet.rural", "B3")]
    params = result["rules_unmet"][0]["params"]
    assert {k: params[k] for k in ("beat", "villages_min", "villages_max", "residents_max")} == {
        "beat": "B2", "villages_min": 5, "villages_max": 6, "residents_max": 10}
    assert (params["villages"], params["residents"]) == (2, 32)
    # the best it could do: the band still holds (no pointless moves)
    assert result["balance_ratio_by_kind"]["rural"] <= 2.0 and result["households_moved"] == 0
    assert result["plan"]["beats"]["features"]


def test_urban_sizing_rule_moves_a_village_between_urban_beats(client, as_user, mini, draft, sizing, app_conn):
    """With B2 made urban: under ≤ 10 households or 20–40 residents both urban beats (B1 8 households, B2 32
    residents) already comply and nothing moves. Under ≤ 6 households or 20–30 residents neither does (B1 16
    residents, 8 households; B2 32 residents): the only arrangement meeting the rule is rows instead of columns
    (V00 + V10 and V01 + V11, 24 residents each), a swap the solver finds."""
    h = as_user("t_planner")
    b2 = beat_feature(draft, "B2")
    r = client.put(f"/api/plans/{draft['id']}/beats/{b2['id']}", json={"kind": "urban"},
                   headers={**h, "If-Match": str(b2["properties"]["version"])})
    assert r.status_code == 200, r.text
    sizing(urban_beat_households_max=10, urban_beat_residents_min=20, urban_beat_residents_max=40)
    result = client.post(f"/api/plans/{draft['id']}/propose", json={"balance_on": "residents"}, headers=h).json()
    assert result["rules_unmet"] == [] and result["households_moved"] == 0, result
    sizing(urban_beat_households_max=6, urban_beat_residents_min=20, urban_beat_residents_max=30)
    result = client.post(f"/api/plans/{draft['id']}/propose", json={"balance_on": "residents"}, headers=h).json()
    assert result["rules_unmet"] == [] and result["target_met"] is True, result
    assert sorted(b["residents"] for b in result["beats"] if b["kind"] == "urban") == [24, 24]


def _chain_fixture(client, h, mini, draft, app_conn) -> None:
    b1 = beat_feature(draft, "B1")
    r = client.put(f"/api/plans/{draft['id']}/beats/{b1['id']}", json={"kind": "rural"},
                   headers={**h, "If-Match": str(b1["properties"]["version"])})
    assert r.status_code == 200, r.text
    for village, extra in (("V00", 8), ("V01", 8), ("V10", 4), ("V11", 40), ("V20", 0), ("V21", 84)):
        app_conn.execute(text("INSERT INTO household (building_id, unit, floor, room, kind)"
                              " SELECT :b, 1, 9, 'x' || g, 'owner' FROM generate_series(1, :n) g"),
                         {"b": mini["buildings"][f"{village}-0"], "n": extra})
    app_conn.execute(text("SELECT holomap_refresh_area_stats(:s)"), {"s": mini["station"]})


def test_optimal_is_claimed_only_for_the_whole_model(client, as_user, mini, draft, app_conn, monkeypatch):
    """With no time for more than the one-hop model (the chain fixture below), its optimum is returned but not
    called optimal: the two-hop moves were never searched (the old report said optimal here)."""
    import api.plans.rebalance as rebalance

    h = as_user("t_planner")
    _chain_fixture(client, h, mini, draft, app_conn)
    monkeypatch.setattr(rebalance, "SOLVER_SECONDS", 0.0)
    result = client.post(f"/api/plans/{draft['id']}/propose", json={"balance_on": "households"}, headers=h).json()
    assert sorted(b["households"] for b in result["beats"]) == [36, 60, 96], result  # the one-hop optimum
    assert result["optimal"] is False and result["target_met"] is False
    assert {k: result["search"][k] for k in ("units", "hops", "proven")} == {
        "units": "villages", "hops": 1, "proven": False}
    history = client.get(f"/api/plans/{draft['id']}/history", headers=h).json()
    assert history["steps"][-1]["label"].endswith("未证明最优）")


def test_urban_beats_take_parts_of_a_community_when_whole_ones_cannot_balance(
        client, as_user, mini, draft, app_conn, sizing):
    """B1 (V00 + V01: 4 + 4 households) and B2 (V10 + V11: 8 + 36, one building of V11 holding 30) both urban.
    Whole villages reach at best 16 : 36 (V10 to B1, ratio 2.25). The known optimum with parts (one building
    each): V10 whole and one 2-household building of V11 to B1 — 18 : 34 (1.89), 10 households moved, one
    village split; nothing better exists (B1 needs ≥ 18 of the 52, and only V11 can be split to get there).
    Every building stays in exactly one beat and the beats stay in one piece."""
    sizing(urban_beat_households_max=1000)
    h = as_user("t_planner")
    b2 = beat_feature(draft, "B2")
    r = client.put(f"/api/plans/{draft['id']}/beats/{b2['id']}", json={"kind": "urban"},
                   headers={**h, "If-Match": str(b2["properties"]["version"])})
    assert r.status_code == 200, r.text
    app_conn.execute(text("INSERT INTO household (building_id, unit, floor, room, kind)"
                          " SELECT :b, 1, 9, 'x' || g, 'owner' FROM generate_series(1, 28) g"),
                     {"b": mini["buildings"]["V11-0"]})
    app_conn.execute(text("SELECT holomap_refresh_area_stats(:s)"), {"s": mini["station"]})
    r = client.post(f"/api/plans/{draft['id']}/propose", json={"balance_on": "households"}, headers=h)
    assert r.status_code == 200, r.text
    result = r.json()
    assert {b["code"]: b["households"] for b in result["beats"] if b["kind"] == "urban"} == {"B1": 18, "B2": 34}
    assert (result["households_moved"], result["villages_moved"], result["villages_split"],
            result["buildings_moved"]) == (10, 2, 1, 1), result
    assert result["target_met"] is True and result["balance_ratio_by_kind"]["urban"] == 1.889
    assert result["optimal"] is True and result["search"]["units"] == "village_parts"
    check = client.get(f"/api/plans/{draft['id']}/check", headers=h).json()
    assert check["errors"] == 0, check["problems"]
    assert not [p for p in check["problems"] if p["kind"] == "non_contiguous"], check["problems"]
    assert {b["code"]: b["households"] for b in check["beats"] if b["code"] in ("B1", "B2")} == {"B1": 18, "B2": 34}
    covering = app_conn.execute(text(
        "SELECT b.id, count(bt.id) FROM building b LEFT JOIN beat bt ON bt.plan_id = :p"
        " AND ST_Covers(bt.geom, b.centroid) WHERE b.station_id = :s GROUP BY b.id"),
        {"p": draft["id"], "s": mini["station"]}).all()
    assert len(covering) == 24 and {n for _, n in covering} == {1}
    # published: every household of the station in exactly one beat, 18 and 34 in the urban ones
    r = client.post(f"/api/plans/{draft['id']}/publish", headers=as_user("t_chief"))
    assert r.status_code == 200, r.text
    per_beat = dict(app_conn.execute(text(
        "SELECT coalesce(bt.code, '-'), count(*) FROM household h JOIN building b ON b.id = h.building_id"
        " LEFT JOIN beat bt ON bt.id = h.beat_id WHERE b.station_id = :s GROUP BY 1"), {"s": mini["station"]}).all())
    assert (per_beat.get("B1"), per_beat.get("B2"), "-" in per_beat) == (18, 34, False), per_beat


def test_a_chain_of_moves_meets_the_ratio_where_one_hop_moves_cannot(client, as_user, mini, draft, app_conn):
    """Three rural beats in columns with households 12, 12 | 12, 48 | 12, 96 (south, north per column): the
    best one-hop arrangement leaves 60 : 36 : 96 (ratio 2.67). The known optimum (exhaustive search of the
    model's moves) is a chain: V10 joins B1 and V20 follows it two hops west — 48 : 48 : 96, ratio 2.0,
    24 households moved."""
    h = as_user("t_planner")
    _chain_fixture(client, h, mini, draft, app_conn)
    r = client.post(f"/api/plans/{draft['id']}/propose", json={"balance_on": "households"}, headers=h)
    assert r.status_code == 200, r.text
    result = r.json()
    assert {b["code"]: b["households"] for b in result["beats"]} == {"B1": 48, "B2": 48, "B3": 96}, result
    assert (result["households_moved"], result["villages_moved"]) == (24, 2)
    assert result["balance_ratio_by_kind"]["rural"] == 2.0 and result["target_met"] is True
    # proven for the whole model: every one- and two-hop move of whole villages
    assert result["optimal"] is True and result["search"]["hops"] == 2 and result["search"]["units"] == "villages"
    check = client.get(f"/api/plans/{draft['id']}/check", headers=h).json()
    assert check["errors"] == 0 and not [p for p in check["problems"] if p["kind"] == "non_contiguous"]
