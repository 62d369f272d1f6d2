"""CSV exports never hand a spreadsheet a formula (penetration test, issue 14, item 5).

`=cmd|' /C calc'!A0` stored as a resident's name came back as-is from residents.csv. Every CSV export is
checked with text starting with each of = + - @ tab CR stored in its text columns; numbers stay numbers.
"""
import csv
import io

import pytest
from sqlalchemy import text

from api.exports.formulas import inert_cell
from tests.exports.test_exports import load_people

PAYLOADS = ["=cmd|' /C calc'!A0", "+1+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0",
            "\t=1+1", "\r=1+1"]
LAYER_TEXT = {  # layer → UPDATE setting its text columns to :a / :b for the test area's rows
    "stations": "UPDATE station SET name = :a, address = :b WHERE id = :station",
    "villages": "UPDATE village SET name = :a, code = :b WHERE station_id = :station",
    "beats": "UPDATE beat SET name = :a, code = :b WHERE id = :beat",
    "buildings": "UPDATE building SET address = :a, std_address_code = :b WHERE station_id = :station",
}


def cells(body: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.lstrip("\ufeff"), newline="")))


def assert_inert(rows: list[list[str]], payloads: list[str]) -> None:
    found = [c for row in rows for c in row]
    for payload in payloads:
        assert "'" + payload in found, (payload, rows[:3])
    assert not [c for c in found if c[:1] in ("=", "+", "@", "\t", "\r")]
    assert not [c for c in found if c.startswith("-") and not _number(c)]


def _number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def test_inert_cell_rule():
    assert [inert_cell(p) for p in PAYLOADS] == ["'" + p for p in PAYLOADS]
    assert inert_cell(-1) == -1 and inert_cell(-118.5) == -118.5  # typed numbers are left alone
    assert inert_cell("张三") == "张三" and inert_cell("") == "" and inert_cell(None) is None
    assert inert_cell("a=b") == "a=b"  # only the first character starts a formula


@pytest.mark.parametrize("layer", list(LAYER_TEXT))
@pytest.mark.parametrize("pair", [(0, 1), (2, 3), (4, 5)])
def test_layer_csv_exports_neutralise_formulas(client, user_headers, app_conn, app_area, layer, pair):
    a, b = PAYLOADS[pair[0]], PAYLOADS[pair[1]]
    if layer == "beats" or layer == "stations":
        app_conn.execute(text(LAYER_TEXT[layer]), {"a": a, "b": b, "station": app_area.station_id,
                                                   "beat": app_area.beat_id})
    else:  # several rows: unique codes
        app_conn.execute(text(LAYER_TEXT[layer].replace(":b", ":b || id")),
                         {"a": a, "b": b, "station": app_area.station_id})
    r = client.get(f"/api/export/{layer}.csv", headers=user_headers("planner", station_id=app_area.station_id))
    assert r.status_code == 200, r.text
    rows = cells(r.text)
    assert_inert(rows, [a] if layer in ("villages", "buildings") else [a, b])
    assert any(c.startswith("'" + b) for row in rows for c in row)


def test_residents_csv_neutralises_formulas(client, user_headers, app_conn, app_area):
    rows = load_people(app_conn, app_area, n=6)
    ids = [r["公民身份号码"] for r in rows]
    relations = [p[:16] for p in PAYLOADS]  # relation_to_head holds 16 characters
    for number, name, relation in zip(ids, PAYLOADS, reversed(relations), strict=False):
        app_conn.execute(text("UPDATE person SET name = :n, relation_to_head = :r WHERE id_number = :i"),
                         {"n": name, "r": relation, "i": number})
    app_conn.execute(text("UPDATE household SET room = '-1', floor = -1 WHERE id = (SELECT household_id FROM "
                          "person WHERE id_number = :i)"), {"i": ids[0]})
    officer = user_headers("officer", station_id=app_area.station_id, beat_id=app_area.beat_id)
    for query in ("", "?reveal=true&reason=核查"):
        r = client.get(f"/api/export/residents.csv{query}", headers=officer)
        assert r.status_code == 200, r.text
        exported = cells(r.text)
        assert_inert(exported, PAYLOADS + relations)
        row = next(row for row in exported if row[1] == "'" + PAYLOADS[0])
        assert row[12] == "-1"  # the floor, a number, is still a number
        assert row[13] == "'-1"  # the room is text
