"""County-scale seed: generate and load ~1M residents, 350k households, 200k buildings, 2k beats and
2M incidents in one transaction, and print seconds and rows/s. Goal: under 3 minutes on 2 cores.

The target database comes from the environment, as for the app (HOLOMAP_OWNER_DATABASE_URL, else
DATABASE_URL); its seeded tables are REPLACED. For example:
  scripts/bootstrap-db.sh holomap_seeddev
  set -a; . .holomap/holomap_seeddev.env; set +a; .venv/bin/alembic upgrade head
  .venv/bin/python bench/seed_county.py            # generate + load
  .venv/bin/python bench/seed_county.py --no-db    # generation alone (Python side)
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy.engine import make_url  # noqa: E402

import seed  # noqa: E402
from api.config import get_settings  # noqa: E402

PROTECTED = ("holomap", "holomap_test")  # the demo and the test suite's databases


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", default="county", choices=sorted(seed.SCALES))
    parser.add_argument("--seed", type=int, default=seed.DEFAULT_SEED)
    parser.add_argument("--no-db", action="store_true", help="only generate (and render) the rows")
    parser.add_argument("--progress", action="store_true")
    args = parser.parse_args()
    if args.no_db:
        started = time.perf_counter()
        tables = seed.generate(scale=args.scale, seed=args.seed, password_hash="x")
        generated = time.perf_counter() - started
        size = sum(len(text) for table in tables for _, text in table.chunks())
        rendered = time.perf_counter() - started - generated
        rows = sum(len(t) for t in tables)
        print(
            f"generate {args.scale}: {rows:,} rows in {generated:.1f} s, COPY text {size / 1e6:,.0f} MB "
            f"rendered in {rendered:.1f} s"
        )
        return
    url = get_settings().owner_url
    database = make_url(url).database
    if database in PROTECTED:
        sys.exit(f"refusing to replace the data of {database!r}; point the environment at another database")
    result = seed.run(engine_url=url, scale=args.scale, seed=args.seed, progress=args.progress)
    seconds = result.pop("seconds")
    rows = sum(result.values())
    print(f"seed {args.scale} into {database}: {rows:,} rows in {seconds:.1f} s = {rows / seconds:,.0f} rows/s")
    for table, count in result.items():
        print(f"  {table:<14} {count:>10,}")


if __name__ == "__main__":
    main()
