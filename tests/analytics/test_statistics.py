"""Gi* against esda, per-beat and per-officer statistics, access rules, and no personal data anywhere."""
import io
import json
import re
from datetime import date, datetime, timedelta

import numpy as np
import pytest
from esda.getisord import G_Local
from libpysal.weights import W
from sqlalchemy import text

from api.analytics.dependencies import AnalyticsScope
from api.analytics.filters import LOCAL_TZ, build_filter
from api.analytics.service import cell_counts, extent_cells
from geo import binning
from geo.idnumber import make as make_id_number
from tests.analytics.conftest import STATION

YEAR = {"start": "2025-01-01", "end": "2025-12-31", "station": STATION}


@pytest.mark.parametrize("cell, size", [("hex", 300.0), ("square", 400.0)])
def test_gi_star_matches_esda_on_the_same_cells(client, as_user, district, app_session, cell, size):
    r = client.get("/api/analytics/hotspots", params={**YEAR, "cell": cell, "size_m": size},
                   headers=as_user("ana_leader"))
    assert r.status_code == 200, r.text
    body = r.json()
    scope = AnalyticsScope(station_ids=(district.station_id,))
    flt = build_filter(start=None, end=None, category=None, hours=None, weekdays=None)
    flt = type(flt)(start=flt.start.replace(2025, 1, 1), end=flt.end.replace(2025, 12, 31))
    counts = cell_counts(session=app_session, flt=flt, scope=scope, cell=cell, size=size)
    cells = sorted(extent_cells(session=app_session, scope=scope, cell=cell, size=size) | set(counts))
    assert body["cells_in_extent"] == len(cells) and sum(counts.values()) == body["total"]
    index = {c: k for k, c in enumerate(cells)}
    neighbours = {k: [index[n] for n in binning.neighbours(cell, *c) if n in index]
                  for k, c in enumerate(cells)}
    y = np.array([counts.get(c, 0) for c in cells], dtype=float)
    esda_z = G_Local(y, W(neighbours, silence_warnings=True), transform="B", star=True, permutations=0).Zs
    by_cell = {tuple(map(int, f["properties"]["cell"].split(","))): f["properties"] for f in body["features"]}
    assert by_cell
    for c, props in by_cell.items():
        assert props["z"] == pytest.approx(esda_z[index[c]], abs=2e-3)
    hot_cell = binning.cells(cell, [117.015], [36.02], size)
    hot = by_cell[(int(hot_cell[0][0]), int(hot_cell[1][0]))]
    assert hot["class"] == "hot99" and hot["level"] == 3 and body["classes"]["hot99"] >= 1
    assert "neighbours" in body["neighbourhood"]


def test_beats_counts_rates_change_and_disputes(client, as_user, district):
    r = client.get("/api/analytics/beats", params={**YEAR}, headers=as_user("ana_leader"))
    assert r.status_code == 200, r.text
    props = {f["properties"]["code"]: f["properties"] for f in r.json()["features"]}
    assert set(props) == {"T-ANA-01", "T-ANA-02"}
    west = sum(1 for i in district.incidents if i["lon"] < 117.03)
    assert props["T-ANA-01"]["incidents"] == west
    assert props["T-ANA-02"]["incidents"] == len(district.incidents) - west
    assert props["T-ANA-01"]["incidents_previous"] == 0 and props["T-ANA-01"]["change_pct"] is None
    assert props["T-ANA-01"]["residents"] == 20
    assert props["T-ANA-01"]["rate_per_1000"] == pytest.approx(round(1000 * west / 20, 2))
    assert props["T-ANA-02"]["rate_per_1000"] is None
    assert props["T-ANA-01"]["disputes"] == {"green": 2, "yellow": 1, "orange": 0, "red": 1, "total": 4}
    assert props["T-ANA-01"]["resolution_rate"] == 0.5
    r = client.get("/api/analytics/beats", params={"start": "2026-01-01", "end": "2026-12-31",
                                                   "station": STATION}, headers=as_user("ana_leader"))
    nxt = {f["properties"]["code"]: f["properties"] for f in r.json()["features"]}
    assert nxt["T-ANA-01"]["incidents_previous"] == west and nxt["T-ANA-01"]["change_pct"] == -100.0


