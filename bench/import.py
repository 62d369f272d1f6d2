"""Benchmark: people import end to end (read file, validate, COPY, upsert, commit) against a raw COPY of the rows.

    scripts/bootstrap-db.sh holomap_importbench   # once: a scratch database of your own (then migrate, seed)
    set -a; . .holomap/holomap_importbench.env; set +a; .venv/bin/python bench/import.py [--rows 100000]

A synthetic area (station, village, buildings, published beat) is created, a sample spreadsheet with
--rows residents is written to a temporary CSV (and XLSX) file, then for each repeat
  - baseline: COPY the residents' person columns straight into `person` (prepared text in memory, no
    validation, no households, no vehicles) and commit,
  - import:   api.imports.people.import_people on the CSV file (read, validate, households, residents,
    vehicles) and commit; likewise the XLSX file; and the CSV file imported again on top of itself (the
    idempotent re-import: everything unchanged),
and the rows of each run are deleted again (untimed) before the next. That happens on the scratch database
holomap_importbench (or with --commit); on any other database (shared: holomap_test, holomap_county) each
run is rolled back instead and the figure excludes COMMIT (a WAL flush, ~ms). Prints rows/s
(best and median of the repeats), the ratio to the raw COPY of the same run, and where the import's time
goes (the median CSV run's steps; Python reads and validates in one thread while the database loads the
previous chunk in another, so the steps overlap). Goal: ≥100,000 residents/s.
"""
import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api.config import Settings  # noqa: E402
from api.imports.fixtures import create_area  # noqa: E402
from api.imports.people import import_people  # noqa: E402
from api.imports.sample import people_rows, to_csv, to_xlsx  # noqa: E402
from api.imports.template import RESIDENCY  # noqa: E402

GOAL = 100_000
PREFIX = "BENCHIMP"
SCRATCH_DB = "holomap_importbench"  # committed runs by default only here: other databases are shared
BASELINE_COPY = "COPY person (name, id_number, gender, birth_date, phone, residency) FROM STDIN"
MAX_IDS = "SELECT (SELECT max(id) FROM person), (SELECT max(id) FROM household), (SELECT max(id) FROM vehicle)"
CLEANUP = (
    "DELETE FROM vehicle WHERE id > %(vehicle)s OR owner_person_id > %(person)s",
    "DELETE FROM person WHERE id > %(person)s",
    "DELETE FROM household WHERE id > %(household)s",
)
_AREA_HOUSEHOLDS = ("SELECT h.id FROM household h JOIN building b ON b.id = h.building_id JOIN station s"
                    " ON s.id = b.station_id WHERE s.code = %(station)s")
DROP_AREA = (
    f"DELETE FROM vehicle WHERE household_id IN ({_AREA_HOUSEHOLDS})",
    f"DELETE FROM person WHERE household_id IN ({_AREA_HOUSEHOLDS})",
    "DELETE FROM person WHERE household_id IS NULL AND left(id_number, 6) = '650104'",  # raw COPY rows
    f"DELETE FROM household WHERE id IN ({_AREA_HOUSEHOLDS})",
    "DELETE FROM building WHERE station_id IN (SELECT id FROM station WHERE code = %(station)s)",
    "DELETE FROM beat WHERE plan_id IN (SELECT p.id FROM beat_plan p JOIN station s ON s.id = p.station_id"
    " WHERE s.code = %(station)s)",
    "DELETE FROM beat_plan WHERE station_id IN (SELECT id FROM station WHERE code = %(station)s)",
    "DELETE FROM village WHERE station_id IN (SELECT id FROM station WHERE code = %(station)s)",
    "DELETE FROM station WHERE code = %(station)s",
)


def baseline_lines(rows: list[dict[str, str]]) -> str:
    """The person columns of the rows in COPY text format (prepared before timing)."""
    out = []
    for r in rows:
        ident = r["公民身份号码"]
        out.append("\t".join((r["姓名"], ident, "M" if int(ident[16]) % 2 else "F",
                              f"{ident[6:10]}-{ident[10:12]}-{ident[12:14]}", r["联系电话"] or "\\N",
                              RESIDENCY[r["人口类型"]])))
    return "\n".join(out) + "\n"


