"""People spreadsheets: validation report, all-or-nothing, valid rows only, idempotent re-import."""
import pytest
from sqlalchemy import text

from api.errors import InvalidInput
from api.imports.people import import_people
from api.imports.sample import break_rows, people_rows, to_csv, to_xlsx
from tests.conftest import scalar

COUNTS = """
SELECT (SELECT count(*) FROM person) AS persons, (SELECT count(*) FROM household) AS households,
       (SELECT count(*) FROM vehicle) AS vehicles
"""


def counts(db) -> tuple:
    from sqlalchemy import text

    return tuple(db.execute(text(COUNTS)).one())


def broken_sample(area, n: int = 40):
    rows = people_rows(area.buildings, n, seed=3)
    expected = break_rows(rows)
    return rows, expected


def test_valid_csv_imports_everything_then_reimport_is_a_no_op(db, area):
    rows = people_rows(area.buildings, 60, seed=2)
    before = counts(db)
    report = import_people(connection=db, source=to_csv(rows), filename="people.csv")
    assert report.written and report.invalid_rows == 0, report.to_dict()["errors"]
    assert report.counts["persons"]["inserted"] == 60
    after = counts(db)
    assert after[0] - before[0] == 60
    beat = scalar(db, "SELECT DISTINCT h.beat_id FROM household h JOIN building b ON b.id = h.building_id "
                      "WHERE b.station_id = :s", s=area.station_id)
    assert beat == area.beat_id  # households take the beat covering their building
    again = import_people(connection=db, source=to_csv(rows), filename="people.csv")
    assert again.counts["persons"] == {"inserted": 0, "updated": 0, "unchanged": 60}
    assert again.counts["households"]["inserted"] == again.counts["households"]["updated"] == 0
    assert counts(db) == after


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_broken_rows_are_reported_and_nothing_is_written(db, area, fmt):
    rows, expected = broken_sample(area)
    data = to_csv(rows) if fmt == "csv" else to_xlsx(rows, title="某村实有人口台账")
    before = counts(db)
    report = import_people(connection=db, source=data, filename=f"people.{fmt}")
    assert not report.written
    assert counts(db) == before
    offset = 2 if fmt == "csv" else 3  # header on row 1 (or 2 below the title row)
    reported = {(e.row, e.column) for e in report.errors}
    for index, (column, _) in expected.items():
        assert (index + offset, column) in reported, (index, column, report.to_dict()["errors"])
    reasons = " ".join(e.reason for e in report.errors)
    for word in ("bad checksum", "gender does not match", "no such date", "birth date does not match",
                 "no building has this address", "duplicate ID number", "not a mobile number",
                 "not a plate number"):
        assert word in reasons


def test_valid_rows_only_writes_the_rest_and_is_idempotent(db, area):
    rows, expected = broken_sample(area)
    before = counts(db)
    report = import_people(connection=db, source=to_csv(rows), filename="people.csv", valid_only=True)
    assert report.written
    bad_rows = {e.row for e in report.errors}
    assert report.invalid_rows == len(bad_rows) >= len(expected)
    assert counts(db)[0] - before[0] == report.rows - report.invalid_rows
    for index in expected:
        ident = rows[index]["公民身份号码"]
        owner = scalar(db, "SELECT name FROM person WHERE id_number = :i", i=ident)
        assert owner is None or index == 11  # row 11 reuses the ID of row 0, which was imported
    middle = counts(db)
    again = import_people(connection=db, source=to_csv(rows), filename="people.csv", valid_only=True)
    assert again.counts["persons"]["inserted"] == again.counts["persons"]["updated"] == 0
    assert counts(db) == middle


def test_dry_run_counts_but_writes_nothing(db, area):
    rows = people_rows(area.buildings, 30, seed=5)
    before = counts(db)
    report = import_people(connection=db, source=to_csv(rows), filename="people.csv", dry_run=True)
    assert not report.written and report.counts["persons"]["inserted"] == 30
    assert counts(db) == before