def test_officer_monthly_statistics_and_coverage(client, as_user, district):
    r = client.get("/api/analytics/officers", params={"start": "2025-06-01", "end": "2025-12-31"},
                   headers=as_user("ana_chief"))
    assert r.status_code == 200, r.text
    body = r.json()
    (officer,) = [o for o in body["officers"] if o["username"] == "ana_officer"]
    months = {m["month"]: m for m in officer["months"]}
    assert list(months) == [f"2025-{m:02d}" for m in range(6, 13)]
    assert months["2025-11"]["households_visited"] == 6 and months["2025-11"]["visits_met"] is False
    assert months["2025-11"]["key_persons_visited"] == 1 and months["2025-11"]["key_persons_met"] is True
    assert months["2025-06"]["disputes_mediated"] == 4
    assert body["targets"] == {"visits": 30, "key_persons": 1}
    assert officer["beats"] == ["T-ANA-01"] and officer["households"] == 10
    assert officer["visited_90d"] == 6 and officer["coverage_90d"] == 0.6


def test_officer_statistics_come_in_pages(client, as_user):
    """The bureau has thousands of officers (14 MB for a year): one page at a time, with the total."""
    headers = as_user("ana_leader")
    whole = client.get("/api/analytics/officers", params={"limit": 500}, headers=headers).json()
    assert whole["total"] == len(whole["officers"]) >= 2 and whole["offset"] == 0
    names = [o["username"] for o in whole["officers"]]
    first = client.get("/api/analytics/officers", params={"limit": 1}, headers=headers).json()
    second = client.get("/api/analytics/officers", params={"limit": 1, "offset": 1}, headers=headers).json()
    assert [o["username"] for o in first["officers"] + second["officers"]] == names[:2]
    assert first["total"] == second["total"] == whole["total"] and first["limit"] == 1
    assert first["officers"][0] == whole["officers"][0]  # the page's figures are the same as in the whole
    beyond = client.get("/api/analytics/officers", params={"offset": whole["total"]}, headers=headers).json()
    assert beyond["officers"] == [] and beyond["total"] == whole["total"]
    default = client.get("/api/analytics/officers", headers=headers).json()
    assert default["limit"] == 50 and len(default["officers"]) == min(50, whole["total"])
    # the pages (cut in the database since issue 22), one after another, are the whole, figures included
    pages = [client.get("/api/analytics/officers", params={"limit": 2, "offset": offset}, headers=headers).json()
             for offset in range(0, whole["total"], 2)]
    assert [o for page in pages for o in page["officers"]] == whole["officers"]
    assert {page["total"] for page in pages} == {whole["total"]}


def test_who_may_read_what(client, as_user, district):
    heat = {"path": "/api/analytics/heat", "params": {"start": "2025-01-01", "end": "2025-12-31"}}
    officers = {"path": "/api/analytics/officers", "params": {}}
    expect = {
        ("ana_leader", "heat"): 200, ("ana_chief", "heat"): 200, ("ana_planner", "heat"): 200,
        ("ana_officer", "heat"): 200, ("ana_grid", "heat"): 403,
        ("ana_leader", "officers"): 200, ("ana_chief", "officers"): 200, ("ana_planner", "officers"): 403,
        ("ana_officer", "officers"): 403, ("ana_grid", "officers"): 403,
    }
    for (user, name), status in expect.items():
        q = heat if name == "heat" else officers
        r = client.get(q["path"], params=q["params"], headers=as_user(user))
        assert r.status_code == status, (user, name, r.text)
    # a station's own users read only their station: the officer's heat equals the leader's for T-ANA
    own = client.get(heat["path"], params=heat["params"], headers=as_user("ana_officer")).json()
    assert own["total"] == len(district.incidents)
    r = client.get(heat["path"], params={**heat["params"], "station": "NOPE"}, headers=as_user("ana_chief"))
    assert r.status_code == 403
    r = client.get(heat["path"], params={**heat["params"], "station": "NOPE"}, headers=as_user("ana_leader"))
    assert r.status_code == 404
    assert client.get(heat["path"]).status_code == 401


