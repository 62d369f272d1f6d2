"""Admin upload endpoints: role, size and format checks, the report, masking, audit."""
import json

from api.imports.sample import break_rows, people_rows, to_csv
from tests.conftest import scalar


def post_people(client, headers, data: bytes, name: str = "people.csv", **form):
    return client.post("/api/import/people", headers=headers, files={"file": (name, data, "text/csv")},
                       data={k: str(v).lower() if isinstance(v, bool) else v for k, v in form.items()})


def test_only_admin_may_import(client, user_headers, app_area):
    rows = people_rows(app_area.buildings, 5)
    r = post_people(client, user_headers("officer"), to_csv(rows))
    assert r.status_code == 403


def test_admin_imports_and_the_report_masks_id_numbers(client, user_headers, app_conn, app_area):
    rows = people_rows(app_area.buildings, 30, seed=11)
    break_rows(rows)
    headers = user_headers("admin")
    r = post_people(client, headers, to_csv(rows))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["written"] is False and body["error_count"] >= 8
    checksum = next(e for e in body["errors"] if "checksum" in e["reason"])
    assert "*" in checksum["value"] and checksum["row"] == 3
    r = post_people(client, headers, to_csv(rows), valid_only=True)
    assert r.status_code == 200 and r.json()["written"] is True
    audited = scalar(app_conn, "SELECT count(*) FROM audit_log WHERE action = 'import_people'")
    assert audited >= 2


def test_bad_uploads_are_4xx_with_a_message(client, user_headers, app_area):
    headers = user_headers("admin")
    r = post_people(client, headers, b"x", name="people.exe")
    assert r.status_code == 422 and "unsupported file type" in r.json()["detail"]
    r = post_people(client, headers, b"PK\x03\x04broken", name="people.xlsx")
    assert r.status_code == 422 and "cannot be read" in r.json()["detail"]
    r = post_people(client, headers, to_csv(people_rows(app_area.buildings, 3)), mapping="{not json")
    assert r.status_code == 422 and "JSON" in r.json()["detail"]
    r = post_people(client, headers, to_csv(people_rows(app_area.buildings, 3)),
                    mapping=json.dumps({"no such column": "姓名"}))
    assert r.status_code == 422 and "not in the file" in r.json()["detail"]
    big = b"0" * (client.app.state.settings.max_body_bytes + 10)
    r = post_people(client, headers, big)
    assert r.status_code == 413
    r = client.post("/api/import/boundaries", headers=headers, data={"layer": "rivers"},
                    files={"file": ("b.geojson", b"{}", "application/json")})
    assert r.status_code == 422 and "unknown layer" in r.json()["detail"]


def test_boundary_upload_valid_only(client, user_headers, app_conn, app_area):
    from shapely.geometry import Polygon, box, mapping

    lon, lat = 118.6, 37.9
    good = box(lon + 0.05, lat + 0.05, lon + 0.0505, lat + 0.0505)
    bowtie = Polygon([(lon + 0.06, lat + 0.06), (lon + 0.061, lat + 0.061), (lon + 0.061, lat + 0.06),
                      (lon + 0.06, lat + 0.061), (lon + 0.06, lat + 0.06)])
    data = json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"地址": a, "标准地址编码": c}, "geometry": mapping(g)}
        for a, c, g in (("上传测试1号", "UPB1", good), ("上传测试2号", "UPB2", bowtie))]}).encode()
    headers = user_headers("admin")

    def post(**form):
        return client.post("/api/import/boundaries", headers=headers,
                           files={"file": ("b.geojson", data, "application/geo+json")},
                           data={"layer": "buildings", **form})

    r = post()
    assert r.status_code == 200 and r.json()["written"] is False
    r = post(valid_only="true")
    body = r.json()
    assert r.status_code == 200 and body["written"] is True and body["mode"] == "valid_only", body
    assert body["counts"]["buildings"]["inserted"] == 1 and [e["row"] for e in body["errors"]] == [2]
    bowtie_problem = body["errors"][0]
    assert (bowtie_problem["problem"], bowtie_problem["params"]["code"]) == ("geometry", "geometry.invalid_geometry")
    assert bowtie_problem["params"]["params"]["reason"] == "Self-intersection"  # the web app words it
    assert scalar(app_conn, "SELECT count(*) FROM building WHERE std_address_code IN ('UPB1', 'UPB2')") == 1


def test_an_upload_import_runs_under_its_own_longer_statement_timeout(client, user_headers, app_conn, app_area,
                                                                       settings):
    """The app's 15 s statement_timeout would cut a large import: the route lifts it for its transaction
    (SET LOCAL; in tests the request joins the test's transaction, where the setting is still visible)."""
    before = scalar(app_conn, "SELECT current_setting('statement_timeout')")
    r = post_people(client, user_headers("admin"), to_csv(people_rows(app_area.buildings, 3, seed=5)))
    assert r.status_code == 200, r.text
    ms = settings.import_statement_timeout_ms
    assert scalar(app_conn, "SELECT current_setting('statement_timeout')") == f"{ms // 60000}min" != before
    assert scalar(app_conn, "SELECT current_setting('idle_in_transaction_session_timeout')") == f"{ms // 60000}min"


def test_each_row_problem_has_a_stable_name_the_web_app_words_in_chinese(client, user_headers, app_area):
    """The report's problems carry `problem` + `params` (the table shows the Chinese sentence of
    admin.row_problems, not the server's bilingual reason)."""
    from pathlib import Path

    catalog = (Path(__file__).resolve().parents[2] / "frontend/js/i18n/zh-CN/admin.js").read_text()
    block = catalog[catalog.index("    row_problems: {"):]
    block = block[:block.index("\n    },")]
    rows = people_rows(app_area.buildings, 30, seed=12)
    break_rows(rows)
    body = post_people(client, user_headers("admin"), to_csv(rows)).json()
    found = {e["problem"]: e["params"] for e in body["errors"]}
    assert {"id_checksum", "gender_mismatch", "date_missing", "birth_mismatch", "unknown_address",
            "id_duplicate", "phone_format", "plate_format"} <= set(found), found
    assert found["id_duplicate"] == {"first": 2}
    assert "unknown_address" in found and set(found["unknown_address"]) == {"matches", "hukou"}
    missing = [name for name in found if f"\n      {name}: '" not in block]
    assert not missing, f"add these to admin.row_problems in zh-CN.js: {missing}"
    # the tally counts by that name (it counted by the first word of the bilingual reason), each named in Chinese
    from collections import Counter

    from api.labels import labels
    assert body["error_count"] == len(body["errors"])
    assert body["errors_by_reason"] == dict(Counter(e["problem"] for e in body["errors"]))
    assert list(body["errors_by_reason"].values()) == sorted(body["errors_by_reason"].values(), reverse=True)
    names = labels()["admin"]["problem_names"]
    assert set(body["errors_by_reason"]) <= set(names)
    assert set(labels()["admin"]["row_problems"]) - {"geometry_reason"} <= set(names)


def test_the_report_masks_a_landlords_id_number_too(client, user_headers, app_area):
    rows = people_rows(app_area.buildings, 3, seed=12)
    number = rows[1]["公民身份号码"]
    rows[0]["房东身份证号"] = number[:17] + ("0" if number[17] != "0" else "1")
    body = post_people(client, user_headers("admin"), to_csv(rows)).json()
    error = next(e for e in body["errors"] if e["column"] == "房东身份证号")
    assert "*" in error["value"] and error["value"] != rows[0]["房东身份证号"]
