"""Accounts (demo usernames), the published beat plan of each station, its beats and their 1+1+N members."""

from dataclasses import dataclass

import numpy as np

from seed.geography import District
from seed.people import SURNAME_TEXT, given_names, phones, surnames
from seed.scales import rng_for
from seed.tables import Table
from seed.wkb import geometries_hex

PLAN_NAME = "2026年警务区划分"
PLAN_CREATED = np.datetime64("2026-02-10T01:30:00")  # UTC
PLAN_PUBLISHED = np.datetime64("2026-03-01T00:00:00")


@dataclass
class Staff:
    """User ids (1-based) by beat and station, for visits, disputes and events."""

    beat_officer: np.ndarray
    beat_auxiliary: np.ndarray
    beat_grid: np.ndarray  # (beats, 2)
    station_chief: np.ndarray


def _accounts(district: District) -> list[tuple[str, str, int | None, int]]:
    """(username, role, station index or None, beat index or -1) in id order."""
    beats = district.beats
    accounts: list[tuple[str, str, int | None, int]] = [
        ("admin", "admin", None, -1),
        ("leader", "leader", None, -1),
        ("planner", "planner", 0, -1),
        ("chief", "station_chief", 0, -1),
    ]
    n = len(beats.code)
    accounts += [(f"officer{b + 1}", "officer", int(beats.station[b]), b) for b in range(n)]
    accounts += [(f"aux{b + 1}", "auxiliary", int(beats.station[b]), b) for b in range(n)]
    accounts += [(f"grid{2 * b + k + 1}", "grid_member", int(beats.station[b]), b) for b in range(n) for k in (0, 1)]
    accounts += [(f"chief{s + 1}", "station_chief", s, -1) for s in range(1, len(district.stations))]
    return accounts


def build_staff(district: District, seed: int, password_hash: str) -> tuple[list[Table], Staff]:
    """app_user, beat_plan, beat and beat_member rows; every account shares the demo password's hash."""
    rng = rng_for(seed, 5)
    accounts = _accounts(district)
    n = len(accounts)
    male = rng.random(n) < 0.7
    family = [SURNAME_TEXT[k] for k in surnames(rng, n).tolist()]
    given = given_names(rng, male, rng.integers(1968, 2000, n))
    display = [f + g for f, g in zip(family, given, strict=True)]
    display[0] = "系统管理员"
    user_id = {name: k + 1 for k, (name, *_rest) in enumerate(accounts)}
    users = Table(
        "app_user",
        {
            "id": np.arange(1, n + 1),
            "username": [a[0] for a in accounts],
            "display_name": display,
            "role": [a[1] for a in accounts],
            "station_id": [None if a[2] is None else a[2] + 1 for a in accounts],
            "password_hash": [password_hash] * n,
            "active": np.ones(n, bool),
            "phone": phones(rng, n, np.ones(n, bool)),
        },
    )
    stations = len(district.stations)
    chief = np.array([user_id["chief"]] + [user_id[f"chief{s + 1}"] for s in range(1, stations)])
    plans = Table(
        "beat_plan",
        {
            "id": np.arange(1, stations + 1),
            "station_id": np.arange(1, stations + 1),
            "name": [PLAN_NAME] * stations,
            "status": ["published"] * stations,
            "created_by": np.full(stations, user_id["planner"]),
            "created_at": np.full(stations, PLAN_CREATED),
            "approved_by": chief,
            "published_at": np.full(stations, PLAN_PUBLISHED),
        },
    )
    beats = district.beats
    count = len(beats.code)
    beat_table = Table(
        "beat",
        {
            "id": np.arange(1, count + 1),
            "plan_id": beats.station + 1,
            "code": beats.code,
            "name": beats.name,
            "kind": np.where(beats.is_urban, "urban", "rural").tolist(),
            "geom": geometries_hex(district.frame.geoms_to_degrees(beats.polygon), multi=True),
            "version": np.ones(count, int),
        },
    )
    officer = np.array([user_id[f"officer{b + 1}"] for b in range(count)])
    auxiliary = np.array([user_id[f"aux{b + 1}"] for b in range(count)])
    grid = np.array([[user_id[f"grid{2 * b + 1}"], user_id[f"grid{2 * b + 2}"]] for b in range(count)])
    member_beat = np.repeat(np.arange(count), 5)
    member_user = np.column_stack([officer, auxiliary, grid, grid[:, 0]]).ravel()
    duty = ["officer", "auxiliary", "grid_member", "grid_member", "mediator"] * count
    members = Table(
        "beat_member",
        {
            "id": np.arange(1, len(member_beat) + 1),
            "beat_id": member_beat + 1,
            "user_id": member_user,
            "duty": duty,
        },
    )
    staff = Staff(beat_officer=officer, beat_auxiliary=auxiliary, beat_grid=grid, station_chief=chief)
    return [users, plans, beat_table, members], staff
