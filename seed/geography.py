"""The district in a local metric frame: station jurisdictions, the villages tiling them, beats, roads."""

from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely.geometry import LineString, Point, Polygon

from seed import names
from seed.scales import DEMO_CENTRE, Scale, rng_for
from seed.tiling import contiguous_groups, farthest_points, lloyd, star_polygon, tile
from seed.wkb import Frame

REGION_CODE = "371602"  # 滨城区


@dataclass
class StationPlace:
    """One police station: its town, jurisdiction (metres), town centre and main roads."""

    index: int
    town: str
    town_kind: str  # 街道 / 镇 / 乡
    initials: str
    code: str
    town_code: str  # 9-digit statistical code of the town
    polygon: Polygon
    centre: tuple[float, float]
    roads: list[LineString] = field(default_factory=list)
    junction: tuple[float, float] = (0.0, 0.0)


@dataclass
class Villages:
    """All villages/communities of the district, as parallel arrays (index = id - 1)."""

    station: np.ndarray
    is_community: np.ndarray
    name: list[str]
    code: list[str]
    polygon: np.ndarray  # shapely Polygons in metres
    core: np.ndarray  # (V, 2) centre of the built-up core
    beat: np.ndarray  # beat index


@dataclass
class Beats:
    """Beats of the published plans, as parallel arrays."""

    station: np.ndarray
    is_urban: np.ndarray
    code: list[str]
    name: list[str]
    polygon: np.ndarray


@dataclass
class District:
    """Everything spatial the rest of the generator builds on."""

    frame: Frame
    stations: list[StationPlace]
    villages: Villages
    beats: Beats


def _station_polygons(scale: Scale, seed: int) -> tuple[list[Polygon], np.ndarray]:
    """Jurisdictions (metres) tiling the county, and one town centre each."""
    rng = rng_for(seed, 1)
    if scale.stations == 1:
        polygon = star_polygon(rng, (0.0, 0.0), scale.station_radius_m)
        centre = np.array([[-0.16 * scale.station_radius_m[0], 0.12 * scale.station_radius_m[1]]])
        return [polygon], centre
    county = star_polygon(rng, (0.0, 0.0), scale.county_radius_m)
    points = farthest_points(rng, county.buffer(-2_500), scale.stations)
    points = lloyd(points, county, np.zeros(len(points), bool), 3)
    polygons = tile(county, points)
    centres = np.array([_inner_point(p, pt) for p, pt in zip(polygons, points, strict=True)])
    return polygons, centres


def _inner_point(polygon: Polygon, preferred: np.ndarray) -> tuple[float, float]:
    """`preferred` when it lies well inside `polygon`, else the polygon's pole of inaccessibility."""
    if polygon.buffer(-2_000).contains(Point(preferred)):
        return float(preferred[0]), float(preferred[1])
    circle = shapely.maximum_inscribed_circle(polygon, 10.0)
    x, y = shapely.get_coordinates(circle)[0]
    return float(x), float(y)


def _village_sites(
    rng: np.random.Generator, region: Polygon, centre: tuple[float, float], n_urban: int, n_rural: int
) -> tuple[np.ndarray, np.ndarray]:
    """Seed points: communities on a ring round the town centre, villages spread over the rest."""
    radius = 230.0 * np.sqrt(n_urban)
    angles = np.arange(n_urban) * 2 * np.pi / n_urban + rng.uniform(0, 2 * np.pi)
    angles += rng.uniform(-0.15, 0.15, n_urban)
    radii = radius * rng.uniform(0.75, 1.2, n_urban)
    urban = np.column_stack([centre[0] + radii * np.cos(angles), centre[1] + radii * np.sin(angles)])
    rural_area = region.buffer(-150).difference(Point(centre).buffer(radius * 2.3))
    points = np.vstack([urban, farthest_points(rng, rural_area, n_rural, existing=urban)])
    fixed = np.arange(len(points)) < n_urban
    points = lloyd(points, region, fixed, 2)
    return points, fixed


def _village_names(rng: np.random.Generator, n: int, taken: set[str]) -> list[str]:
    """`n` distinct village names like 前邢家 (stored with the suffix 村)."""
    result: list[str] = []
    while len(result) < n:
        name = (
            names.VILLAGE_PREFIXES[rng.integers(len(names.VILLAGE_PREFIXES))]
            + names.VILLAGE_CORES[rng.integers(len(names.VILLAGE_CORES))]
            + names.VILLAGE_SUFFIXES[rng.integers(len(names.VILLAGE_SUFFIXES))]
        )
        if name not in taken:
            taken.add(name)
            result.append(name + "村")
    return result