def test_changed_rows_update_and_empty_cells_keep_stored_values(db, area):
    rows = people_rows(area.buildings, 10, seed=6)
    rows[0]["联系电话"] = "13800000001"
    import_people(connection=db, source=to_csv(rows), filename="p.csv")
    rows[0]["联系电话"] = ""
    rows[1]["姓名"] = "改名测试"
    report = import_people(connection=db, source=to_csv(rows), filename="p.csv")
    assert report.counts["persons"]["updated"] == 1
    phone = "SELECT phone FROM person WHERE id_number = :i"
    name = "SELECT name FROM person WHERE id_number = :i"
    assert scalar(db, phone, i=rows[0]["公民身份号码"]) == "13800000001"
    assert scalar(db, name, i=rows[1]["公民身份号码"]) == "改名测试"


def test_header_mapping_address_text_and_gbk(db, area):
    rows = people_rows(area.buildings, 12, seed=8, by_address=True)
    own = {"身份证号码（18位）": "公民身份号码", "户主姓名或本人姓名": "姓名"}
    theirs = {v: k for k, v in own.items()}
    renamed = [{theirs.get(k, k): v for k, v in r.items()} for r in rows]
    headers = list(renamed[0].keys())
    with pytest.raises(InvalidInput, match="missing required columns"):
        import_people(connection=db, source=to_csv(renamed, headers), filename="p.csv")
    gbk = to_csv(renamed, headers, encoding="gb18030")
    report = import_people(connection=db, source=gbk, filename="p.csv", mapping=own)
    assert report.written, report.to_dict()["errors"]
    assert report.counts["persons"]["inserted"] == 12


@pytest.mark.parametrize(("data", "name", "message"), [
    (b"a,b\n1,2\n", "people.txt", "unsupported file type"),
    (b"", "people.csv", "empty"),
    (b"PK\x03\x04garbage", "people.xlsx", "cannot be read"),
    ("标题\nx,y\n".encode(), "people.csv", "no header row"),
])
def test_bad_files_raise_clear_errors(db, data, name, message):
    with pytest.raises(InvalidInput, match=message):
        import_people(connection=db, source=data, filename=name)


def test_valid_only_counts_skip_the_rows_of_unplaceable_households(db, area):
    rows = people_rows(area.buildings, 30, seed=12)
    with_plate = [i for i, r in enumerate(rows) if r["车牌号"]]
    lost = with_plate[0]  # this resident's household gets an address no building has: row, plate skipped
    hukou = rows[lost]["户号"]
    members = [i for i, r in enumerate(rows) if r["户号"] == hukou]
    for i in members:
        rows[i]["标准地址编码"] = "NO-SUCH-ADDRESS-0002"
    plates = sum(1 for i in with_plate if i not in members)
    report = import_people(connection=db, source=to_csv(rows), filename="p.csv", valid_only=True,
                           chunk_rows=7)  # households and their problems span chunks
    assert report.written and report.invalid_rows == len(members)
    assert report.counts["persons"] == {"inserted": 30 - len(members), "updated": 0, "unchanged": 0}
    assert report.counts["vehicles"] == {"inserted": plates, "updated": 0, "unchanged": 0}
    assert scalar(db, "SELECT count(*) FROM vehicle WHERE plate = :p", p=rows[lost]["车牌号"]) == 0
    again = import_people(connection=db, source=to_csv(rows), filename="p.csv", valid_only=True, chunk_rows=7)
    assert again.counts["persons"] == {"inserted": 0, "updated": 0, "unchanged": 30 - len(members)}
    assert again.counts["vehicles"] == {"inserted": 0, "updated": 0, "unchanged": plates}
    assert again.counts["households"]["inserted"] == again.counts["households"]["updated"] == 0


