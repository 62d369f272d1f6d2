"""Benchmark: people import end to end (read CSV, validate, COPY, upsert) against a raw COPY of the same rows.

    set -a; . .holomap/holomap_test.env; set +a; .venv/bin/python bench/import.py [--rows 100000]

Everything happens in one transaction on the owner's connection that is rolled back at the end: a
synthetic area (station, village, buildings, published beat) is created, a sample spreadsheet with
--rows residents is written to a temporary file, then for each repeat
  - baseline: COPY the residents' person columns straight into `person` (no validation, no households),
  - import:   api.imports.people.import_people on the file (households, residents, vehicles),
each inside a savepoint rolled back afterwards. Prints rows/s of both and their ratio; goal ≥100,000/s.
"""
import argparse
import gc
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api.config import Settings  # noqa: E402
from api.imports.fixtures import create_area  # noqa: E402
from api.imports.people import import_people  # noqa: E402
from api.imports.sample import people_rows, to_csv  # noqa: E402
from api.imports.template import RESIDENCY  # noqa: E402

GOAL = 100_000
BASELINE_COPY = "COPY person (name, id_number, gender, birth_date, phone, residency) FROM STDIN"


def baseline_lines(rows: list[dict[str, str]]) -> str:
    """The person columns of the rows in COPY text format (prepared before timing)."""
    out = []
    for r in rows:
        ident = r["公民身份号码"]
        out.append("\t".join((r["姓名"], ident, "M" if int(ident[16]) % 2 else "F",
                              f"{ident[6:10]}-{ident[10:12]}-{ident[12:14]}", r["联系电话"] or "\\N",
                              RESIDENCY[r["人口类型"]])))
    return "\n".join(out) + "\n"


def timed_baseline(raw, data: str) -> float:
    with raw.cursor() as cur:
        cur.execute("SAVEPOINT bench")
        started = time.perf_counter()
        with cur.copy(BASELINE_COPY) as copy:
            copy.write(data)
        seconds = time.perf_counter() - started
        cur.execute("ROLLBACK TO SAVEPOINT bench")
    return seconds


def timed_import(conn, raw, path: Path) -> tuple[float, dict]:
    with raw.cursor() as cur:
        cur.execute("SAVEPOINT bench")
    started = time.perf_counter()
    report = import_people(connection=conn, source=path, filename=path.name)
    seconds = time.perf_counter() - started
    with raw.cursor() as cur:
        cur.execute("ROLLBACK TO SAVEPOINT bench")
    assert report.written and report.invalid_rows == 0, report.to_dict()["errors"][:5]
    return seconds, report.counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--buildings", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    engine = create_engine(Settings().owner_url)
    with engine.connect() as conn, tempfile.TemporaryDirectory() as tmp:
        trans = conn.begin()
        raw = conn.connection.driver_connection
        area = create_area(conn, prefix="BENCHIMP", n_buildings=args.buildings, lon=118.5, lat=37.7)
        # a region code the demo seed does not use, so that the rows are new to the database
        rows = people_rows(area.buildings, args.rows, seed=7, region="650104")
        path = Path(tmp) / "people.csv"
        path.write_bytes(to_csv(rows))
        copy_data = baseline_lines(rows)
        print(f"[bench] {args.rows} residents, {len(path.read_bytes()) / 1e6:.1f} MB CSV, "
              f"{args.buildings} buildings")
        best_copy = best_import = float("inf")
        for attempt in range(1, args.repeat + 1):
            gc.collect()
            copy_s = timed_baseline(raw, copy_data)
            import_s, counts = timed_import(conn, raw, path)
            best_copy, best_import = min(best_copy, copy_s), min(best_import, import_s)
            print(f"[bench] run {attempt}: raw COPY into person {args.rows / copy_s:,.0f} rows/s; "
                  f"import end to end {args.rows / import_s:,.0f} residents/s ({counts})")
        trans.rollback()
    copy_rate, import_rate = args.rows / best_copy, args.rows / best_import
    print(f"[bench] baseline raw COPY (person only, no validation): {copy_rate:,.0f} rows/s")
    print(f"[bench] import end to end (read + validate + COPY + upsert households/residents/vehicles): "
          f"{import_rate:,.0f} residents/s = {import_rate / copy_rate:.2f}× raw COPY; goal {GOAL:,}/s "
          f"{'met' if import_rate >= GOAL else 'NOT met'}")


if __name__ == "__main__":
    main()
