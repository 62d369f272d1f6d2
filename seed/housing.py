"""实有房屋: houses, apartment blocks, shops and a factory compound laid out in every village, and the
dwellings inside them (the household rows: owner, rental, collective or vacant)."""

from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely.geometry import Polygon

from seed import families, names
from seed.geography import District, StationPlace
from seed.scales import Scale, rng_for

HOUSE_PITCH = (18.0, 24.0)  # lot spacing of rural houses along / across the lanes (m)
BLOCK_PITCH = (95.0, 55.0)  # spacing of apartment blocks
DORM_ROOMS = 24  # collective households of the factory dormitory
BUILDING_FIELDS = (
    "village",
    "cx",
    "cy",
    "width",
    "depth",
    "angle",
    "floors",
    "units",
    "kind",
    "role",
    "built_year",
)
DWELLING_FIELDS = ("building", "unit", "floor", "room", "tenure")


@dataclass
class Housing:
    """Buildings and dwellings of the district: lists while laying out, numpy arrays once finished
    (building index = id - 1)."""

    village: list[int] = field(default_factory=list)
    cx: list[float] = field(default_factory=list)
    cy: list[float] = field(default_factory=list)
    width: list[float] = field(default_factory=list)
    depth: list[float] = field(default_factory=list)
    angle: list[float] = field(default_factory=list)
    floors: list[int] = field(default_factory=list)
    units: list[int] = field(default_factory=list)
    kind: list[str] = field(default_factory=list)
    role: list[str] = field(default_factory=list)  # house, block, committee, shop, market, factory, dorm
    built_year: list[int] = field(default_factory=list)
    address: list[str] = field(default_factory=list)
    std_code: list[str] = field(default_factory=list)
    # dwellings
    building: list[np.ndarray] = field(default_factory=list)
    unit: list[np.ndarray] = field(default_factory=list)
    floor: list[np.ndarray] = field(default_factory=list)
    room: list[np.ndarray] = field(default_factory=list)
    tenure: list[np.ndarray] = field(default_factory=list)  # owner, rental, collective, vacant
    numbered: dict[int, int] = field(default_factory=dict)  # buildings so far per village

    def finish(self) -> "Housing":
        """Turn the building lists into numpy arrays and join the dwelling parts."""
        for key in BUILDING_FIELDS:
            setattr(self, key, np.asarray(getattr(self, key)))
        for key in DWELLING_FIELDS:
            setattr(self, key, np.concatenate(getattr(self, key)))
        return self

    def add_buildings(self, village: int, prefix: str, code: str, rows: dict) -> np.ndarray:
        """Append buildings of one village (numbered on from its existing ones); returns their indices."""
        first, n = len(self.cx), len(rows["cx"])
        numbered = self.numbered.get(village, 0)
        self.numbered[village] = numbered + n
        for key in BUILDING_FIELDS[1:]:
            getattr(self, key).extend(np.asarray(rows[key]).tolist())
        self.village.extend([village] * n)
        labels = rows.get("label") or [f"{k}号" for k in range(numbered + 1, numbered + n + 1)]
        self.address.extend(prefix + label for label in labels)
        self.std_code.extend(f"{code}{k:04d}" for k in range(numbered + 1, numbered + n + 1))
        return np.arange(first, first + n)

    def add_dwellings(
        self, building: np.ndarray, unit: np.ndarray, floor: np.ndarray, room: np.ndarray, tenure: np.ndarray
    ) -> None:
        """Append household rows."""
        self.building.append(np.asarray(building))
        self.unit.append(np.asarray(unit))
        self.floor.append(np.asarray(floor))
        self.room.append(np.asarray(room, dtype=object))
        self.tenure.append(np.asarray(tenure, dtype=object))