@pytest.mark.parametrize("valid", [True, False])
def test_the_import_turns_jit_off_only_for_itself_and_times_its_steps(db, area, valid):
    rows = people_rows(area.buildings, 20, seed=13)
    if not valid:
        break_rows(rows)
    scalar(db, "SELECT set_config('jit', 'on', true)")
    report = import_people(connection=db, source=to_csv(rows), filename="p.csv")
    assert report.written is valid
    assert scalar(db, "SELECT current_setting('jit')") == "on"
    assert {"read file", "validate", "copy persons to staging", "match households"} <= set(report.timings)
    assert ("upsert persons" in report.timings) is valid
    assert report.to_dict()["timings"]["validate"] >= 0
    assert scalar(db, "SELECT current_setting('enable_hashjoin')") == "on"  # put back after the upsert


def test_the_residents_upsert_probes_person_instead_of_scanning_it(db):
    """Staged rows have no statistics: with hash joins allowed the planner hashed all of `person` (one
    sequential scan per chunk); the upsert runs with PROBES_ONLY and must probe the indexes."""
    from api.imports import queries

    raw = db.connection.driver_connection
    with raw.cursor() as cur:
        cur.execute(queries.CREATE_STAGING)
        cur.execute("INSERT INTO imp_person (row_no, hh_key, name, id_number) SELECT g, 'k' || g, '张三', "
                    "'11010519491231002X' FROM generate_series(1, 20000) g")
        cur.execute("INSERT INTO imp_hh (hh_key, chunk, target_id) SELECT 'k' || g, 1, g "
                    "FROM generate_series(1, 20000) g")
        cur.execute(queries.PROBES_ONLY)
        plan = "\n".join(r[0] for r in cur.execute("EXPLAIN " + queries.UPSERT_PERSONS, {"chunk": 1}))
        cur.execute(queries.DROP_STAGING)
    assert "Seq Scan on person" not in plan, plan
    assert "Index Scan using uq_person_id_number on person" in plan and "using pk_person on person" in plan


def test_valid_xlsx_imports_and_reimport_is_a_no_op(db, area):
    rows = people_rows(area.buildings, 25, seed=14)
    data = to_xlsx(rows, title="某村实有人口台账")
    report = import_people(connection=db, source=data, filename="people.xlsx")
    assert report.written and report.counts["persons"]["inserted"] == 25, report.to_dict()["errors"]
    again = import_people(connection=db, source=data, filename="people.xlsx")
    assert again.counts["persons"] == {"inserted": 0, "updated": 0, "unchanged": 25}


def test_households_are_matched_by_hukou_or_room(db, area):
    from sqlalchemy import text

    rows = people_rows(area.buildings[:1], 2, seed=15)
    rows = [rows[0], {**rows[1], "户号": "HROOM000002", "房号": "999", "单元": rows[0]["单元"],
                      "楼层": rows[0]["楼层"]}]
    rows[0]["房号"], rows[0]["户号"] = "888", "HROOM000001"
    building = scalar(db, "SELECT id FROM building WHERE std_address_code = :c", c=rows[0]["标准地址编码"])
    insert = text("INSERT INTO household (building_id, unit, floor, room, hukou_no, kind) "
                  "VALUES (:b, :u, :f, :r, :h, 'owner') RETURNING id")
    place = {"b": building, "u": int(rows[0]["单元"]), "f": int(rows[0]["楼层"])}
    without_hukou = db.execute(insert, {**place, "r": "888", "h": None}).scalar_one()
    db.execute(insert, {**place, "r": "999", "h": "HOTHER00001"})
    report = import_people(connection=db, source=to_csv(rows), filename="p.csv", valid_only=True)
    assert report.written and report.invalid_rows == 1
    taken = report.errors[0]
    assert taken.row == 3 and "HOTHER00001" in taken.reason  # the room belongs to another 户号
    # the 户号 took over the room whose stored household had none: same household, no new one
    assert scalar(db, "SELECT hukou_no FROM household WHERE id = :i", i=without_hukou) == "HROOM000001"
    assert report.counts["households"] == {"inserted": 0, "updated": 1, "unchanged": 0}
    owner = "SELECT household_id FROM person WHERE id_number = :n"
    assert scalar(db, owner, n=rows[0]["公民身份号码"]) == without_hukou
    again = import_people(connection=db, source=to_csv(rows[:1]), filename="p.csv")
    assert again.counts["households"] == {"inserted": 0, "updated": 0, "unchanged": 1}  # now found by 户号


