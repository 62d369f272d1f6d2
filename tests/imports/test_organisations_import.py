"""POST /api/import/organisations: the 实有单位 sheet — validate then write, every problem of a row in one pass,
idempotent, atomic (all or nothing unless "valid rows only"), dry run, hostile files refused with codes, and two
imports of one sheet at the same moment giving one set of organisations."""
import csv
import io
import threading
from datetime import timedelta
from types import SimpleNamespace

from fastapi.testclient import TestClient
from sqlalchemy import text

from api.clock import china_today
from api.main import create_app
from geo import creditcode
from tests.conftest import DEMO_PASSWORD, scalar

HEADERS = ["统一社会信用代码", "单位名称", "单位类型", "九小场所", "重点单位", "标准地址编码", "地址", "单元", "楼层",
           "房号", "法定代表人", "负责人", "联系电话", "开业日期", "经营状态", "消防检查日期", "备注"]


def code(n: int) -> str:
    return creditcode.make(f"92371698{800000000 + n:09d}")


def sheet(rows: list[dict], headers: list[str] = HEADERS) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=headers, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def post(client, headers, data: bytes, name: str = "单位.csv", **form):
    return client.post("/api/import/organisations", headers=headers, files={"file": (name, data, "text/csv")},
                       data={k: str(v).lower() if isinstance(v, bool) else v for k, v in form.items()})


def rows_of(area, n: int = 3) -> list[dict]:
    return [{"统一社会信用代码": code(i), "单位名称": f"导入测试商店{i}", "单位类型": "商店", "九小场所": "是",
             "重点单位": "否", "标准地址编码": area.buildings[i].std_address_code, "单元": "1", "楼层": "1",
             "房号": f"10{i}", "负责人": "周店长", "联系电话": "13905431234", "开业日期": "2020-05-01",
             "经营状态": "营业", "消防检查日期": "2026-03-01"} for i in range(n)]


def _counts(body) -> dict:
    return body["counts"]["organisations"]


def test_a_sheet_is_written_once_and_a_changed_cell_updates(client, user_headers, app_conn, app_area):
    headers = user_headers("admin")
    rows = rows_of(app_area)
    rows[2]["统一社会信用代码"] = ""  # matched by name in its building on the second import
    rows[2]["标准地址编码"], rows[2]["地址"] = "", app_area.buildings[2].address
    r = post(client, headers, sheet(rows))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["written"] is True and body["kind"] == "organisations" and body["error_count"] == 0
    assert _counts(body) == {"inserted": 3, "updated": 0, "unchanged": 0}
    stored = app_conn.execute(text(
        "SELECT kind, small_venue, key_unit, status, beat_id, room, opened_on FROM organisation "
        "WHERE name = '导入测试商店0'")).one()
    assert stored.kind == "shop" and stored.small_venue and not stored.key_unit and stored.status == "open"
    assert stored.beat_id == app_area.beat_id and stored.room == "100"
    again = post(client, headers, sheet(rows)).json()
    assert _counts(again) == {"inserted": 0, "updated": 0, "unchanged": 3}
    rows[1]["负责人"] = "吴经理"
    rows[2]["联系电话"] = ""  # an empty cell never erases the stored value
    third = post(client, headers, sheet(rows)).json()
    assert _counts(third) == {"inserted": 0, "updated": 1, "unchanged": 2}
    assert scalar(app_conn, "SELECT person_in_charge FROM organisation WHERE name = '导入测试商店1'") == "吴经理"
    assert scalar(app_conn, "SELECT phone FROM organisation WHERE name = '导入测试商店2'") == "13905431234"
    assert scalar(app_conn, "SELECT count(*) FROM audit_log WHERE action = 'import_organisations'") >= 3