def test_leader_cannot_reach_personal_endpoints(client, as_user, district):
    personal = ("/api/lookup", "/api/search", "/api/persons/{", "/api/households/{", "/api/buildings/{",
                "/api/worklist", "/api/vehicles")
    paths = [p for p in client.get("/openapi.json").json()["paths"] if p.startswith(personal)]
    h = as_user("ana_leader")
    for path in paths:
        url = re.sub(r"\{[^}]+\}", "1", path)
        methods = client.get("/openapi.json").json()["paths"][path]
        for method in methods:
            r = client.request(method.upper(), url, params={"lon": 117.01, "lat": 36.01, "q": "测试"},
                               json={"reason": "test"}, headers=h)
            assert r.status_code in (403, 404, 405, 422), (method, path, r.status_code, r.text[:200])
            assert "测试居民" not in r.text


PERSONAL_KEYS = {"name", "id_number", "id_number_masked", "phone", "plate", "title", "parties", "party",
                 "person_id", "household_id", "persons", "residents_list", "summary", "address", "hukou_no",
                 "notes", "birth_date", "household", "person", "vehicle", "location"}
ID_NUMBER = re.compile(r"\d{17}[\dX]")
PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


def _walk(value, path, district, seen_strings):
    if isinstance(value, dict):
        for key, item in value.items():
            assert key not in PERSONAL_KEYS, f"personal field {path}.{key}"
            if key == "type":
                assert item not in ("Point", "MultiPoint"), f"raw point at {path}"
            _walk(item, f"{path}.{key}", district, seen_strings)
    elif isinstance(value, list):
        for k, item in enumerate(value):
            _walk(item, f"{path}[{k}]", district, seen_strings)
    elif isinstance(value, str):
        seen_strings.add(value)
        assert not ID_NUMBER.search(value), f"ID-number-like value at {path}"
        assert not PHONE.search(value), f"phone-like value at {path}"


def _xlsx_strings(content: bytes) -> set[str]:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(content), read_only=True)
    return {v for sheet in book for row in sheet.iter_rows(values_only=True) for v in row if isinstance(v, str)}


def test_no_personal_field_in_any_analytics_response(client, as_user, district):
    paths = [p for p in client.get("/openapi.json").json()["paths"] if p.startswith("/api/analytics/")]
    assert {"/api/analytics/heat", "/api/analytics/hotspots", "/api/analytics/matrix", "/api/analytics/beats",
            "/api/analytics/officers", "/api/analytics/compare"} <= set(paths)
    personal = set(district.person_names) | set(district.phones) | set(district.id_numbers) | set(
        district.dispute_titles)
    for user in ("ana_leader", "ana_chief"):
        for path in paths:
            for cell in ("hex", "square"):
                one = {"category": "theft"} if path.endswith("/near-repeat") else {}  # Knox: one category
                expected, url = 200, path
                if "{building_id}" in path:  # one repeat building of the user's beats: never for a leader
                    listing = client.get("/api/analytics/repeat-locations", params=YEAR, headers=as_user(user))
                    found = [loc["building_id"] for loc in listing.json()["locations"] or []]
                    url = path.replace("{building_id}", str(found[0] if found else 1))
                    expected = 403 if user == "ana_leader" else 200 if found else 404
                r = client.get(url, params={**YEAR, "cell": cell, "size_m": 250, **one}, headers=as_user(user))
                assert r.status_code == expected, (path, r.text)
                if expected != 200:
                    assert not any(p in r.text for p in personal), path
                    continue
                strings: set[str] = set()
                if path.endswith(".xlsx"):  # the dashboard's report: every text cell of every sheet
                    strings = _xlsx_strings(r.content)
                    assert not strings & personal, (path, strings & personal)
                    assert not any(ID_NUMBER.search(v) or PHONE.search(v) for v in strings), path
                    continue
                _walk(r.json(), path, district, strings)
                assert not strings & personal, (path, strings & personal)
                assert "测试居民" not in r.text and "张三" not in r.text and "测试警情" not in r.text