class Runner:
    """Runs one timed piece of work in its own transaction, then commits (or rolls back) and cleans up."""

    def __init__(self, engine, commit: bool):
        self.engine, self.commit = engine, commit

    def timed(self, work, again=None) -> tuple[float, object]:
        """Seconds of work (committed); with `again`, work runs untimed first and `again` is what is timed."""
        with self.engine.connect() as conn:
            raw = conn.connection.driver_connection
            trans = conn.begin()
            before = dict(zip(("person", "household", "vehicle"), conn.execute(text(MAX_IDS)).one(), strict=True))
            if again is not None:
                work(conn, raw)
                if self.commit:
                    trans.commit()
                    trans = conn.begin()
                work = again
            started = time.perf_counter()
            result = work(conn, raw)
            if self.commit:
                trans.commit()
            seconds = time.perf_counter() - started
            if not self.commit:
                trans.rollback()
                return seconds, result
            with conn.begin(), raw.cursor() as cur:  # untimed: put the database back as it was
                for sql in CLEANUP:
                    cur.execute(sql, {k: v or 0 for k, v in before.items()})
        vacuum(self.engine)
        return seconds, result


def vacuum(engine) -> None:
    """Untimed: reclaim the deleted rows of a run. Without it each run inserts into a table (and indexes)
    bloated by the runs before: on a small database the person table grew from 13 MB to 281 MB and the
    figures halved from run to run."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM (ANALYZE) person, household, vehicle")


def raw_copy(data: str):
    def work(conn, raw):
        with raw.cursor() as cur, cur.copy(BASELINE_COPY) as copy:
            copy.write(data)
    return work


def import_file(path: Path):
    def work(conn, raw):
        report = import_people(connection=conn, source=path, filename=path.name)
        assert report.written and report.invalid_rows == 0, report.to_dict()["errors"][:5]
        return report
    return work


def summary(label: str, rows: int, seconds: list[float], baseline: list[float] | None = None) -> str:
    best, median = rows / min(seconds), rows / statistics.median(seconds)
    text_ = f"{label}: best {best:,.0f}/s, median {median:,.0f}/s"
    if baseline:
        text_ += (f" = {median / (rows / statistics.median(baseline)):.2f}× raw COPY (median), "
                  f"{best / (rows / min(baseline)):.2f}× (best)")
    return text_


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--buildings", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-xlsx", action="store_true", help="skip the XLSX runs")
    parser.add_argument("--commit", action="store_true",
                        help="commit each run (then delete its rows) on a database other than holomap_importbench")
    args = parser.parse_args()
    settings = Settings()
    engine = create_engine(settings.owner_url)
    with engine.connect() as conn:
        database = conn.execute(text("SELECT current_database()")).scalar_one()
    commit = database == SCRATCH_DB or args.commit
    runner = Runner(engine, commit)
    with tempfile.TemporaryDirectory() as tmp:
        with engine.begin() as conn:
            for sql in DROP_AREA:  # a previous run that was interrupted
                conn.exec_driver_sql(sql.replace("%(station)s", f"'{PREFIX}S'"))
        area_conn = engine.connect()
        area_trans = area_conn.begin()
        area = create_area(area_conn, prefix=PREFIX, n_buildings=args.buildings, lon=118.5, lat=37.7)
        if commit:
            area_trans.commit()
            vacuum(engine)  # start from a table without the dead rows of earlier (interrupted) runs
        else:  # on holomap_test the area lives in a transaction that the runs cannot see: use its connection
            runner.engine = _Shared(area_conn)
        try:
            # a region code the demo seed does not use, so that the rows are new to the database
            rows = people_rows(area.buildings, args.rows, seed=7, region="650104")
            for row in rows:  # plates of that region too (the sample's 鲁M… could be a seeded vehicle's)
                row["车牌号"] = row["车牌号"].replace("鲁M", "新A")
            csv_path = Path(tmp) / "people.csv"
            csv_path.write_bytes(to_csv(rows))
            xlsx_path = Path(tmp) / "people.xlsx"
            if not args.no_xlsx:
                xlsx_path.write_bytes(to_xlsx(rows, title="基准测试实有人口台账"))
            copy_data = baseline_lines(rows)
            print(f"[bench] database {database}: {args.rows:,} residents, {csv_path.stat().st_size / 1e6:.1f} MB "
                  f"CSV, {args.buildings} buildings; each run "
                  + ("committed, then its rows deleted" if commit else "rolled back (shared database)"))
            copies, imports, agains, xlsx, reports = [], [], [], [], []
            for attempt in range(1, args.repeat + 1):
                copy_s, _ = runner.timed(raw_copy(copy_data))
                import_s, report = runner.timed(import_file(csv_path))
                again_s, again = runner.timed(import_file(csv_path), again=import_file(csv_path))
                assert again.counts["persons"]["unchanged"] == args.rows, again.counts
                agains.append(again_s)
                copies.append(copy_s)
                imports.append(import_s)
                reports.append((import_s, report))
                line = (f"[bench] run {attempt}: raw COPY into person {args.rows / copy_s:,.0f} rows/s; "
                        f"CSV import end to end {args.rows / import_s:,.0f} residents/s (again, unchanged: "
                        f"{args.rows / again_s:,.0f}/s)")
                if not args.no_xlsx:
                    xlsx_s, _ = runner.timed(import_file(xlsx_path))
                    xlsx.append(xlsx_s)
                    line += f"; XLSX {args.rows / xlsx_s:,.0f}/s"
                print(line, flush=True)
        finally:
            if commit:
                with engine.begin() as conn:
                    for sql in DROP_AREA:
                        conn.exec_driver_sql(sql.replace("%(station)s", f"'{PREFIX}S'"))
            else:
                area_trans.rollback()
            area_conn.close()
    median_report = sorted(reports, key=lambda r: r[0])[len(reports) // 2][1]
    print(f"[bench] counts: {median_report.counts}")
    print(f"[bench] {summary('baseline raw COPY into person (no validation)', args.rows, copies)}")
    label = "CSV import end to end (read + validate + COPY + upsert" + (" + commit)" if commit else ")")
    print(f"[bench] {summary(label, args.rows, imports, copies)}")
    print(f"[bench] {summary('CSV re-import of the same file (nothing changes)', args.rows, agains, copies)}")
    if xlsx:
        print(f"[bench] {summary('XLSX import end to end', args.rows, xlsx, copies)}")
    print(f"[bench] where the median CSV run's {median_report.seconds:.2f} s went (overlapping):")
    for step, seconds in sorted(median_report.timings.items(), key=lambda kv: -kv[1]):
        print(f"[bench]   {seconds:6.3f} s  {step}")
    rate = args.rows / statistics.median(imports)
    print(f"[bench] goal {GOAL:,}/s {'met' if rate >= GOAL else 'NOT met'} (median {rate:,.0f}/s)")
    ceiling = args.rows / min(copies)
    if ceiling < GOAL:  # the import writes at least these rows into person: it cannot beat their raw COPY
        print(f"[bench] out of reach on this machine: even the raw COPY into person peaks at {ceiling:,.0f}/s "
              "(see docs/DECISIONS.md, people import speed)")


class _Shared:
    """An 'engine' whose connect() hands out savepoints on one open connection (holomap_test mode)."""

    def __init__(self, conn):
        self.conn = conn

    def connect(self):
        return _SharedConnection(self.conn)


class _SharedConnection:
    def __init__(self, conn):
        self.conn = conn
        self.connection = conn.connection

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def execute(self, *args, **kwargs):
        return self.conn.execute(*args, **kwargs)

    def begin(self):
        return self.conn.begin_nested()


if __name__ == "__main__":
    main()
