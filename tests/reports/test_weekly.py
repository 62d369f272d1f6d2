"""GET /api/reports/weekly(.xlsx): figures against independent SQL on the synthetic station T-ANA, China-time
week boundaries, scope, the issued report kept unchanged, the XLSX tables."""
import io
import math
from datetime import UTC, date, datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import text

from api.analytics.filters import LOCAL_TZ
from api.reports.schemas import WeeklyReportOut

WEEK = date(2025, 11, 10)  # Monday; the officer's six visits are on 10–15 November 2025
URL = "/api/reports/weekly"

# incidents of the station per category in [a, b) local days: the reference, written independently
COUNTS = """
SELECT category, count(*)::int FROM incident
WHERE station_id = :s AND (occurred_at AT TIME ZONE 'Asia/Shanghai')::date >= :a
  AND (occurred_at AT TIME ZONE 'Asia/Shanghai')::date < :b
GROUP BY 1
"""
DAILY = """
SELECT (occurred_at AT TIME ZONE 'Asia/Shanghai')::date AS day, count(*)::int FROM incident
WHERE station_id = :s AND (occurred_at AT TIME ZONE 'Asia/Shanghai')::date BETWEEN :a AND :b GROUP BY 1
"""


def _counts(conn, sid: int, a: date, days: int) -> dict[str, int]:
    return dict(conn.execute(text(COUNTS), {"s": sid, "a": a, "b": a + timedelta(days=days)}).all())


def _incident(conn, sid: int, beat: int, at: datetime, category: str = "theft") -> None:
    conn.execute(text(
        "INSERT INTO incident (station_id, occurred_at, reported_at, category, source, location, beat_id, status,"
        " summary) VALUES (:s, :t, :t, :c, '110', ST_SetSRID(ST_MakePoint(117.01, 36.01), 4326), :b, 'closed',"
        " '测试')"), {"s": sid, "t": at, "c": category, "b": beat})


def _pct(a: float, b: float) -> float | None:
    return round(100.0 * (a - b) / b, 1) if b else None


def test_figures_equal_independent_counts(client, app_conn, district, as_user):
    sid, beat = district.station_id, district.beat_ids["T-ANA-01"]
    # three thefts in the same week a year earlier (同比: Monday–Sunday 52 weeks before)
    for k in range(3):
        _incident(app_conn, sid, beat, datetime(2024, 11, 11 + k, 9, tzinfo=LOCAL_TZ))
    r = client.get(URL, params={"week": "2025-11-12"}, headers=as_user("ana_chief"))
    assert r.status_code == 200, r.text
    body = r.json()
    WeeklyReportOut.model_validate(body)  # the declared shape (OpenAPI)
    assert body["week"] == {"start": "2025-11-10", "end": "2025-11-16", "iso": "2025-W46"}
    assert body["station"]["code"] == "T-ANA" and body["status"] == "issued"
    week = _counts(app_conn, sid, WEEK, 7)
    year = _counts(app_conn, sid, WEEK - timedelta(weeks=52), 7)
    before = _counts(app_conn, sid, WEEK - timedelta(days=28), 28)
    assert year == {"theft": 3} and sum(week.values()) > 0
    rows = {c["category"]: c for c in body["incidents"]["categories"]}
    assert set(rows) == set(week) | set(year) | set(before)
    for cat, row in rows.items():
        w, y, b = week.get(cat, 0), year.get(cat, 0), before.get(cat, 0)
        assert (row["week"], row["last_year"], row["previous_4w"]) == (w, y, b), cat
        assert row["year_change_pct"] == _pct(w, y) and row["change_pct"] == _pct(w, b / 4), cat
        assert row["previous_4w_mean"] == round(b / 4, 2)
    total = body["incidents"]["total"]
    assert total["week"] == sum(week.values()) and total["last_year"] == 3
    assert total["year_change_pct"] == _pct(sum(week.values()), 3)
    assert body["incidents"]["periods"]["last_year"] == {"start": "2024-11-11", "end": "2024-11-17"}
    assert body["incidents"]["periods"]["previous_4w"] == {"start": "2025-10-13", "end": "2025-11-09"}
    daily = dict(app_conn.execute(text(DAILY), {"s": sid, "a": date(2025, 10, 20), "b": date(2025, 11, 16)}).all())
    assert [d["day"] for d in body["trend"]][::27] == ["2025-10-20", "2025-11-16"]
    assert [d["count"] for d in body["trend"]] == [daily.get(date(2025, 10, 20) + timedelta(days=k), 0)
                                                  for k in range(28)]
    # disputes (June 2025): green open and yellow mediating are open and past the 30-day mediation limit;
    # the resolved and closed ones are not open
    grades = {g["grade"]: g for g in body["disputes"]["grades"]}
    assert (body["disputes"]["reported"], body["disputes"]["open"], body["disputes"]["overdue"]) == (0, 2, 2)
    assert grades["green"]["open"] == grades["yellow"]["open"] == 1 and grades["red"]["open"] == 0
    # visits: six households on 10–15 November, one with a key person; target 30 a month, by the 16th of 30
    # days 16 are due
    v = body["visits"]
    assert (v["officers"], v["week_visits"], v["week_households"], v["month_households"]) == (1, 6, 6, 6)
    assert v["pace_target"] == math.ceil(30 * 16 / 30) and (v["met"], v["on_pace"], v["key_met"]) == (0, 0, 1)
    assert v["rows"][0]["name"] == "测试ana_officer" and v["rows"][0]["beats"] == ["T-ANA-01"]
    # hot spots: the theft cluster is hot; its cell's beat is named
    hot = body["hotspots"]
    assert hot["persisting"] >= 1 and len(hot["cells"]) == min(10, hot["new"] + hot["persisting"])
    assert hot["cells"][0]["beat_code"] == "T-ANA-01" and hot["cells"][0]["status"] == "persisting"
    assert abs(hot["cells"][0]["lon"] - 117.015) < 0.01 and abs(hot["cells"][0]["lat"] - 36.02) < 0.01
    # aggregates only: no resident, phone or dispute title
    assert not any(s in r.text for s in district.person_names + district.phones + district.dispute_titles)