def test_officer_table_lists_the_1_1_n_and_sums_the_chosen_period(client, as_user, district, app_conn):
    """Auxiliaries and grid members are listed with the officers; totals follow the chosen range."""
    from sqlalchemy import text

    app_conn.execute(text("INSERT INTO beat_member (beat_id, user_id, duty) SELECT :b, id, 'grid_member' "
                          "FROM app_user WHERE username = 'ana_grid'"), {"b": district.beat_ids["T-ANA-01"]})
    headers = as_user("ana_chief")
    whole = client.get("/api/analytics/officers", params={"start": "2025-06-01", "end": "2025-12-31"},
                       headers=headers).json()
    people = {o["username"]: o for o in whole["officers"]}
    assert people["ana_grid"]["role"] == "grid_member" and people["ana_grid"]["beats"] == ["T-ANA-01"]
    assert [o["username"] for o in whole["officers"]].index("ana_officer") < list(people).index("ana_grid")
    totals = people["ana_officer"]["totals"]
    assert totals["visits"] == 6 and totals["households_visited"] == 6 and totals["disputes_mediated"] == 4
    assert totals["visits_met_months"] == 0 and totals["key_persons_met_months"] == 1
    november = client.get("/api/analytics/officers", params={"start": "2025-11-01", "end": "2025-11-30"},
                          headers=headers).json()
    (officer,) = [o for o in november["officers"] if o["username"] == "ana_officer"]
    assert officer["totals"]["visits"] == 6 and officer["totals"]["disputes_mediated"] == 0
    assert november["months"] == ["2025-11"]


def test_report_xlsx_holds_the_dashboard_tables(client, as_user, district):
    from openpyxl import load_workbook

    r = client.get("/api/analytics/report.xlsx", params=YEAR, headers=as_user("ana_chief"))
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert 'filename="holomap-analytics-2025-01-01-2025-12-31.xlsx"' in r.headers["content-disposition"]
    book = load_workbook(io.BytesIO(r.content), read_only=True)
    assert book.sheetnames == ["概况", "分类对比", "月度", "时段×星期", "警务区", "民警工作"]
    rows = {name: list(book[name].iter_rows(values_only=True)) for name in book.sheetnames}
    assert rows["概况"][1][:3] == ("本期", "2025-01-01 至 2025-12-31", len(district.incidents))
    assert rows["概况"][3][0] == "同比（去年同期）" and rows["概况"][3][1] == "2024-01-01 至 2024-12-31"
    assert sum(r[1] for r in rows["月度"][1:]) == len(district.incidents)
    assert rows["时段×星期"][-1][-1] == len(district.incidents) and len(rows["时段×星期"]) == 9
    assert {r[1] for r in rows["警务区"][1:]} == {"T-ANA-01", "T-ANA-02"}
    assert any(r[0] == "测试ana_officer" and r[1] == "社区民警" for r in rows["民警工作"][1:])
    # an officer (analytics.read, not analytics.officers) gets the report without the officer sheet
    mine = client.get("/api/analytics/report.xlsx", params={"start": "2025-01-01", "end": "2025-12-31"},
                      headers=as_user("ana_officer"))
    assert mine.status_code == 200, mine.text
    assert "民警工作" not in load_workbook(io.BytesIO(mine.content), read_only=True).sheetnames
    bad = client.get("/api/analytics/report.xlsx", params={"start": "2025-12-31", "end": "2025-01-01"},
                     headers=as_user("ana_chief"))
    assert bad.status_code == 422 and bad.json()["code"] == "analytics.period_inverted"
    assert client.get("/api/analytics/report.xlsx", params=YEAR,
                      headers=as_user("ana_grid")).status_code == 403