def test_a_plate_stored_for_another_resident_is_reported_not_moved(db, area):
    rows = [r for r in people_rows(area.buildings, 200, seed=21) if r["车牌号"]][:2]
    first, second = rows
    report = import_people(connection=db, source=to_csv([first]), filename="p.csv")
    assert report.written and report.counts["vehicles"]["inserted"] == 1
    plate = first["车牌号"]
    owner = ("SELECT p.id_number FROM vehicle v JOIN person p ON p.id = v.owner_person_id "
             "WHERE v.plate = :plate")
    claim = {**second, "车牌号": plate}
    before = counts(db)
    report = import_people(connection=db, source=to_csv([claim]), filename="p.csv")
    assert not report.written and counts(db) == before
    (error,) = report.errors
    assert (error.row, error.column, error.value) == (2, "车牌号", plate)
    assert "registered to another resident" in error.reason and first["公民身份号码"] not in error.reason
    assert first["公民身份号码"][:4] in error.reason  # the stored owner, masked
    report = import_people(connection=db, source=to_csv([claim]), filename="p.csv", valid_only=True)
    assert report.invalid_rows == 1 and not report.written  # its only row is skipped
    assert scalar(db, owner, plate=plate) == first["公民身份号码"]
    # the owner's own sheet, imported again, keeps the plate without a complaint
    again = import_people(connection=db, source=to_csv([first]), filename="p.csv")
    assert again.invalid_rows == 0 and again.counts["vehicles"] == {"inserted": 0, "updated": 0, "unchanged": 1}


@pytest.mark.parametrize("valid_only", [False, True])
def test_a_row_reports_every_problem_in_one_pass(db, area, valid_only):
    """A bad ID number AND an unknown address on one row: both in the first report (issue 19), counted as one
    invalid row. The address of a row already invalid in Python is matched in SQL too."""
    rows = people_rows(area.buildings, 12, seed=21)
    bad = 3
    members = [i for i, r in enumerate(rows) if r["户号"] == rows[bad]["户号"]]
    for i in members:
        rows[i]["标准地址编码"] = "NO-SUCH-ADDRESS-0019"
    id_number = rows[bad]["公民身份号码"]
    rows[bad]["公民身份号码"] = id_number[:-1] + ("0" if id_number[-1] != "0" else "1")  # checksum broken
    report = import_people(connection=db, source=to_csv(rows), filename="p.csv", valid_only=valid_only,
                           chunk_rows=5)  # the bad row's chunk and its household's may differ
    by_row: dict[int, list[str]] = {}
    for e in report.errors:
        by_row.setdefault(e.row, []).append(f"{e.column}: {e.reason}")
    problems = by_row[bad + 2]  # the header is row 1
    assert any(p.startswith("公民身份号码") for p in problems), problems
    assert any(p.startswith("标准地址编码") and "no building has this address" in p for p in problems), problems
    for i in members:
        assert any("no building has this address" in p for p in by_row[i + 2]), (i, by_row)
    assert report.rows == 12 and report.invalid_rows == len(members)  # each row counted once
    assert report.written is valid_only


