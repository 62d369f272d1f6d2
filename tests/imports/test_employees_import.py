"""POST /api/import/employees: the 从业人员 sheet — employees linked to registered organisations (by credit code,
or name and address), validate then write with every problem of a row in one pass, idempotent, atomic, linked
to the registered resident of the same ID number, hostile input refused with codes; the command line."""
import argparse
import csv
import io
from datetime import timedelta

from sqlalchemy import text

from api.clock import china_today
from api.imports import cli
from geo import idnumber
from tests.conftest import scalar
from tests.imports.test_organisations_import import post as post_orgs
from tests.imports.test_organisations_import import rows_of
from tests.imports.test_organisations_import import sheet as org_sheet

HEADERS = ["统一社会信用代码", "单位名称", "标准地址编码", "地址", "姓名", "公民身份号码", "岗位", "入职日期",
           "联系电话", "离职日期"]


def person_id(n: int, male: bool = True) -> str:
    from datetime import date
    return idnumber.make("371602", date(1990, 1, 1) + timedelta(days=n), 100 + n, "M" if male else "F")


def sheet(rows: list[dict], headers: list[str] = HEADERS) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=headers, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def post(client, headers, data: bytes, name: str = "从业人员.csv", **form):
    return client.post("/api/import/employees", headers=headers, files={"file": (name, data, "text/csv")},
                       data={k: str(v).lower() if isinstance(v, bool) else v for k, v in form.items()})


def organisations(client, headers, area) -> list[dict]:
    """Three organisations registered by the organisations import (the third without a credit code)."""
    orgs = rows_of(area)
    orgs[2]["统一社会信用代码"] = ""
    assert post_orgs(client, headers, org_sheet(orgs)).json()["written"] is True
    return orgs


def employees(orgs: list[dict]) -> list[dict]:
    return [
        {"统一社会信用代码": orgs[0]["统一社会信用代码"], "姓名": "赵店员", "公民身份号码": person_id(1),
         "岗位": "店员", "入职日期": "2024-03-01", "联系电话": "13905431111"},
        {"统一社会信用代码": orgs[0]["统一社会信用代码"], "姓名": "钱收银", "公民身份号码": person_id(2, False),
         "岗位": "收银员", "入职日期": "2025-01-10"},
        {"单位名称": orgs[2]["单位名称"], "标准地址编码": orgs[2]["标准地址编码"], "姓名": "孙厨师",
         "公民身份号码": person_id(3), "岗位": "厨师"},
    ]


def _counts(body) -> dict:
    return body["counts"]["employees"]


def test_employees_are_written_once_linked_and_a_changed_cell_updates(client, user_headers, app_conn, app_area):
    headers = user_headers("admin")
    orgs = organisations(client, headers, app_area)
    rows = employees(orgs)
    household = app_conn.execute(text(
        "INSERT INTO household (building_id, unit, floor, room, kind) SELECT id, 1, 2, '201', 'owner' "
        "FROM building WHERE std_address_code = :c RETURNING id"), {"c": app_area.buildings[5].std_address_code}
    ).scalar_one()
    resident = app_conn.execute(text(
        "INSERT INTO person (household_id, name, id_number, gender, birth_date, residency) "
        "VALUES (:h, '赵店员', :n, 'M', :b, 'registered') RETURNING id"),
        {"h": household, "n": person_id(1), "b": idnumber.parse(person_id(1)).birth_date}).scalar_one()
    r = post(client, headers, sheet(rows))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["kind"] == "employees" and body["written"] is True and body["error_count"] == 0, body
    assert _counts(body) == {"inserted": 3, "updated": 0, "unchanged": 0}
    stored = app_conn.execute(text(
        "SELECT o.name AS organisation, e.name, e.role, e.since, e.person_id, e.phone FROM organisation_employee e "
        "JOIN organisation o ON o.id = e.organisation_id WHERE e.id_number = :n"), {"n": person_id(1)}).one()
    assert (stored.organisation, stored.name, stored.role, str(stored.since), stored.person_id, stored.phone) == (
        orgs[0]["单位名称"], "赵店员", "店员", "2024-03-01", resident, "13905431111")
    assert scalar(app_conn, "SELECT o.name FROM organisation_employee e JOIN organisation o ON o.id = "
                  "e.organisation_id WHERE e.id_number = :n", n=person_id(3)) == orgs[2]["单位名称"]
    # the same sheet again changes nothing; a changed cell updates; an empty cell never erases
    assert _counts(post(client, headers, sheet(rows)).json()) == {"inserted": 0, "updated": 0, "unchanged": 3}
    rows[1]["离职日期"] = "2026-06-30"
    rows[0]["联系电话"] = ""
    assert _counts(post(client, headers, sheet(rows)).json()) == {"inserted": 0, "updated": 1, "unchanged": 2}
    assert str(scalar(app_conn, "SELECT left_on FROM organisation_employee WHERE id_number = :n",
                      n=person_id(2, False))) == "2026-06-30"
    assert scalar(app_conn, "SELECT phone FROM organisation_employee WHERE id_number = :n",
                  n=person_id(1)) == "13905431111"
    assert scalar(app_conn, "SELECT count(*) FROM audit_log WHERE action = 'import_employees'") >= 3