def test_key_persons_visited_follow_the_key_person_tags_setting(client, as_user, district, app_conn):
    """The figure counts the tags chosen by the admin (app_setting, as the worklist does), not only
    key_person; without a row, the setting's default (DEFAULT_KEY_PERSON_TAGS)."""
    from api.settings.service import DEFAULT_KEY_PERSON_TAGS, KEY_PERSON_TAGS

    # a second visited household (the fixture's 2nd) gets a resident living alone (独居老人)
    app_conn.execute(text(
        "UPDATE person SET tags = '{elderly_alone}' WHERE name = :n"), {"n": district.person_names[1]})

    def november(tags: list[str] | None) -> int:
        if tags is None:
            app_conn.execute(text("DELETE FROM app_setting WHERE key = :k"), {"k": KEY_PERSON_TAGS})
        else:
            app_conn.execute(text("INSERT INTO app_setting (key, value) VALUES (:k, CAST(:v AS jsonb)) "
                                  "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value"),
                             {"k": KEY_PERSON_TAGS, "v": json.dumps(tags)})
        r = client.get("/api/analytics/officers", params={"start": "2025-11-01", "end": "2025-11-30"},
                       headers=as_user("ana_chief"))
        assert r.status_code == 200, r.text
        (officer,) = [o for o in r.json()["officers"] if o["username"] == "ana_officer"]
        return officer["months"][0]["key_persons_visited"]

    assert november(["key_person"]) == 1
    assert november(["elderly_alone"]) == 1
    assert november(["key_person", "elderly_alone"]) == 2
    assert november(["disabled"]) == 0
    assert {"key_person", "elderly_alone"} <= set(DEFAULT_KEY_PERSON_TAGS)
    assert november(None) == 2  # no row: the default tags


def _staff(app_conn, district, names: list[str], beat: str = "T-ANA-02", role: str = "auxiliary") -> None:
    for name in names:
        app_conn.execute(text(
            "WITH u AS (INSERT INTO app_user (username, display_name, role, station_id, password_hash) "
            "VALUES (:n, :d, :r, :s, 'x') RETURNING id) "
            "INSERT INTO beat_member (beat_id, user_id, duty) SELECT :b, id, :duty FROM u"),
            {"n": name, "d": name, "r": role, "duty": role, "s": district.station_id, "b": district.beat_ids[beat]})


def test_officer_roster_kept_in_the_process_pages_as_the_statement_does(app_session, app_conn, district):
    """The roster read whole once per version (staffing.roster) and cut in the process gives each page and
    the total the statement gives when it cuts the page in the database (as before issue 22's cache)."""
    from api.analytics import queries, staffing

    _staff(app_conn, district, ["ana_aux_b", "ana_aux_a"])
    _staff(app_conn, district, ["ana_grid_c"], beat="T-ANA-01", role="grid_member")
    for scope in (AnalyticsScope(station_ids=(district.station_id,)), AnalyticsScope(station_ids=None)):
        whole = staffing.roster(app_session, scope)
        assert staffing.roster(app_session, scope) is whole  # kept
        assert len(whole) >= 4
        for limit, offset in ((1, 0), (1, 1), (2, 1), (3, 2), (50, 0), (2, len(whole) - 1)):
            cut = app_session.execute(text(queries.OFFICERS), {
                "stations": scope.stations_param, "limit": limit, "offset": offset}).all()
            assert [tuple(r) for r in cut] == [tuple(r) for r in whole[offset:offset + limit]]
            assert {r.total for r in cut} == {len(whole)}
    names = [r.username for r in staffing.roster(app_session, AnalyticsScope(station_ids=(district.station_id,)))]
    assert names == ["ana_officer", "ana_grid_c", "ana_aux_a", "ana_aux_b"]