def test_every_problem_of_a_row_in_one_pass_and_nothing_written(client, user_headers, app_conn, app_area):
    headers = user_headers("admin")
    rows = rows_of(app_area, 4)
    bad = rows[1]
    bad["统一社会信用代码"] = bad["统一社会信用代码"][:17] + ("0" if bad["统一社会信用代码"][17] != "0" else "1")
    bad.update({"单位类型": "钢铁联合体", "联系电话": "12345", "标准地址编码": "NO-SUCH-CODE", "楼层": "0",
                "开业日期": (china_today() + timedelta(days=3)).isoformat(), "九小场所": "也许"})
    rows[3]["统一社会信用代码"] = rows[0]["统一社会信用代码"]
    rows[2]["楼层"] = "99"  # the building has 6 floors
    body = post(client, headers, sheet(rows)).json()
    assert body["written"] is False and body["invalid_rows"] == 3
    problems = {(e["row"], e["problem"]) for e in body["errors"]}
    assert {(3, p) for p in ("credit_code_invalid", "not_allowed", "phone_format", "unknown_address",
                             "floor_zero", "date_in_future")} <= problems
    assert (4, "floor_outside_building") in problems and (5, "credit_code_duplicate") in problems
    assert scalar(app_conn, "SELECT count(*) FROM organisation WHERE name LIKE '导入测试商店%'") == 0
    dry = post(client, headers, sheet(rows), valid_only=True, dry_run=True).json()
    assert dry["written"] is False and _counts(dry)["inserted"] == 1
    assert scalar(app_conn, "SELECT count(*) FROM organisation WHERE name LIKE '导入测试商店%'") == 0
    kept = post(client, headers, sheet(rows), valid_only=True).json()
    assert kept["written"] is True and _counts(kept)["inserted"] == 1 and kept["invalid_rows"] == 3
    assert scalar(app_conn, "SELECT count(*) FROM organisation WHERE name LIKE '导入测试商店%'") == 1


def test_hostile_and_wrong_files_are_refused_with_codes(client, user_headers, app_area):
    rows = rows_of(app_area, 1)
    assert post(client, user_headers("officer"), sheet(rows)).status_code == 403
    headers = user_headers("admin")
    r = post(client, headers, sheet(rows, ["单位名称", "地址"]))
    assert r.status_code == 422 and r.json()["code"] == "import.missing_columns"
    r = post(client, headers, b"PK\x03\x04broken", name="单位.xlsx")
    assert r.status_code == 422 and r.json()["code"].startswith("import.")
    r = post(client, headers, b"MZ\x90\x00", name="单位.exe")
    assert r.status_code == 422 and r.json()["code"] == "import.unsupported_sheet"
    rows[0]["单位名称"] = "<img src=x onerror=alert(1)>\u0007"
    body = post(client, headers, sheet(rows)).json()
    assert body["written"] is False and body["errors"][0]["problem"] == "control_characters"


def test_two_imports_of_one_sheet_at_once_give_one_set_of_organisations(settings, owner_engine):
    with owner_engine.connect() as conn:
        codes = list(conn.execute(text(
            "SELECT std_address_code FROM building b WHERE std_address_code IS NOT NULL AND floors >= 1 "
            "AND units >= 1 AND NOT EXISTS (SELECT 1 FROM organisation o WHERE o.building_id = b.id) "
            "ORDER BY id LIMIT 3")).scalars())
    area = SimpleNamespace(buildings=[SimpleNamespace(std_address_code=c) for c in codes])
    rows = rows_of(area)
    for row in rows:
        row["统一社会信用代码"] = ""  # no unique key: only the import's lock keeps them single
    try:
        with TestClient(create_app(settings)) as client:
            r = client.post("/api/auth/token", data={"username": "admin", "password": DEMO_PASSWORD})
            headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
            barrier = threading.Barrier(2)
            answers: list = [None, None]

            def run(i: int) -> None:
                barrier.wait()
                answers[i] = post(client, headers, sheet(rows))

            threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(60)
            assert [a.status_code for a in answers] == [200, 200], [a.text for a in answers]
            counts = sorted((_counts(a.json())["inserted"], _counts(a.json())["unchanged"]) for a in answers)
            assert counts == [(0, 3), (3, 0)]
        with owner_engine.connect() as conn:
            assert scalar(conn, "SELECT count(*) FROM organisation WHERE name LIKE '导入测试商店%'") == 3
    finally:
        with owner_engine.begin() as conn:
            conn.execute(text("DELETE FROM organisation WHERE name LIKE '导入测试商店%'"))


def test_the_command_line_imports_an_organisations_sheet(db, area, tmp_path):
    """`holomap import organisations FILE` on the owner's connection (the operator's command)."""
    import argparse

    from api.imports import cli

    parser = argparse.ArgumentParser()
    cli.add_parser(parser.add_subparsers(dest="command"))
    path = tmp_path / "单位.csv"
    path.write_bytes(sheet(rows_of(area, 2)))
    args = parser.parse_args(["import", "organisations", str(path), "--dry-run"])
    assert _counts(cli._organisations(db, args).to_dict())["inserted"] == 2
    assert scalar(db, "SELECT count(*) FROM organisation WHERE name LIKE '导入测试商店%'") == 0
    report = cli._organisations(db, parser.parse_args(["import", "organisations", str(path)]))
    assert report.written and report.counts["organisations"]["inserted"] == 2
    assert scalar(db, "SELECT count(*) FROM organisation WHERE name LIKE '导入测试商店%'") == 2
