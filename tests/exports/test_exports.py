"""Exports: non-personal layers for everyone in scope, residents only for personal roles, masked, audited."""
import json

from sqlalchemy import text

from api.imports.people import import_people
from api.imports.sample import people_rows, to_csv
from tests.conftest import scalar


def load_people(app_conn, area, n: int = 12) -> list[dict]:
    rows = people_rows(area.buildings, n, seed=21)
    report = import_people(connection=app_conn, source=to_csv(rows), filename="p.csv")
    assert report.written, report.to_dict()["errors"]
    return rows


def test_layers_as_geojson_and_csv(client, user_headers, app_area):
    headers = user_headers("planner", station_id=app_area.station_id)
    r = client.get("/api/export/buildings.geojson", headers=headers)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/geo+json")
    body = r.json()
    assert body["type"] == "FeatureCollection" and len(body["features"]) == 20
    assert set(body["features"][0]["properties"]) >= {"address", "floors", "std_address_code"}
    r = client.get("/api/export/beats.csv", headers=headers)
    assert r.status_code == 200 and "wkt" in r.text.splitlines()[0]
    assert client.get("/api/export/persons.geojson", headers=headers).status_code == 422


def test_residents_need_a_personal_role_and_are_masked(client, user_headers, app_conn, app_area):
    rows = load_people(app_conn, app_area)
    planner = user_headers("planner", station_id=app_area.station_id)
    assert client.get("/api/export/residents.csv", headers=planner).status_code == 403
    officer = user_headers("officer", station_id=app_area.station_id, beat_id=app_area.beat_id)
    r = client.get("/api/export/residents.csv", headers=officer)
    assert r.status_code == 200, r.text
    assert rows[0]["公民身份号码"] not in r.text and rows[0]["公民身份号码"][:6] + "********" in r.text
    assert len(r.text.strip().splitlines()) == len(rows) + 1
    assert client.get("/api/export/residents.csv?reveal=true", headers=officer).status_code == 422
    r = client.get("/api/export/residents.csv?reveal=true&reason=核查户籍", headers=officer)
    assert r.status_code == 200 and rows[0]["公民身份号码"] in r.text
    reasons = app_conn.execute(text("SELECT reason, reason_code, reason_params FROM audit_log "
                                    "WHERE action LIKE 'export_residents%' ORDER BY id")).all()
    assert len(reasons) == 2 and reasons[-1].reason == "核查户籍" and reasons[0].reason is None
    assert reasons[-1].reason_code == "export.rows" and reasons[-1].reason_params == {"rows": len(rows)}
    other_beat = scalar(app_conn, "SELECT max(id) + 1000 FROM beat")
    assert client.get(f"/api/export/residents.csv?beat_id={other_beat}", headers=officer).status_code == 404


def test_beat_map_is_standalone_html(client, user_headers, app_area):
    headers = user_headers("station_chief", station_id=app_area.station_id)
    r = client.get(f"/api/export/beat/{app_area.beat_id}/map.html", headers=headers)
    assert r.status_code == 200, r.text
    html = r.text
    for cdn in ("cdn.jsdelivr", "cdnjs", "code.jquery", "bootstrapcdn", "unpkg"):
        assert cdn not in html
    assert "<script src=" not in html and 'rel="stylesheet" href="http' not in html
    assert "L.map(" in html or "L.map (" in html
    assert json.dumps(app_area.prefix + "警务区", ensure_ascii=False).strip('"') in html
    assert "attachment" in r.headers["content-disposition"]
    assert client.get("/api/export/beat/999999999/map.html", headers=headers).status_code == 404


def test_an_export_runs_under_its_own_statement_timeout(client, user_headers, app_conn, app_area, settings):
    """Exports read whole layers: HOLOMAP_EXPORT_STATEMENT_TIMEOUT_MS for their transaction, not the app's 15 s."""
    headers = user_headers("planner", station_id=app_area.station_id)
    assert client.get("/api/export/buildings.csv", headers=headers).status_code == 200
    seconds = settings.export_statement_timeout_ms // 1000
    shown = scalar(app_conn, "SELECT current_setting('statement_timeout')")
    assert shown == (f"{seconds // 60}min" if seconds % 60 == 0 else f"{seconds}s")