def test_officer_table_shows_a_change_of_staff_on_the_next_answer(client, as_user, district, app_conn):
    """The roster is kept per auth generation and stations version: a renamed user, a new or removed
    membership, a renamed beat or station, a deactivated user show on the very next answer."""
    from api.analytics import staffing

    headers = as_user("ana_leader")

    def people(station: str = STATION) -> dict:
        r = client.get("/api/analytics/officers", params={"station": station, "limit": 500}, headers=headers)
        assert r.status_code == 200, r.text
        return {o["username"]: o for o in r.json()["officers"]}

    before = people()
    loads = staffing.ROSTERS.loads
    assert people() == before and staffing.ROSTERS.loads == loads  # the second answer reads no roster
    app_conn.execute(text("UPDATE app_user SET display_name = '改了名' WHERE username = 'ana_officer'"))
    assert people()["ana_officer"]["officer_name"] == "改了名"
    _staff(app_conn, district, ["ana_aux_new"])
    assert people()["ana_aux_new"]["beats"] == ["T-ANA-02"]
    app_conn.execute(text("INSERT INTO beat_member (beat_id, user_id, duty) SELECT :b, id, 'officer' "
                          "FROM app_user WHERE username = 'ana_officer'"), {"b": district.beat_ids["T-ANA-02"]})
    assert people()["ana_officer"]["beats"] == ["T-ANA-01", "T-ANA-02"]
    app_conn.execute(text("UPDATE beat SET code = 'T-ANA-09' WHERE id = :b"), {"b": district.beat_ids["T-ANA-02"]})
    assert people()["ana_officer"]["beats"] == ["T-ANA-01", "T-ANA-09"]
    app_conn.execute(text("DELETE FROM beat_member WHERE user_id = (SELECT id FROM app_user "
                          "WHERE username = 'ana_aux_new')"))
    assert "ana_aux_new" not in people()
    app_conn.execute(text("UPDATE app_user SET active = false WHERE username = 'ana_officer'"))
    assert "ana_officer" not in people()
    app_conn.execute(text("UPDATE app_user SET active = true WHERE username = 'ana_officer'"))
    app_conn.execute(text("UPDATE station SET code = 'T-ANA-RENAMED' WHERE id = :s"), {"s": district.station_id})
    assert people("T-ANA-RENAMED")["ana_officer"]["station"] == "T-ANA-RENAMED"
    assert staffing.ROSTERS.loads > loads


# The page's figures as four statements read them before issue 22: the key households and the coverage probed
# persons and visits per visit and household (now two sets of the officers' beats and last_visited_at answer),
# and the four functions' rows now come back in one statement.
OLD_OFFICER_STATEMENTS = {
    "visits": """
        SELECT v.user_id, to_char(timezone('Asia/Shanghai', v.visited_at), 'YYYY-MM'),
               count(*)::integer, count(DISTINCT v.household_id)::integer,
               count(DISTINCT v.household_id) FILTER (WHERE EXISTS (
                 SELECT 1 FROM person p WHERE p.household_id = v.household_id AND p.moved_out IS NULL
                   AND p.tags <> '{}' AND p.tags && k.tags))::integer
        FROM visit v CROSS JOIN (SELECT holomap_key_person_tags() AS tags OFFSET 0) k
        WHERE v.user_id = ANY(CAST(:user_ids AS integer[])) AND v.visited_at >= :start_at AND v.visited_at < :end_at
        GROUP BY 1, 2""",
    "mediations": "SELECT user_id, month, disputes_mediated "
                  "FROM holomap_officer_mediations(CAST(:user_ids AS integer[]), :start_at, :end_at)",
    "collected": "SELECT user_id, month, persons_registered, floating_registered, vehicles_registered, corrected "
                 "FROM holomap_officer_collection(CAST(:user_ids AS integer[]), :start_at, :end_at)",
    "coverage": """
        SELECT h.beat_id, count(*)::integer,
               count(*) FILTER (WHERE (
                 SELECT true FROM visit v WHERE v.household_id = h.id
                   AND v.visited_at >= CAST(:end_at AS timestamptz) - interval '90 days'
                   AND v.visited_at < CAST(:end_at AS timestamptz) LIMIT 1))::integer
        FROM household h
        WHERE h.beat_id = ANY(CAST(:beat_ids AS integer[])) AND h.kind <> 'vacant'
        GROUP BY 1""",
}


