"""The seed's controlled data-quality defects (issue 17): the 数据质量 board of the seeded demo has work in
every check, the resident defects in stable numbers; the generator makes them per station (the county path)."""
import numpy as np
from sqlalchemy import text
from sqlalchemy.engine import Connection

import seed
from api.quality.queries import ITEMS
from seed import defects
from seed.idnumbers import is_valid
from seed.tables import Table

BOARD = """
SELECT check_code, sum(failing)::int FROM holomap_quality_counts(
  (SELECT array_agg(b.id) FROM beat b JOIN beat_plan p ON p.id = b.plan_id AND p.status = 'published'),
  CAST(:today AS date)) GROUP BY 1
"""


def test_every_check_of_the_seeded_board_has_work(db: Connection) -> None:
    failing = dict(db.execute(text(BOARD), {"today": seed.ANCHOR}).all())
    assert set(failing) == set(ITEMS)
    assert {c: n for c, n in failing.items() if n <= 0} == {}
    stations = db.execute(text("SELECT count(*) FROM station")).scalar()
    assert failing["person_duplicate"] == 2 * defects.DUPLICATE_PAIRS * stations
    assert failing["person_id_conflict"] == (defects.MOVE_IN_CONFLICTS + defects.REGION_CONFLICTS) * stations


def _persons(n: int, rng: np.random.Generator) -> tuple[Table, dict]:
    birth = np.datetime64("1980-01-01") + rng.integers(0, 40, n).astype("timedelta64[D]")
    male = rng.random(n) < 0.5
    residency = np.where(rng.random(n) < 0.3, "floating", "registered")
    moved_in = np.where(residency == "registered", np.datetime64("NaT", "D"), np.datetime64("2020-05-01", "D"))
    hh = np.arange(n) // 2
    table = Table("person", {"household_id": hh + 1, "name": [f"人{i}" for i in range(n)],
                             "id_number": [f"{i:018d}" for i in range(n)], "moved_in": moved_in})
    return table, {"person_station": hh % 3, "household_tenure": np.full(n // 2 + 1, "owner", dtype=object),
                   "birth": birth, "male": male, "residency": residency}


def test_the_generator_makes_each_defect_per_station() -> None:
    table, facts = _persons(3_000, np.random.default_rng(1))
    before = {k: list(v) for k, v in table.columns.items()}
    made = defects.add_register_defects(np.random.default_rng(2), table, **facts)
    assert made == {"duplicate_pairs": 3 * defects.DUPLICATE_PAIRS, "move_in_conflicts": 3 * defects.MOVE_IN_CONFLICTS,
                    "region_conflicts": 3 * defects.REGION_CONFLICTS}
    names, station, birth = table.columns["name"], facts["person_station"], facts["birth"]
    for s in range(3):
        mine = np.flatnonzero(station == s)
        keys = [(names[p], birth[p]) for p in mine]
        assert len(keys) - len(set(keys)) == defects.DUPLICATE_PAIRS
        early = [p for p in mine if table.columns["moved_in"][p] < birth[p]]
        assert len(early) == defects.MOVE_IN_CONFLICTS
    changed = [p for p, (a, b) in enumerate(zip(before["id_number"], table.columns["id_number"], strict=True))
               if a != b]
    assert len(changed) == 3 * defects.REGION_CONFLICTS
    for p in changed:  # a valid number, the record's birth date, another region
        number = table.columns["id_number"][p]
        assert is_valid(number) and number.startswith("10")
        assert number[6:14] == str(birth[p]).replace("-", "")
        assert int(number[16]) % 2 == int(facts["male"][p])
    # nothing else changed: the households, and every name that is not a duplicate's
    assert list(table.columns["household_id"]) == before["household_id"]
    assert sum(a != b for a, b in zip(before["name"], names, strict=True)) == 3 * defects.DUPLICATE_PAIRS


def test_the_generator_is_deterministic() -> None:
    runs = []
    for _ in range(2):
        table, facts = _persons(600, np.random.default_rng(5))
        defects.add_register_defects(np.random.default_rng(6), table, **facts)
        runs.append((table.columns["name"], table.columns["id_number"], table.columns["moved_in"].tolist()))
    assert runs[0] == runs[1]