def _roads(rng: np.random.Generator, place: StationPlace) -> None:
    """An east–west highway and a north–south road through the town, and a county road crossing
    the highway at a junction 2–3 km out."""
    cx, cy = place.centre
    span = 40_000.0
    theta = rng.uniform(-0.25, 0.25)
    ew = LineString(
        [
            (cx - span * np.cos(theta), cy - span * np.sin(theta)),
            (cx + span * np.cos(theta), cy + span * np.sin(theta)),
        ]
    )
    phi = np.pi / 2 + rng.uniform(-0.2, 0.2)
    ns = LineString(
        [
            (cx - span * np.cos(phi), cy - span * np.sin(phi)),
            (cx + span * np.cos(phi), cy + span * np.sin(phi)),
        ]
    )
    inner = place.polygon.buffer(-400)
    for distance in (2_600.0, -2_600.0, 1_800.0, -1_800.0, 1_000.0):
        jx, jy = cx + distance * np.cos(theta), cy + distance * np.sin(theta)
        if inner.contains(Point(jx, jy)):
            break
    place.junction = (float(jx), float(jy))
    psi = np.pi / 2 + rng.uniform(-0.3, 0.3)
    county_road = LineString(
        [
            (jx - span * np.cos(psi), jy - span * np.sin(psi)),
            (jx + span * np.cos(psi), jy + span * np.sin(psi)),
        ]
    )
    for road in (ew, ns, county_road):
        clipped = road.intersection(place.polygon)
        place.roads.extend(g for g in shapely.get_parts(clipped) if g.geom_type == "LineString")


def build_district(scale: Scale, seed: int) -> District:
    """Stations, villages and the published beats, deterministic in `seed`."""
    frame = Frame(*DEMO_CENTRE)
    polygons, centres = _station_polygons(scale, seed)
    stations: list[StationPlace] = []
    v_station, v_urban, v_name, v_code, v_poly, v_core, v_beat = [], [], [], [], [], [], []
    b_station, b_urban, b_code, b_name, b_poly = [], [], [], [], []
    for index, region in enumerate(polygons):
        rng = rng_for(seed, 2, index)
        town, town_kind, initials = names.TOWNS[index % len(names.TOWNS)]
        sites, urban = _village_sites(rng, region, tuple(centres[index]), scale.communities, scale.villages)
        cells = tile(region, sites)
        place = StationPlace(
            index=index,
            town=town,
            town_kind=town_kind,
            initials=initials,
            code=f"37160251{index + 1:02d}00",
            town_code=f"{REGION_CODE}{101 + index:03d}",
            polygon=shapely.union_all(cells),
            centre=tuple(centres[index]),
        )
        _roads(rng, place)
        stations.append(place)
        others = [names.COMMUNITY_NAMES[1 + k] for k in rng.permutation(len(names.COMMUNITY_NAMES) - 1)]
        community_names = [town, *[n for n in others if n != town]][: scale.communities]  # the town's own first
        village_names = _village_names(rng, scale.villages, set())
        first_village = len(v_name)
        for k in range(len(cells)):
            is_urban = bool(urban[k])
            v_station.append(index)
            v_urban.append(is_urban)
            if is_urban:
                v_name.append(community_names[k] + "社区")
                v_code.append(f"{place.town_code}{k + 1:03d}")
            else:
                v_name.append(village_names[k - scale.communities])
                v_code.append(f"{place.town_code}{201 + k - scale.communities:03d}")
            v_poly.append(cells[k])
            # communities build up towards the town centre, villages round their own site
            v_core.append(np.array(place.centre) + 0.5 * (sites[k] - place.centre) if is_urban else sites[k])
        first_beat = len(b_code)
        for is_urban, n_groups in ((True, scale.urban_beats), (False, scale.rural_beats)):
            members = np.flatnonzero(urban == is_urban)
            labels, seeds = contiguous_groups([cells[k] for k in members], n_groups)
            for g in range(labels.max() + 1):
                chosen = members[labels == g]
                number = len(b_code) - first_beat + 1
                b_station.append(index)
                b_urban.append(is_urban)
                b_code.append(f"{initials}{number:02d}")
                head = v_name[first_village + members[seeds[g]]]
                b_name.append(
                    f"城区第{g + 1}警务区"
                    if is_urban and n_groups > 1
                    else "城区警务区"
                    if is_urban
                    else f"{head.removesuffix('村')}片警务区"
                )
                b_poly.append(shapely.union_all([cells[k] for k in chosen]))
                for k in chosen:
                    v_beat.append((first_village + k, len(b_code) - 1))
    beat_of = np.empty(len(v_name), dtype=np.int64)
    for village, beat in v_beat:
        beat_of[village] = beat
    villages = Villages(
        station=np.array(v_station),
        is_community=np.array(v_urban),
        name=v_name,
        code=v_code,
        polygon=np.array(v_poly, dtype=object),
        core=np.array(v_core),
        beat=beat_of,
    )
    beats = Beats(
        station=np.array(b_station),
        is_urban=np.array(b_urban),
        code=b_code,
        name=b_name,
        polygon=np.array(b_poly, dtype=object),
    )
    return District(frame=frame, stations=stations, villages=villages, beats=beats)


def locate(district: District, station: int, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Index of the station's village containing each point (metres), -1 outside the station."""
    result = np.full(len(x), -1)
    for village in np.flatnonzero(district.villages.station == station):
        polygon = district.villages.polygon[village]
        shapely.prepare(polygon)
        xmin, ymin, xmax, ymax = polygon.bounds
        candidates = np.flatnonzero((result < 0) & (x >= xmin) & (x <= xmax) & (y >= ymin) & (y <= ymax))
        inside = shapely.contains_xy(polygon, x[candidates], y[candidates])
        result[candidates[inside]] = village
    return result