def _lots(
    rng: np.random.Generator,
    polygon: Polygon,
    core: np.ndarray,
    n: int,
    pitch: tuple[float, float],
    margin: float,
    street_every: int,
) -> tuple[np.ndarray, np.ndarray, float]:
    """Centres of `n` lots of a street grid round `core` that keep `margin` from the village edge,
    numbered north to south and west to east; and the grid's angle."""
    angle = float(rng.uniform(-0.2, 0.2))
    inner = polygon.buffer(-margin)
    shapely.prepare(inner)
    k = int(np.sqrt(n)) // 2 + 3
    while True:
        i, j = (a.ravel() for a in np.meshgrid(np.arange(-k, k + 1), np.arange(-k, k + 1)))
        u, v = i * pitch[0], j * pitch[1]
        x = core[0] + u * np.cos(angle) - v * np.sin(angle)
        y = core[1] + u * np.sin(angle) + v * np.cos(angle)
        ok = shapely.contains_xy(inner, x, y) & ((i % max(street_every, 1) != 3) | (street_every == 0))
        if ok.sum() >= n or k > 120:
            break
        k = int(k * 1.5) + 1
    rank = np.hypot(u, 1.3 * v) * rng.uniform(0.8, 1.2, len(u))
    candidates = np.flatnonzero(ok)
    chosen = candidates[np.argsort(rank[candidates], kind="stable")[:n]]
    chosen = chosen[np.lexsort((i[chosen], -j[chosen]))]
    return x[chosen], y[chosen], angle


def _split(rng: np.random.Generator, total: int, weights: np.ndarray, minimum: int = 0) -> np.ndarray:
    """Integers summing to `total`, proportional to `weights` (largest remainders), each ≥ `minimum`."""
    share = weights / weights.sum() * (total - minimum * len(weights))
    counts = np.floor(share).astype(int)
    remainder = share - counts
    counts[np.argsort(-remainder, kind="stable")[: total - minimum * len(weights) - counts.sum()]] += 1
    return counts + minimum


def _rural(
    rng, housing: Housing, village: int, polygon, core, prefix: str, code: str, owners: int, rentals: int
) -> float:
    """Houses of one village (one household each; some rent a room of an owner's house, some stand
    vacant) and its village committee; returns the radius of the built-up core."""
    whole_rentals = int(round(rentals * 0.6))
    vacant = int(round(0.04 * (owners + whole_rentals)))
    n = owners + whole_rentals + vacant + 1
    x, y, angle = _lots(rng, polygon, core, n, HOUSE_PITCH, 12.0, 7)
    n = len(x)
    committee = int(np.argmin(np.hypot(x - core[0], y - core[1])))
    role = np.full(n, "house", dtype=object)
    role[committee] = "committee"
    rows = {
        "cx": x + rng.uniform(-0.8, 0.8, n),
        "cy": y,
        "width": rng.uniform(12, 16, n),
        "depth": rng.uniform(9, 11, n),
        "angle": np.full(n, angle),
        "floors": np.where(rng.random(n) < 0.12, 2, 1),
        "units": np.ones(n, int),
        "kind": np.where(role == "committee", "public", "residential"),
        "role": role,
        "built_year": np.clip(np.round(2024 - rng.gamma(2.2, 11, n)), 1965, 2024).astype(int),
    }
    index = housing.add_buildings(village, prefix, code, rows)
    homes = index[role == "house"]
    tenure = np.array(["owner"] * owners + ["rental"] * whole_rentals + ["vacant"] * vacant, dtype=object)
    tenure = rng.permutation(tenure[: len(homes)])
    shared = rng.choice(
        homes[tenure == "owner"],
        size=min(rentals - whole_rentals, int((tenure == "owner").sum())),
        replace=False,
    )
    building = np.concatenate([homes, shared])
    room = np.array(["1"] * len(homes) + ["2"] * len(shared), dtype=object)
    housing.add_dwellings(
        building,
        np.ones(len(building), int),
        np.ones(len(building), int),
        room,
        np.concatenate([tenure, np.full(len(shared), "rental", dtype=object)]),
    )
    return float(np.max(np.hypot(x - core[0], y - core[1]))) + 12.0


