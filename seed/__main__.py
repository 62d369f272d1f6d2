"""python -m seed [--scale demo|county] [--seed N] [--if-empty]: seed the owner database of api.config."""

import argparse

import seed
from seed.scales import DEFAULT_SEED, SCALES


def main(argv: list[str] | None = None) -> None:
    """Parse the command line and seed the configured database."""
    from api.config import get_settings

    parser = argparse.ArgumentParser(prog="python -m seed", description=__doc__)
    parser.add_argument("--scale", choices=sorted(SCALES), default="demo")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--if-empty", action="store_true", help="do nothing when a station already exists")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    args = parser.parse_args(argv)
    result = seed.run(
        engine_url=get_settings().owner_url,
        scale=args.scale,
        seed=args.seed,
        if_empty=args.if_empty,
        progress=not args.quiet,
    )
    if result.get("skipped"):
        print("[seed] the database already has data; nothing done")
        return
    rows = sum(v for k, v in result.items() if k != "seconds")
    seconds = result["seconds"]
    print(f"[seed] {args.scale}: {rows:,} rows in {seconds} s ({rows / seconds:,.0f} rows/s)")
    for table in seed.LOAD_ORDER:
        print(f"  {table:<14} {result[table]:>10,}")


if __name__ == "__main__":
    main()
