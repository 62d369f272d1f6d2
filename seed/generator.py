"""The whole district in Python, phase by phase, as tables in load order (no database involved)."""

import hashlib
from collections.abc import Iterator

from tqdm import tqdm

from seed.activity import build_incidents
from seed.disputes import build_disputes
from seed.geography import build_district
from seed.housing import build_housing
from seed.places import building_table, station_table, village_table
from seed.population import build_people
from seed.scales import DEFAULT_SEED, get_scale
from seed.tables import Table
from seed.users import build_staff
from seed.visits import build_visits

# Tables in the order they are produced; every foreign key points backwards.
LOAD_ORDER = (
    "station", "village", "app_user", "beat_plan", "beat", "beat_member", "building", "household", "person",
    "vehicle", "incident", "dispute", "dispute_party", "dispute_event", "visit",
)  # fmt: skip
PHASES = ("geography", "staff", "housing", "population", "incidents", "disputes", "visits")


def iter_tables(
    *, scale: str = "demo", seed: int = DEFAULT_SEED, password_hash: str = "", progress: bool = False
) -> Iterator[Table]:
    """Every seeded table of the district for `scale` and `seed`, as soon as its phase is done.

    Deterministic in both: each phase draws from its own random stream (see `scales.rng_for`).
    """
    figures = get_scale(scale)
    with tqdm(total=len(PHASES), desc=f"generate {scale}", unit="phase", disable=not progress) as bar:
        for phase, tables in zip(PHASES, _phases(figures, seed, password_hash), strict=True):
            bar.set_postfix_str(phase)
            for table in tables:
                table.check()
                yield table
            bar.update()


def _phases(figures, seed: int, password_hash: str) -> Iterator[list[Table]]:
    district = build_district(figures, seed)
    yield [station_table(district), village_table(district)]
    staff_tables, staff = build_staff(district, seed, password_hash)
    yield staff_tables
    housing = build_housing(district, figures, seed)
    yield [building_table(district, housing, seed)]
    people_tables, people = build_people(district, housing, figures, seed)
    yield people_tables
    yield [build_incidents(district, housing, people, figures, seed)]
    yield build_disputes(district, housing, people, staff, figures, seed)
    yield [build_visits(district, housing, people, staff, figures, seed)]


def generate(*, scale: str = "demo", seed: int = DEFAULT_SEED, password_hash: str = "") -> list[Table]:
    """All tables at once (tests, digests)."""
    return list(iter_tables(scale=scale, seed=seed, password_hash=password_hash))


def digest(tables: list[Table]) -> str:
    """SHA-256 of the COPY text of every table: equal digests mean identical data."""
    sha = hashlib.sha256()
    for table in tables:
        sha.update(f"{table.name}({','.join(table.columns)})\n".encode())
        for _, text in table.chunks():
            sha.update(text.encode())
    return sha.hexdigest()