def test_officer_figures_in_one_statement_equal_the_four_statements(app_conn, district):
    """queries.OFFICER_FIGURES (one round trip; key households from the officers' beats, a probe elsewhere;
    coverage from household.last_visited_at) answers what the four statements answered: visits to key households
    of the officer's beat and of another beat, a key person moved out or tagged otherwise, and end dates around
    visits on the 90-day edge, on the end, after it, on local month edges, and for a vacant household (issue 22)."""
    from api.analytics import queries

    officer, chief = (app_conn.execute(text("SELECT id FROM app_user WHERE username = :u"), {"u": u}).scalar()
                      for u in ("ana_officer", "ana_chief"))
    households = app_conn.execute(text("SELECT id FROM household WHERE beat_id = :b ORDER BY id"),
                                  {"b": district.beat_ids["T-ANA-01"]}).scalars().all()
    building = app_conn.execute(text("SELECT building_id FROM household WHERE id = :h"), {"h": households[0]}).scalar()
    elsewhere = [app_conn.execute(text(
        "INSERT INTO household (building_id, unit, floor, room, kind, beat_id) VALUES (:b, 2, 1, :r, 'owner', :beat) "
        "RETURNING id"), {"b": building, "r": f"E{k}", "beat": district.beat_ids["T-ANA-02"]}).scalar()
        for k in range(2)]
    for k, (h, tags, moved_out) in enumerate((
            (elsewhere[0], "{key_person}", None), (elsewhere[1], "{disabled}", None),
            (households[3], "{left_behind_child}", None), (households[4], "{key_person}", "2025-01-01"))):
        app_conn.execute(text(
            "INSERT INTO person (household_id, name, id_number, gender, birth_date, residency, tags, moved_out) "
            "SELECT :h, '测试重点', :i, 'M', DATE '1990-01-01', 'registered', CAST(:t AS text[]), CAST(:m AS date)"),
            {"h": h, "i": make_id_number("371602", date(1990, 1, 1), 400 + k, "M"), "t": tags, "m": moved_out})
    day = datetime(2026, 3, 1, tzinfo=LOCAL_TZ)
    app_conn.execute(text("UPDATE household SET kind = 'vacant' WHERE id = :h"), {"h": households[9]})
    for h, at in ((households[6], day - timedelta(days=90)), (households[7], day), (households[8], day),
                  (households[8], day - timedelta(days=30)), (households[9], day - timedelta(days=1)),
                  (households[0], day + timedelta(days=200)), (elsewhere[0], day - timedelta(days=3)),
                  (elsewhere[1], day - timedelta(days=3)), (households[3], day - timedelta(days=4)),
                  (households[4], day - timedelta(days=4)), (elsewhere[0], day - timedelta(days=40)),
                  (households[5], day - timedelta(seconds=1)), (households[2], datetime(2026, 2, 1, tzinfo=LOCAL_TZ))):
        app_conn.execute(text("INSERT INTO visit (household_id, user_id, visited_at) VALUES (:h, :u, :t)"),
                         {"h": h, "u": officer, "t": at})
    app_conn.execute(text("SELECT set_config('holomap.user_id', :u, true)"), {"u": str(chief)})
    beat_ids = sorted(district.beat_ids.values())
    for end in (day, day + timedelta(seconds=1), day - timedelta(days=89), day + timedelta(days=90),
                datetime(2025, 12, 1, tzinfo=LOCAL_TZ), datetime(2027, 1, 1, tzinfo=LOCAL_TZ)):
        params = {"user_ids": [officer, chief], "beat_ids": beat_ids, "start_at": end - timedelta(days=400),
                  "end_at": end}
        row = app_conn.execute(text(queries.OFFICER_FIGURES), params).one()
        for name, sql in OLD_OFFICER_STATEMENTS.items():
            old = sorted(list(r) for r in app_conn.execute(text(sql), params))
            assert sorted(getattr(row, name) or []) == old, (name, end)
    covered = app_conn.execute(text(queries.OFFICER_FIGURES), {
        "user_ids": [officer], "beat_ids": beat_ids, "start_at": day - timedelta(days=400), "end_at": day}).one()
    assert [b[1:] for b in covered.coverage if b[0] == district.beat_ids["T-ANA-01"]] == [[9, 6]]
    # February: the key person elsewhere and the left-behind child count; the one moved out and `disabled` do not
    assert [v[2:] for v in covered.visits if v[1] == "2026-02"] == [[7, 7, 2]]  # local months, edges included
