"""GET /api/audit pages and filters; GET /api/audit.csv exports (audited, formula-neutralised)."""
import csv
import io
import uuid

from sqlalchemy import text

INSERT = """
INSERT INTO audit_log (at, username, action, object_type, object_id, outcome, reason)
VALUES (now() - make_interval(mins => :minutes), :username, :action, 'person', :object_id, :outcome, :reason)
"""


def _rows(app_conn, username: str, n: int, *, action="lookup", outcome="ok", reason="test") -> None:
    for i in range(n):
        app_conn.execute(text(INSERT), {"minutes": i, "username": username, "action": action,
                                        "object_id": str(i), "outcome": outcome, "reason": reason})


def test_pages_follow_one_another_with_a_total(client, login, app_conn):
    who = f"t{uuid.uuid4().hex[:10]}"
    _rows(app_conn, who, 7)
    headers = login("admin")
    first = client.get("/api/audit", params={"user": who, "limit": 3}, headers=headers).json()
    assert first["total"] == 7 and first["offset"] == 0 and first["next_offset"] == 3
    assert [r["object_id"] for r in first["rows"]] == ["0", "1", "2"]  # newest first
    second = client.get("/api/audit", params={"user": who, "limit": 3, "offset": 3}, headers=headers).json()
    assert [r["object_id"] for r in second["rows"]] == ["3", "4", "5"]
    last = client.get("/api/audit", params={"user": who, "limit": 3, "offset": 6}, headers=headers).json()
    assert [r["object_id"] for r in last["rows"]] == ["6"] and last["next_offset"] is None


def test_filters_by_action_outcome_and_time(client, login, app_conn):
    who = f"t{uuid.uuid4().hex[:10]}"
    _rows(app_conn, who, 4, action="lookup")
    _rows(app_conn, who, 2, action="reveal_id", outcome="denied")
    headers = login("admin")
    body = client.get("/api/audit", params={"user": who, "action": "reveal_id"}, headers=headers).json()
    assert body["total"] == 2 and {r["action"] for r in body["rows"]} == {"reveal_id"}
    body = client.get("/api/audit", params={"user": who, "outcome": "ok"}, headers=headers).json()
    assert body["total"] == 4
    until = app_conn.execute(text("SELECT now() - interval '30 seconds'")).scalar_one()
    body = client.get("/api/audit", params={"user": who, "until": until.isoformat()}, headers=headers).json()
    # rows a minute old and older: lookups 1, 2, 3 minutes ago and one reveal_id a minute ago
    assert body["total"] == 4
    # empty filters are no filters
    assert client.get("/api/audit", params={"user": who, "action": ""}, headers=headers).json()["total"] == 6


def test_the_read_of_a_page_is_audited_with_its_filters(client, login, app_conn):
    headers = login("admin")
    r = client.get("/api/audit", params={"action": "lookup", "limit": 5, "offset": 5}, headers=headers)
    assert r.status_code == 200
    code, params = app_conn.execute(text(
        "SELECT reason_code, reason_params FROM audit_log WHERE action = 'audit.read' AND request_id = :r"),
        {"r": r.headers["x-request-id"]}).one()
    assert code == "audit.page"
    assert params == {"rows": len(r.json()["rows"]), "offset": 5, "filters": {"action": "lookup"}}


def test_csv_export_is_audited_and_formulas_are_inert(client, login, app_conn):
    who = f"t{uuid.uuid4().hex[:10]}"
    _rows(app_conn, who, 3, reason="=HYPERLINK(\"http://x\")")
    r = client.get("/api/audit.csv", params={"user": who}, headers=login("admin"))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    table = list(csv.reader(io.StringIO(r.text.lstrip("\ufeff"))))
    assert table[0][0] == "时间" and len(table) == 4
    assert all(row[8].startswith("'=") for row in table[1:])
    assert {row[2] for row in table[1:]} == {who}
    code, params = app_conn.execute(text(
        "SELECT reason_code, reason_params FROM audit_log WHERE action = 'audit.export' AND request_id = :r"),
        {"r": r.headers["x-request-id"]}).one()
    assert code == "audit.export" and params == {"rows": 3, "filters": {"user": who}}


def test_only_auditors_read_or_export(client, login):
    for path in ("/api/audit", "/api/audit.csv"):
        r = client.get(path, headers=login("officer1"))
        assert r.status_code == 403 and r.json()["code"] == "auth.capability_missing"