def test_document_columns_are_imported_and_their_problems_reported_per_row(db, area):
    """户籍地址, 居住证 and travel documents (issue 17): imported, and every bad cell of a row reported."""
    rows = people_rows(area.buildings, 6, seed=11)
    for row in rows:
        row.update({"户籍地址": "河南省虞城县某村1号", "居住证号": "鲁居２０２６0001", "居住证有效期至": "2027-01-31",
                    "证件类型": "护照", "护照/通行证号": "e1234567", "签证有效期至": "2026/12/20"})
    report = import_people(connection=db, source=to_csv(rows), filename="people.csv")
    assert report.written and report.invalid_rows == 0, report.to_dict()["errors"]
    stored = db.execute(text("SELECT DISTINCT registered_address, permit_no, permit_expires::text, document_kind, "
                             "document_no, visa_expires::text FROM person WHERE id_number = ANY(:ids)"),
                        {"ids": [r["公民身份号码"] for r in rows]}).all()
    assert stored == [("河南省虞城县某村1号", "鲁居20260001", "2027-01-31", "passport", "E1234567", "2026-12-20")]
    bad = people_rows(area.buildings, 2, seed=12, first_serial=500)
    bad[0].update({"居住证有效期至": "2027-02-30", "证件类型": "驾照", "护照/通行证号": "<b>"})
    report = import_people(connection=db, source=to_csv(bad), filename="people.csv")
    assert not report.written
    assert {e.column for e in report.errors if e.row == 2} == {"居住证有效期至", "证件类型", "护照/通行证号"}


def test_landlord_and_lease_columns_land_on_the_household(db, area):
    """出租屋: 房东姓名/房东电话/租期开始/租期结束 on the household; an empty cell keeps the stored value; a lease
    ending before it starts is the row's problem."""
    rows = people_rows(area.buildings, 6, seed=5)
    first = rows[0]
    for row in rows:
        if row["户号"] == first["户号"]:
            row.update({"户类型": "出租", "房东姓名": "赵房东", "房东电话": "13905431234",
                        "租期开始": "2026-01-01", "租期结束": "2027-01-01"})
    report = import_people(connection=db, source=to_csv(rows), filename="people.csv")
    assert report.written, report.to_dict()["errors"]
    stored = db.execute(text("SELECT kind, landlord_name, landlord_phone, lease_start::text, lease_end::text "
                             "FROM household WHERE hukou_no = :h"), {"h": first["户号"]}).one()
    assert tuple(stored) == ("rental", "赵房东", "13905431234", "2026-01-01", "2027-01-01")
    for row in rows:
        row["房东电话"] = ""
    again = import_people(connection=db, source=to_csv(rows), filename="people.csv")
    assert again.counts["households"]["updated"] == 0
    assert scalar(db, "SELECT landlord_phone FROM household WHERE hukou_no = :h", h=first["户号"]) == "13905431234"
    rows[0]["租期结束"] = "2025-06-30"
    broken = import_people(connection=db, source=to_csv(rows), filename="people.csv")
    assert not broken.written
    assert [(e.row, e.problem) for e in broken.errors] == [(2, "lease_end_early")]


def test_a_landlord_registered_in_the_sheet_is_linked_and_a_bad_landlord_id_is_reported(db, area):
    rows = people_rows(area.buildings, 6, seed=6)
    landlord = rows[-1]
    tenant_household = rows[0]["户号"]
    assert landlord["户号"] != tenant_household
    rows[0].update({"户类型": "出租", "房东姓名": landlord["姓名"], "房东身份证号": landlord["公民身份号码"]})
    report = import_people(connection=db, source=to_csv(rows), filename="people.csv")
    assert report.written, report.to_dict()["errors"]
    linked = scalar(db, "SELECT p.id_number FROM household h JOIN person p ON p.id = h.landlord_person_id "
                        "WHERE h.hukou_no = :h", h=tenant_household)
    assert linked == landlord["公民身份号码"]
    again = import_people(connection=db, source=to_csv(rows), filename="people.csv")
    assert again.counts["households"]["updated"] == 0
    rows[0]["房东身份证号"] = landlord["公民身份号码"][:17] + ("0" if landlord["公民身份号码"][17] != "0" else "1")
    broken = import_people(connection=db, source=to_csv(rows), filename="people.csv")
    assert [(e.row, e.column, e.problem) for e in broken.errors] == [(2, "房东身份证号", "id_checksum")]