def _urban(
    rng,
    housing: Housing,
    village: int,
    polygon,
    core,
    prefix: str,
    code: str,
    owners: int,
    rentals: int,
    market_label: str | None,
) -> None:
    """Apartment blocks (units × floors × 2–4 rooms, some vacant), shops and perhaps the town market."""
    needed = (owners + rentals) / 0.92
    units = rng.choice([2, 3, 4], size=400, p=[0.3, 0.45, 0.25])
    floors = np.where(rng.random(400) < 0.5, 6, rng.choice([11, 12, 15, 18], size=400))
    rooms = rng.choice([2, 3, 4], size=400, p=[0.8, 0.15, 0.05])
    blocks = int(np.searchsorted(np.cumsum(units * floors * rooms), needed)) + 1
    shops = 3 + (market_label is not None)
    x, y, angle = _lots(rng, polygon, core, blocks + shops, BLOCK_PITCH, 42.0, 0)
    blocks = len(x) - shops
    units, floors, rooms = units[:blocks], floors[:blocks], rooms[:blocks]
    tall = floors > 6
    built = np.where(tall, rng.integers(2008, 2023, blocks), rng.integers(1995, 2011, blocks))
    block_rows = {
        "cx": x[:blocks],
        "cy": y[:blocks],
        "width": units * 17.0 + 8,
        "depth": rng.uniform(12, 14, blocks),
        "angle": np.full(blocks, angle),
        "floors": floors,
        "units": units,
        "kind": ["residential"] * blocks,
        "role": ["block"] * blocks,
        "built_year": built,
        "label": [f"{k}号楼" for k in range(1, blocks + 1)],
    }
    index = housing.add_buildings(village, prefix, code, block_rows)
    shop_labels = [f"商业街{k}号" for k in range(1, 4)] + ([market_label] if market_label else [])
    shop_rows = {
        "cx": x[blocks:],
        "cy": y[blocks:],
        "width": [24.0] * 3 + [60.0] * (shops - 3),
        "depth": [12.0] * 3 + [36.0] * (shops - 3),
        "angle": np.full(shops, angle),
        "floors": [2] * 3 + [1] * (shops - 3),
        "units": np.ones(shops, int),
        "kind": ["commercial"] * shops,
        "role": ["shop"] * 3 + ["market"] * (shops - 3),
        "built_year": rng.integers(2000, 2021, shops),
        "label": shop_labels,
    }
    housing.add_buildings(village, prefix, code, shop_rows)
    per_block = units * floors * rooms
    building = np.repeat(index, per_block)
    offset = np.arange(len(building)) - np.repeat(np.cumsum(per_block) - per_block, per_block)
    r, rest = offset % np.repeat(rooms, per_block) + 1, offset // np.repeat(rooms, per_block)
    fl, unit = rest % np.repeat(floors, per_block) + 1, rest // np.repeat(floors, per_block) + 1
    tenure = np.full(len(building), "vacant", dtype=object)
    order = rng.permutation(len(building))
    tenure[order[:owners]] = "owner"
    tenure[order[owners : owners + rentals]] = "rental"
    housing.add_dwellings(building, unit, fl, np.char.add(fl.astype(str), np.char.zfill(r.astype(str), 2)), tenure)