def test_every_problem_of_a_row_in_one_pass_and_nothing_written(client, user_headers, app_conn, app_area):
    headers = user_headers("admin")
    orgs = organisations(client, headers, app_area)
    rows = employees(orgs)
    good = person_id(7)
    rows += [
        {"统一社会信用代码": orgs[1]["统一社会信用代码"], "姓名": "",
         "公民身份号码": good[:17] + ("0" if good[17] != "0" else "1"),
         "入职日期": (china_today() + timedelta(days=2)).isoformat(), "联系电话": "999"},
        {"单位名称": "不存在的单位", "标准地址编码": orgs[1]["标准地址编码"], "姓名": "李某",
         "公民身份号码": person_id(8)},
        {"姓名": "周某", "公民身份号码": "3.71602E+17"},
        {"统一社会信用代码": orgs[0]["统一社会信用代码"], "姓名": "赵店员", "公民身份号码": person_id(1),
         "入职日期": "2025-05-01", "离职日期": "2025-01-01"},
        {"单位名称": orgs[1]["单位名称"], "姓名": "吴某", "公民身份号码": person_id(9)},
    ]
    body = post(client, headers, sheet(rows)).json()
    assert body["written"] is False and body["invalid_rows"] == 5, body
    problems = {(e["row"], e["problem"]) for e in body["errors"]}
    assert {(5, "required"), (5, "id_checksum"), (5, "date_in_future"), (5, "phone_format")} <= problems
    assert (6, "unknown_organisation") in problems
    assert {(7, "id_as_number"), (7, "organisation_required")} <= problems
    assert (8, "left_before_since") in problems and (9, "address_required") in problems
    assert body["errors_by_reason"]["unknown_organisation"] == 1
    from api.labels import labels  # every problem named in Chinese (admin.row_problems and problem_names)
    words = labels()["admin"]
    assert {p for _, p in problems} <= set(words["row_problems"]) & set(words["problem_names"])
    assert {"ambiguous_organisation", "employee_duplicate"} <= set(words["row_problems"]) & set(words["problem_names"])
    assert scalar(app_conn, "SELECT count(*) FROM organisation_employee WHERE name IN ('赵店员', '钱收银')") == 0
    # the ID number is masked in the report the admin sees
    assert all("*" in e["value"] for e in body["errors"] if e["column"] == "公民身份号码" and len(e["value"]) >= 10)
    rows[6]["离职日期"] = ""  # row 8: now the same employee as row 2
    again = post(client, headers, sheet(rows), valid_only=True).json()
    assert again["written"] is True and _counts(again)["inserted"] == 3
    assert {(e["row"], e["problem"]) for e in again["errors"]} >= {(8, "employee_duplicate")}
    assert scalar(app_conn, "SELECT count(*) FROM organisation_employee WHERE name IN ('赵店员', '钱收银')") == 2


def test_hostile_and_wrong_files_are_refused_with_codes(client, user_headers, app_area):
    rows = employees(rows_of(app_area))
    assert post(client, user_headers("officer"), sheet(rows)).status_code == 403
    headers = user_headers("admin")
    r = post(client, headers, sheet(rows, ["单位名称", "姓名"]))
    assert r.status_code == 422 and r.json()["code"] == "import.missing_columns"
    r = post(client, headers, b"PK\x03\x04broken", name="人员.xlsx")
    assert r.status_code == 422 and r.json()["code"].startswith("import.")
    r = post(client, headers, sheet(rows), mapping="[1]")
    assert r.status_code == 422 and r.json()["code"] == "import.mapping_not_object"
    r = post(client, headers, sheet(rows).replace(b"\xe8\xb5\xb5", b"\x00"))  # a NUL byte in the file
    assert r.status_code == 422 and r.json()["code"].startswith("import."), r.text
    rows[0]["姓名"] = "<script>x</script>\u0007"
    rows[0]["岗位"] = "长" * 80
    body = post(client, headers, sheet(rows)).json()
    assert body["written"] is False
    assert {"control_characters", "too_long"} <= {e["problem"] for e in body["errors"] if e["row"] == 2}


def test_the_command_line_imports_an_employees_sheet(db, area, tmp_path):
    """`holomap import employees FILE` on the owner's connection (the operator's command)."""
    parser = argparse.ArgumentParser()
    cli.add_parser(parser.add_subparsers(dest="command"))
    orgs_path, path = tmp_path / "单位.csv", tmp_path / "从业人员.csv"
    orgs = rows_of(area)
    orgs_path.write_bytes(org_sheet(orgs))
    assert cli._organisations(db, parser.parse_args(["import", "organisations", str(orgs_path)])).written
    path.write_bytes(sheet(employees(orgs)[:2]))
    dry = cli._employees(db, parser.parse_args(["import", "employees", str(path), "--dry-run"]))
    assert dry.counts["employees"]["inserted"] == 2 and not dry.written
    report = cli._employees(db, parser.parse_args(["import", "employees", str(path)]))
    assert report.written and report.counts["employees"]["inserted"] == 2
    assert scalar(db, "SELECT count(*) FROM organisation_employee WHERE name IN ('赵店员', '钱收银')") == 2