def test_week_boundary_is_china_time_and_a_quiet_station_has_zeros(client, app_conn, district, as_user):
    sid, beat = district.station_id, district.beat_ids["T-ANA-01"]
    # both on 16 November UTC: Sunday 23:30 in China (this week) and Monday 00:10 in China (the next)
    _incident(app_conn, sid, beat, datetime(2025, 11, 16, 15, 30, tzinfo=UTC), "fire")
    _incident(app_conn, sid, beat, datetime(2025, 11, 16, 16, 10, tzinfo=UTC), "fire")
    headers = as_user("ana_leader")
    this = client.get(URL, params={"station_id": sid, "week": "2025-11-16"}, headers=headers).json()
    after = client.get(URL, params={"station_id": sid, "week": "2025-11-17"}, headers=headers).json()
    fire = {c["category"]: c for c in this["incidents"]["categories"]}["fire"]
    assert (fire["week"], fire["previous_4w"]) == (1, 0)
    fire = {c["category"]: c for c in after["incidents"]["categories"]}["fire"]
    assert (fire["week"], fire["previous_4w"]) == (1, 1)
    quiet = app_conn.execute(text(
        "INSERT INTO station (code, name, jurisdiction) VALUES ('T-QUIET', '无警情派出所', ST_Multi(ST_GeomFromText("
        "'POLYGON((117.1 36.1, 117.12 36.1, 117.12 36.12, 117.1 36.12, 117.1 36.1))', 4326))) RETURNING id")).scalar()
    r = client.get(URL, params={"station_id": quiet, "week": "2025-11-10"}, headers=headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["incidents"]["categories"] == [] and body["incidents"]["total"]["week"] == 0
    assert body["incidents"]["total"]["change_pct"] is None and body["incidents"]["total"]["year_change_pct"] is None
    assert {d["count"] for d in body["trend"]} == {0} and len(body["trend"]) == 28
    assert (body["hotspots"]["new"], body["hotspots"]["persisting"], body["hotspots"]["cells"]) == (0, 0, [])
    assert body["visits"]["officers"] == 0 and body["visits"]["rows"] == []
    assert body["disputes"]["open"] == 0 and body["warnings"]["issued"] == 0


def test_scope_officers_refused_chiefs_own_station_leaders_bureau(client, app_conn, district, as_user):
    for username in ("ana_officer", "ana_planner"):  # (grid members hold no analytics at all)
        r = client.get(URL, params={"week": "2025-11-10"}, headers=as_user(username))
        assert r.status_code == 403, (username, r.text)
    other = app_conn.execute(text("SELECT id FROM station WHERE id <> :s ORDER BY id LIMIT 1"),
                             {"s": district.station_id}).scalar()
    r = client.get(URL, params={"week": "2025-11-10", "station_id": other}, headers=as_user("ana_chief"))
    assert r.status_code == 403 and r.json()["code"] == "report.other_station"
    r = client.get(URL + ".xlsx", params={"week": "2025-11-10", "station_id": other}, headers=as_user("ana_chief"))
    assert r.status_code == 403
    bureau = client.get(URL, params={"week": "2025-11-10"}, headers=as_user("ana_leader"))
    assert bureau.status_code == 200 and bureau.json()["station"] is None
    WeeklyReportOut.model_validate(bureau.json())
    rows = bureau.json()["visits"]
    assert rows["rows"] is None and "T-ANA" in {s["station_code"] for s in rows["stations"]}  # no names
    assert "测试ana_officer" not in bureau.text
    r = client.get(URL, params={"station_id": 2_000_000}, headers=as_user("ana_leader"))
    assert r.status_code == 404 and r.json()["code"] == "report.station_not_found"
    r = client.get(URL, params={"week": "2999-01-04"}, headers=as_user("ana_leader"))
    assert r.status_code == 422 and r.json()["code"] == "report.week_out_of_range"
    r = client.get(URL, params={"week": "last-week"}, headers=as_user("ana_leader"))
    assert r.status_code == 422


def test_an_issued_report_is_returned_unchanged_after_new_incidents(client, app_conn, district, as_user):
    sid, beat = district.station_id, district.beat_ids["T-ANA-01"]
    headers = as_user("ana_chief")
    first = client.get(URL, params={"week": "2025-11-10"}, headers=headers)
    stored = app_conn.execute(text("SELECT body, generated_by IS NOT NULL FROM weekly_report "
                                   "WHERE week = '2025-11-10' AND station_id = :s"), {"s": sid}).one()
    assert stored[0] == first.json() and stored[1]
    for k in range(5):
        _incident(app_conn, sid, beat, datetime(2025, 11, 12, 10 + k, tzinfo=LOCAL_TZ))
    again = client.get(URL, params={"week": "2025-11-14"}, headers=headers)
    assert again.text == first.text and again.json()["generated_at"] == first.json()["generated_at"]
    # the same week asked afresh (no issued report) counts the five
    app_conn.execute(text("DELETE FROM weekly_report WHERE week = '2025-11-10'"))
    fresh = client.get(URL, params={"week": "2025-11-10"}, headers=headers).json()
    assert fresh["incidents"]["total"]["week"] == first.json()["incidents"]["total"]["week"] + 5
    # this week is not over: built on each request, provisional, not stored
    today = datetime.now(LOCAL_TZ).date()
    now = client.get(URL, params={"week": today.isoformat()}, headers=headers).json()
    assert now["status"] == "provisional"
    assert app_conn.execute(text("SELECT count(*) FROM weekly_report WHERE week = :w"),
                            {"w": today - timedelta(days=today.weekday())}).scalar() == 0


def test_the_xlsx_opens_with_its_sheets_and_columns(client, district, as_user):
    r = client.get(URL + ".xlsx", params={"week": "2025-11-10"}, headers=as_user("ana_chief"))
    assert r.status_code == 200, r.text
    assert "holomap-weekly-T-ANA-2025-W46.xlsx" in r.headers["content-disposition"]
    book = load_workbook(io.BytesIO(r.content), read_only=True)
    assert book.sheetnames == ["概况", "警情同比环比", "28天趋势", "热点", "近重复预警", "矛盾纠纷", "走访"]
    rows = {name: list(book[name].iter_rows(values_only=True)) for name in book.sheetnames}
    assert rows["警情同比环比"][0] == ("警情类别", "本周", "去年同周", "同比", "前4周合计", "前4周周均",
                                   "环比（对周均）")
    body = client.get(URL, params={"week": "2025-11-10"}, headers=as_user("ana_chief")).json()
    assert rows["警情同比环比"][-1][:3] == ("合计", body["incidents"]["total"]["week"], 0)
    assert len(rows["28天趋势"]) == 29 and rows["矛盾纠纷"][-1] == ("合计", 0, 2, 2, 0)
    assert rows["走访"][1][:4] == ("测试ana_officer", "社区民警", "T-ANA-01", 6)


def test_warnings_issued_in_the_week_are_counted(client, app_conn, district, as_user):
    sid = district.station_id
    incident = app_conn.execute(text("SELECT id FROM incident WHERE station_id = :s ORDER BY id LIMIT 2"),
                                {"s": sid}).scalars().all()
    for k, (inc, issued) in enumerate(zip(incident, (datetime(2025, 11, 11, 9, tzinfo=LOCAL_TZ),
                                                     datetime(2025, 11, 9, 9, tzinfo=LOCAL_TZ)), strict=True)):
        app_conn.execute(text(
            "INSERT INTO near_repeat_warning (incident_id, station_id, category, zone, radius_m, days, knox_events,"
            " starts_at, expires_at, issued_at, beat_ids, households) VALUES (:i, :s, 'theft',"
            " ST_Buffer(ST_SetSRID(ST_MakePoint(117.01, 36.01), 4326), 0.001), 100, 14, 50, :t, :t + interval "
            "'14 days', :t, '{}', :h)"), {"i": inc, "s": sid, "t": issued, "h": 10 + k})
    body = client.get(URL, params={"week": "2025-11-10"}, headers=as_user("ana_chief")).json()
    assert body["warnings"]["issued"] == 1 and body["warnings"]["households"] == 10
    assert body["warnings"]["active_at_end"] == 2
    assert body["warnings"]["categories"] == [
        {"category": "theft", "issued": 1, "households": 10, "active_at_end": 2}]


@pytest.mark.parametrize("day, monday", [("2025-11-16", "2025-11-10"), ("2025-11-17", "2025-11-17")])
def test_week_of_any_day_is_its_monday(day, monday):
    from api.reports.service import week_of

    assert week_of(date.fromisoformat(day), today=date(2026, 1, 1)).isoformat() == monday


def test_dispute_state_is_counted_as_at_the_weeks_end(client, app_conn, district, as_user):
    sid, beat = district.station_id, district.beat_ids["T-ANA-01"]
    at = lambda *a: datetime(*a, tzinfo=LOCAL_TZ)  # noqa: E731
    rows = [  # grade, status, reported, first response, resolved, next return visit, return visit recorded
        ("red", "open", at(2025, 11, 15, 10), None, None, None, None),  # 38 h without response: overdue
        ("orange", "open", at(2025, 11, 16, 20), None, None, None, None),  # 4 h: within 72 h
        ("yellow", "resolved", at(2025, 10, 1), at(2025, 10, 1, 12), at(2025, 10, 5), date(2025, 10, 20), None),
        ("yellow", "resolved", at(2025, 10, 1), at(2025, 10, 1, 12), at(2025, 10, 5), date(2025, 10, 20),
         at(2025, 10, 21)),  # return visit done
        ("green", "resolved", at(2025, 11, 1), at(2025, 11, 2), at(2025, 11, 20), None, None),  # open at the end
    ]
    for grade, status, reported, response, resolved, due, visited in rows:
        dispute = app_conn.execute(text(
            "INSERT INTO dispute (station_id, title, category, grade, status, level, beat_id, reported_at, "
            "first_response_at, resolved_at, next_return_visit) VALUES (:s, '测试', 'neighbour', :g, :st, 'village', "
            ":b, :r, :f, :res, :due) RETURNING id"),
            {"s": sid, "g": grade, "st": status, "b": beat, "r": reported, "f": response, "res": resolved,
             "due": due}).scalar()
        if visited:
            app_conn.execute(text("INSERT INTO dispute_event (dispute_id, at, kind, text) "
                                  "VALUES (:d, :at, 'return_visit', '回访')"), {"d": dispute, "at": visited})
    body = client.get(URL, params={"week": "2025-11-10"}, headers=as_user("ana_chief")).json()["disputes"]
    got = {g["grade"]: (g["reported"], g["open"], g["overdue"], g["return_visits_late"]) for g in body["grades"]}
    # with the fixture's June disputes: green open and yellow mediating (overdue), green resolved, red closed
    assert got == {"red": (1, 1, 1, 0), "orange": (1, 1, 0, 0), "yellow": (0, 1, 1, 1), "green": (0, 2, 1, 0)}
    assert (body["reported"], body["open"], body["overdue"], body["return_visits_late"]) == (2, 5, 3, 1)


def test_an_issued_report_of_an_older_shape_still_exports(client, district, as_user):
    """Issued reports are never rewritten: one issued before return_visits_late existed still gives its XLSX."""
    from api.reports.xlsx import sheets

    body = client.get(URL, params={"week": "2025-11-10"}, headers=as_user("ana_chief")).json()
    del body["disputes"]["return_visits_late"]
    for grade in body["disputes"]["grades"]:
        del grade["return_visits_late"]
    disputes = dict(sheets(body))["矛盾纠纷"]
    assert disputes[-1] == ["合计", 0, 2, 2, "—"]
