"""Sizes of the generated district (the demo station, the benchmark county) and the fixed anchor date."""

import os
from dataclasses import dataclass, replace
from datetime import date

import numpy as np

# "Today" of the generated data: incidents end the day before; visits cover the 12 months before it.
# Fixed so the data is reproducible; HOLOMAP_SEED_ANCHOR=YYYY-MM-DD (or "today") moves it, e.g. for a
# demo that should look current months later.
_ANCHOR_ENV = os.environ.get("HOLOMAP_SEED_ANCHOR", "").strip()
ANCHOR = (date.today() if _ANCHOR_ENV == "today" else date.fromisoformat(_ANCHOR_ENV)) if _ANCHOR_ENV \
    else date(2026, 11, 24)
ANCHOR_DAY = np.datetime64(ANCHOR.isoformat(), "D")
UTC_OFFSET = np.timedelta64(8, "h")  # Asia/Shanghai, no daylight saving
DEFAULT_SEED = 20261125
DEMO_CENTRE = (118.02, 37.45)  # around 梁才街道, 滨城区, Binzhou (Shandong)


@dataclass(frozen=True)
class Scale:
    """Figures per station (except `stations`); each station gets its own town, villages and beats."""

    name: str
    stations: int
    communities: int  # urban 社区 around the town centre
    villages: int  # rural 村
    registered: int  # 常住
    floating: int  # 流动
    temporary: int  # 暂住
    foreign: int  # 境外
    urban_share: float  # share of registered residents living in the communities
    urban_beats: int
    rural_beats: int
    incidents_per_year: int
    disputes: int
    visits_per_household: float
    station_radius_m: tuple[float, float]  # semi-axes of a standalone station (demo)
    county_radius_m: tuple[float, float]  # semi-axes of the county when stations > 1


SCALES: dict[str, Scale] = {
    # 梁才办事处: 74 村居, 常住人口34000余人, 流动人口2000余人 (seed report).
    "demo": Scale(
        name="demo",
        stations=1,
        communities=8,
        villages=66,
        registered=34_000,
        floating=2_000,
        temporary=200,
        foreign=20,
        urban_share=0.26,
        urban_beats=1,
        rural_beats=5,
        incidents_per_year=4_000,
        disputes=400,
        visits_per_household=1.5,
        station_radius_m=(5_200.0, 4_200.0),
        county_radius_m=(0.0, 0.0),
    ),
    # A county for benchmarks: ~1M residents, 350k households, 200k buildings, 2k beats, 2M incidents.
    "county": Scale(
        name="county",
        stations=40,
        communities=10,
        villages=90,
        registered=23_100,
        floating=1_800,
        temporary=150,
        foreign=10,
        urban_share=0.40,
        urban_beats=8,
        rural_beats=42,
        incidents_per_year=16_700,
        disputes=150,
        visits_per_household=1.5,
        station_radius_m=(0.0, 0.0),
        county_radius_m=(27_000.0, 23_000.0),
    ),
}


# Sizing for a city bureau (issue 20 §6): four counties' worth in one database — 160 stations with the county's
# per-station figures (~4M residents, 1.5M households, 800k buildings, 8M incidents) over twice the county's
# extent. Four, not a city's ten, because the generator holds a whole district in memory (~2 GB per county's
# worth) and the machine it was sized on has 24 GB.
SCALES["city"] = replace(SCALES["county"], name="city", stations=160, county_radius_m=(54_000.0, 46_000.0))


def get_scale(name: str) -> Scale:
    """The named scale, or a ValueError listing the known ones."""
    try:
        return SCALES[name]
    except KeyError:
        raise ValueError(f"unknown scale {name!r}; choose one of {', '.join(SCALES)}") from None


def rng_for(seed: int, *path: int) -> np.random.Generator:
    """An independent, reproducible random stream for one phase (and station) of the generator."""
    return np.random.default_rng([seed, *path])


def utc(local_day: np.ndarray, seconds: np.ndarray) -> np.ndarray:
    """UTC instants (datetime64[s]) of local (China Standard Time) days plus seconds into the day."""
    return local_day.astype("datetime64[s]") + seconds.astype("timedelta64[s]") - UTC_OFFSET