def _factory(
    rng,
    housing: Housing,
    village: int,
    polygon,
    core,
    radius: float,
    toward: np.ndarray,
    prefix: str,
    code: str,
) -> bool:
    """Three factory halls and a dormitory (collective households) beside the village; False if no room."""
    inner = polygon.buffer(-36.0)
    heading = np.arctan2(toward[1] - core[1], toward[0] - core[0])
    for turn in np.arange(16) * np.pi / 8:
        for distance in radius + 120.0 + 80.0 * np.arange(6):
            a = heading + (turn if turn <= np.pi else turn - 2 * np.pi)
            c = core + distance * np.array([np.cos(a), np.sin(a)])
            x = c[0] + np.array([-40.0, 40.0, -40.0, 40.0])
            y = c[1] + np.array([25.0, 25.0, -25.0, -25.0])
            if shapely.contains_xy(inner, x, y).all():
                rows = {
                    "cx": x,
                    "cy": y,
                    "width": [60.0, 60.0, 60.0, 40.0],
                    "depth": [30.0, 30.0, 30.0, 12.0],
                    "angle": np.zeros(4),
                    "floors": [1, 1, 2, 4],
                    "units": [1, 1, 1, 1],
                    "kind": ["industrial"] * 3 + ["residential"],
                    "role": ["factory"] * 3 + ["dorm"],
                    "built_year": rng.integers(2005, 2020, 4),
                }
                dorm = housing.add_buildings(village, prefix, code, rows)[3]
                fl = np.repeat(np.arange(1, 5), DORM_ROOMS // 4)
                r = np.tile(np.arange(1, DORM_ROOMS // 4 + 1), 4)
                housing.add_dwellings(
                    np.full(DORM_ROOMS, dorm),
                    np.ones(DORM_ROOMS, int),
                    fl,
                    np.char.add(fl.astype(str), np.char.zfill(r.astype(str), 2)),
                    np.full(DORM_ROOMS, "collective", dtype=object),
                )
                return True
    return False


def build_housing(district: District, scale: Scale, seed: int) -> Housing:
    """Lay out every village's buildings and dwellings for the scale's population figures."""
    housing = Housing()
    villages = district.villages
    for place in district.stations:
        rng = rng_for(seed, 3, place.index)
        members = np.flatnonzero(villages.station == place.index)
        urban = villages.is_community[members]
        _populate_station(rng, housing, district, place, scale, members, urban)
    return housing.finish()


def _populate_station(
    rng,
    housing: Housing,
    district: District,
    place: StationPlace,
    scale: Scale,
    members: np.ndarray,
    urban: np.ndarray,
) -> None:
    villages = district.villages
    owners_rural = round(scale.registered * (1 - scale.urban_share) / families.expected_size("rural"))
    owners_urban = round(scale.registered * scale.urban_share / families.expected_size("urban"))
    owners = np.zeros(len(members), int)
    owners[~urban] = _split(rng, owners_rural, rng.lognormal(0, 0.45, int((~urban).sum())), 12)
    owners[urban] = _split(rng, owners_urban, rng.lognormal(0, 0.3, int(urban.sum())), 40)
    rental_people = scale.floating - DORM_ROOMS * 6 + scale.temporary // 2 + scale.foreign
    rentals_total = round(rental_people / families.expected_size("rental"))
    cores = villages.core[members]
    near_town = np.hypot(*(cores - np.array(place.centre)).T) < 3_000
    theta = np.arctan2(*(np.array(place.junction) - np.array(place.centre))[::-1])
    factory_point = np.array(place.centre) - 1_900.0 * np.array([np.cos(theta), np.sin(theta)])
    by_distance = np.argsort(np.hypot(*(cores - factory_point).T), kind="stable")
    industrial = [k for k in by_distance if not urban[k]][:4]
    weight = owners * np.where(urban, 1.6, 1.0) * np.where(near_town, 1.8, 1.0)
    weight[industrial[0]] *= 4
    rentals = _split(rng, rentals_total, weight.astype(float))
    prefix = f"{names.COUNTY}{place.town}{place.town_kind}"
    market = int(np.argmin(np.where(urban, np.hypot(*(cores - np.array(place.centre)).T), np.inf)))
    radius = {}
    for k, v in enumerate(members):
        polygon, core = villages.polygon[v], villages.core[v]
        village_prefix = prefix + villages.name[v]
        if urban[k]:
            label = f"{place.town}集贸市场" if k == market else None
            _urban(
                rng,
                housing,
                v,
                polygon,
                core,
                village_prefix,
                villages.code[v],
                int(owners[k]),
                int(rentals[k]),
                label,
            )
        else:
            radius[k] = _rural(
                rng,
                housing,
                v,
                polygon,
                core,
                village_prefix,
                villages.code[v],
                int(owners[k]),
                int(rentals[k]),
            )
    for k in industrial:
        v = members[k]
        if _factory(
            rng,
            housing,
            v,
            villages.polygon[v],
            villages.core[v],
            radius[k],
            factory_point,
            prefix + villages.name[v],
            villages.code[v],
        ):
            break


def footprints_inside(housing: Housing, district: District) -> np.ndarray:
    """True for each building whose footprint lies inside its village (a self-check of the layout)."""
    from seed.wkb import rectangle_corners

    corners = rectangle_corners(*(np.asarray(getattr(housing, k)) for k in ("cx", "cy", "width", "depth", "angle")))
    rects = shapely.polygons(corners)
    return shapely.contains_properly(district.villages.polygon[np.asarray(housing.village)], rects)
