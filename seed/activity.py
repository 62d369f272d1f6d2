"""警情 incidents: three years ending the day before the anchor, with hour-of-day, weekday and seasonal
patterns per category and spatial hotspots (the town market, a bar street, a highway junction, a factory)."""

import numpy as np
import shapely

from seed.geography import District, locate
from seed.housing import Housing
from seed.population import People
from seed.scales import ANCHOR_DAY, Scale, rng_for, utc
from seed.tables import Lazy, Table
from seed.wkb import points_hex

CATEGORIES = ("theft", "fraud", "fight", "traffic", "dispute", "disturbance", "fire", "missing", "other")
SHARE = np.array([0.22, 0.12, 0.09, 0.20, 0.15, 0.08, 0.02, 0.02, 0.10])
# (peak hour, spread in hours, weight) of each category's daily rhythm, plus a flat floor
RHYTHM = {
    "theft": ((2.5, 2.2, 0.55), (14.0, 4.0, 0.25)),
    "fraud": ((14.0, 3.5, 0.85),),
    "fight": ((21.5, 2.0, 0.75),),
    "traffic": ((7.8, 1.2, 0.3), (17.6, 1.4, 0.35), (12.0, 3.0, 0.2)),
    "dispute": ((10.0, 2.5, 0.45), (19.0, 2.5, 0.4)),
    "disturbance": ((22.5, 2.0, 0.6), (1.0, 1.5, 0.2)),
    "fire": ((15.0, 4.0, 0.7),),
    "missing": ((18.0, 3.0, 0.6),),
    "other": ((11.0, 4.0, 0.7),),
}
# Monday..Sunday
WEEKDAY = {
    "fight": (0.85, 0.85, 0.9, 0.95, 1.3, 1.45, 1.1),
    "disturbance": (0.85, 0.85, 0.85, 0.95, 1.35, 1.45, 1.1),
    "traffic": (1.1, 1.05, 1.05, 1.05, 1.15, 0.85, 0.75),
    "fraud": (1.15, 1.15, 1.15, 1.1, 1.05, 0.7, 0.6),
}
# January..December
SEASON = {
    "theft": (0.9, 0.95, 0.9, 0.9, 0.95, 1.0, 1.0, 1.05, 1.3, 1.35, 1.0, 0.9),
    "fight": (0.9, 1.0, 0.85, 0.9, 1.0, 1.2, 1.35, 1.3, 1.0, 0.9, 0.85, 0.85),
    "fire": (1.2, 1.6, 1.0, 0.9, 0.7, 1.2, 0.7, 0.6, 0.8, 1.4, 1.5, 1.0),
    "traffic": (1.25, 1.1, 0.95, 0.95, 0.95, 1.0, 1.0, 0.95, 1.0, 1.0, 1.05, 1.2),
}
TREND = {"fraud": 0.18, "theft": -0.10, "fight": -0.05}  # yearly relative change
HOTSPOTS = ("market", "bar_street", "junction", "factory")
SIGMA_M = np.array([90.0, 60.0, 120.0, 110.0])
# share of each category at hotspots and on roads; then hotspot preference per category
AT_HOTSPOT = {
    "theft": 0.3,
    "fraud": 0.15,
    "fight": 0.45,
    "traffic": 0.3,
    "dispute": 0.08,
    "disturbance": 0.45,
    "fire": 0.05,
    "missing": 0.2,
    "other": 0.2,
}
ON_ROAD = {"traffic": 0.5, "theft": 0.05, "fight": 0.03, "other": 0.05}
PREFERENCE = {
    "theft": (0.45, 0.1, 0.05, 0.4),
    "fight": (0.3, 0.5, 0.05, 0.15),
    "disturbance": (0.3, 0.6, 0.0, 0.1),
    "fraud": (0.8, 0.2, 0.0, 0.0),
    "traffic": (0.15, 0.05, 0.8, 0.0),
}
SOURCES = ("110", "walk-in", "patrol")
SOURCE_SHARE = {
    "theft": (0.55, 0.4, 0.05),
    "fraud": (0.35, 0.65, 0.0),
    "fight": (0.85, 0.05, 0.1),
    "traffic": (0.85, 0.05, 0.1),
    "disturbance": (0.8, 0.05, 0.15),
    "fire": (0.95, 0.0, 0.05),
    "missing": (0.8, 0.2, 0.0),
}
PHRASES = {
    "theft": ("电动车被盗", "家中财物被盗", "晒场玉米被盗", "手机被盗", "农机具被盗", "电缆被盗"),
    "fraud": (
        "电信网络诈骗（冒充客服）",
        "刷单返利诈骗",
        "冒充公检法诈骗",
        "网购退款诈骗",
        "虚假投资理财诈骗",
    ),
    "fight": ("酒后打架", "口角引发殴打", "娱乐场所门口斗殴"),
    "traffic": ("两车剐蹭", "电动车与轿车相撞", "三轮车侧翻", "行人被撞受伤"),
    "dispute": ("邻里纠纷求助", "家庭纠纷求助", "土地边界纠纷", "劳资纠纷求助"),
    "disturbance": ("噪音扰民", "醉酒滋事", "燃放烟花扰民"),
    "fire": ("秸秆起火", "电动车充电起火", "厨房失火"),
    "missing": ("老人走失", "儿童走失（已找回）"),
    "other": ("求助开锁", "捡拾物品", "动物伤人", "咨询求助"),
}
DAYS = 1_096  # 2023-11-24 .. 2026-11-23


def hour_weights(category: str) -> np.ndarray:
    """Relative frequency of each hour of the day (circular Gaussian peaks over a floor)."""
    hours = np.arange(24) + 0.5
    weights = np.full(24, 1.0 - sum(w for _, _, w in RHYTHM[category])) / 24
    for peak, spread, weight in RHYTHM[category]:
        gap = np.minimum(np.abs(hours - peak), 24 - np.abs(hours - peak))
        bell = np.exp(-0.5 * (gap / spread) ** 2)
        weights += weight * bell / bell.sum()
    return weights / weights.sum()


def day_weights(category: str) -> np.ndarray:
    """Relative frequency of each of the last DAYS days (weekday, season and trend)."""
    days = ANCHOR_DAY - DAYS + np.arange(DAYS)
    weekday = (days.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday
    month = days.astype("datetime64[M]").astype(np.int64) % 12
    weights = (
        np.asarray(WEEKDAY.get(category, (1.0,) * 7))[weekday] * np.asarray(SEASON.get(category, (1.0,) * 12))[month]
    )
    weights *= (1 + TREND.get(category, 0.0)) ** ((np.arange(DAYS) - DAYS) / 365.25)
    return weights / weights.sum()


def _hotspots(district: District, housing: Housing, station: int) -> np.ndarray:
    """(4, 2) hotspot centres of a station (NaN where it has none)."""
    role = housing.role
    mine = district.villages.station[housing.village] == station
    centres = np.full((4, 2), np.nan)
    cx, cy = housing.cx, housing.cy
    place = district.stations[station]
    for k, wanted in ((0, "market"), (3, "factory")):
        found = np.flatnonzero(mine & (role == wanted))
        if len(found):
            centres[k] = cx[found[0]], cy[found[0]]
    shops = np.flatnonzero(mine & (role == "shop"))
    if len(shops):
        nearest = shops[np.argsort(np.hypot(cx[shops] - place.centre[0], cy[shops] - place.centre[1]))]
        centres[1] = cx[nearest[min(3, len(nearest) - 1)]], cy[nearest[min(3, len(nearest) - 1)]]
    centres[2] = place.junction
    return centres


def _places(
    rng: np.random.Generator,
    district: District,
    housing: Housing,
    people: People,
    station: int,
    category: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Where each incident happened (metres): at a hotspot, on a road or near a dwelling; and that dwelling's
    building (−1 for the others)."""
    n = len(category)
    names = np.array(CATEGORIES)[category]
    hot = rng.random(n) < np.array([AT_HOTSPOT[c] for c in CATEGORIES])[category]
    road = ~hot & (rng.random(n) < np.array([ON_ROAD.get(c, 0.0) for c in CATEGORIES])[category])
    mine = np.flatnonzero(district.villages.station[housing.village[people.household_building]] == station)
    home = people.household_building[mine[people.household_occupied[mine]]]
    pick = home[rng.integers(0, len(home), n)]
    x = housing.cx[pick] + rng.normal(0, 15, n)
    y = housing.cy[pick] + rng.normal(0, 15, n)
    centres = _hotspots(district, housing, station)
    for name in CATEGORIES:
        these = np.flatnonzero(hot & (names == name))
        preference = np.asarray(PREFERENCE.get(name, (0.5, 0.2, 0.1, 0.2)), dtype=float)
        preference[np.isnan(centres[:, 0])] = 0
        spot = rng.choice(4, size=len(these), p=preference / preference.sum())
        x[these] = centres[spot, 0] + rng.normal(0, 1, len(these)) * SIGMA_M[spot]
        y[these] = centres[spot, 1] + rng.normal(0, 1, len(these)) * SIGMA_M[spot]
    roads = district.stations[station].roads
    on_road = np.flatnonzero(road)
    if roads and len(on_road):
        lengths = np.array([r.length for r in roads])
        which = rng.choice(len(roads), size=len(on_road), p=lengths / lengths.sum())
        points = shapely.line_interpolate_point(
            np.array(roads, dtype=object)[which], rng.random(len(on_road)), normalized=True
        )
        xy = shapely.get_coordinates(points)
        x[on_road], y[on_road] = (
            xy[:, 0] + rng.normal(0, 6, len(on_road)),
            xy[:, 1] + rng.normal(0, 6, len(on_road)),
        )
    return x, y, np.where(hot | road, -1, pick)


def build_incidents(district: District, housing: Housing, people: People, scale: Scale, seed: int) -> Table:
    """Incident rows of every station, in time order."""
    parts: list[dict[str, np.ndarray]] = []
    for place in district.stations:
        rng = rng_for(seed, 6, place.index)
        total = rng.poisson(scale.incidents_per_year * DAYS / 365.25)
        counts = rng.multinomial(total, SHARE)
        category = np.repeat(np.arange(len(CATEGORIES)), counts)
        day = np.concatenate(
            [rng.choice(DAYS, size=c, p=day_weights(name)) for name, c in zip(CATEGORIES, counts, strict=True)]
        )
        hour = np.concatenate(
            [rng.choice(24, size=c, p=hour_weights(name)) for name, c in zip(CATEGORIES, counts, strict=True)]
        )
        seconds = hour * 3600 + rng.integers(0, 3600, total)
        x, y, building = _places(rng, district, housing, people, place.index, category)
        village = locate(district, place.index, x, y)
        outside = village < 0
        building[outside | (village != housing.village[building])] = -1  # not at that dwelling after all
        home = np.flatnonzero(district.villages.station[housing.village] == place.index)
        fallback = home[rng.integers(0, len(home), int(outside.sum()))]
        x[outside], y[outside] = housing.cx[fallback], housing.cy[fallback]
        village[outside] = housing.village[fallback]
        parts.append(
            {
                "station": np.full(total, place.index),
                "day": day,
                "seconds": seconds,
                "category": category,
                "x": x,
                "y": y,
                "village": village,
                "source": _sources(rng, category),
                "phrase": rng.random(total),
                "building": building,
                "household": np.full(total, -1),
            }
        )
    near_repeat = _near_repeat_burglaries(district, housing, people, seed)
    parts.append(near_repeat)
    parts.append(_emerging_hot_spot(district, housing, people, seed, before=parts))
    parts.append(_repeat_victims(district, housing, people, seed))
    data = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    _link_households(data, people, seed)
    occurred = utc(ANCHOR_DAY - DAYS + data["day"], data["seconds"])
    order = np.argsort(occurred, kind="stable")
    data = {k: v[order] for k, v in data.items()}
    occurred = occurred[order]
    return _incident_table(rng_for(seed, 6, 10_000), district, data, occurred)


# Which incidents at a dwelling name the household they happened to (repeat victims, issue 21): the phrases
# that happen at home (家中财物被盗; every fraud; 邻里/家庭纠纷求助), and how many of those are linked.
AT_HOME = {"theft": (1,), "fraud": (0, 1, 2, 3, 4), "dispute": (0, 1)}
LINKED_SHARE = {"theft": 0.8, "fraud": 0.7, "dispute": 0.6}


def _link_households(data: dict[str, np.ndarray], people: People, seed: int) -> None:
    """Link incidents at a dwelling (burglary, fraud, disputes at home) to one occupied household of its
    building, deterministically, from a random stream of its own (no other column changes)."""
    rng = rng_for(seed, 6, 40_000)
    n = len(data["day"])
    draw, choice = rng.random(n), rng.random(n)
    occupied = np.flatnonzero(people.household_occupied)
    occupied = occupied[np.argsort(people.household_building[occupied], kind="stable")]
    buildings = people.household_building[occupied]
    for name, phrases in AT_HOME.items():
        code = CATEGORIES.index(name)
        phrase = (data["phrase"] * len(PHRASES[name])).astype(int)
        these = np.flatnonzero((data["category"] == code) & np.isin(phrase, phrases) & (data["building"] >= 0)
                               & (data["household"] < 0) & (draw < LINKED_SHARE[name]))
        first = np.searchsorted(buildings, data["building"][these], side="left")
        count = np.searchsorted(buildings, data["building"][these], side="right") - first
        has = count > 0
        pick = first[has] + (choice[these[has]] * count[has]).astype(int)
        data["household"][these[has]] = occupied[pick]


REPEAT_VICTIMS = 30  # households of the first station victimised again within months (二次被骗, 再次被盗) …
REPEAT_FOLLOW = (1, 3)  # … 1–2 more times, 2–150 days after the first, in the last year


def _repeat_victims(district: District, housing: Housing, people: People, seed: int) -> dict[str, np.ndarray]:
    """Repeat victimisation on purpose: frauds and burglaries of the same household again within months, so
    the demo's repeat-victims list is not empty; from a random stream of its own."""
    rng = rng_for(seed, 6, 50_000)
    station = 0
    mine = np.flatnonzero((district.villages.station[housing.village[people.household_building]] == station)
                          & people.household_occupied)
    victim = mine[rng.choice(len(mine), REPEAT_VICTIMS, replace=False)]
    follow = rng.integers(*REPEAT_FOLLOW, REPEAT_VICTIMS)
    n = int(REPEAT_VICTIMS + follow.sum())
    chain = np.concatenate([np.arange(REPEAT_VICTIMS), np.repeat(np.arange(REPEAT_VICTIMS), follow)])
    first_day = rng.integers(DAYS - 365, DAYS - 160, REPEAT_VICTIMS)
    later = np.concatenate([np.zeros(REPEAT_VICTIMS, dtype=np.int64), rng.integers(2, 151, n - REPEAT_VICTIMS)])
    fraud = rng.random(REPEAT_VICTIMS) < 0.6
    category = np.where(fraud[chain], CATEGORIES.index("fraud"), CATEGORIES.index("theft"))
    household = victim[chain]
    building = people.household_building[household]
    hour = np.where(fraud[chain], rng.choice(24, size=n, p=hour_weights("fraud")),
                    rng.choice(24, size=n, p=hour_weights("theft")))
    # 家中财物被盗 for a burglary; any fraud phrase
    phrase = np.where(fraud[chain], rng.random(n), 1.5 / len(PHRASES["theft"]))
    return {
        "station": np.full(n, station),
        "day": first_day[chain] + later,
        "seconds": hour * 3600 + rng.integers(0, 3600, n),
        "category": category,
        "x": housing.cx[building] + rng.normal(0, 5, n),
        "y": housing.cy[building] + rng.normal(0, 5, n),
        "village": housing.village[building],
        "source": np.where(fraud[chain], 1, 0),  # frauds reported at the station, burglaries by 110
        "phrase": phrase,
        "building": building,
        "household": household,
    }


NEAR_REPEAT_CHAINS = 40  # burglaries of the last year in the first station, each followed by neighbours' …
NEAR_REPEAT_FOLLOW = (1, 4)  # … 1–3 more within about 100 m and a week (issue 21: the demo shows the pattern)


def _near_repeat_burglaries(district: District, housing: Housing, people: People, seed: int) -> dict[str, np.ndarray]:
    """A near-repeat burglary pattern on purpose (家中财物被盗 at neighbouring dwellings within days), drawn
    from a random stream of its own so that every other incident stays as it was."""
    rng = rng_for(seed, 6, 20_000)
    station = 0
    mine = np.flatnonzero(district.villages.station[housing.village[people.household_building]] == station)
    home = np.unique(people.household_building[mine[people.household_occupied[mine]]])
    origin = home[rng.integers(0, len(home), NEAR_REPEAT_CHAINS)]
    follow = rng.integers(*NEAR_REPEAT_FOLLOW, NEAR_REPEAT_CHAINS)
    first_day = rng.integers(DAYS - 365, DAYS - 14, NEAR_REPEAT_CHAINS)
    n = int(NEAR_REPEAT_CHAINS + follow.sum())
    chain = np.concatenate([np.arange(NEAR_REPEAT_CHAINS), np.repeat(np.arange(NEAR_REPEAT_CHAINS), follow)])
    later = np.concatenate([np.zeros(NEAR_REPEAT_CHAINS, dtype=np.int64), rng.integers(1, 8, n - NEAR_REPEAT_CHAINS)])
    spread = np.concatenate([np.zeros(NEAR_REPEAT_CHAINS), np.full(n - NEAR_REPEAT_CHAINS, 45.0)])
    x = housing.cx[origin[chain]] + rng.normal(0, 1, n) * spread
    y = housing.cy[origin[chain]] + rng.normal(0, 1, n) * spread
    village = locate(district, station, x, y)
    outside = village < 0
    x[outside], y[outside] = housing.cx[origin[chain[outside]]], housing.cy[origin[chain[outside]]]
    village[outside] = housing.village[origin[chain[outside]]]
    hour = rng.choice(24, size=n, p=hour_weights("theft"))
    return {
        "station": np.full(n, station),
        "day": first_day[chain] + later,
        "seconds": hour * 3600 + rng.integers(0, 3600, n),
        "category": np.full(n, CATEGORIES.index("theft")),
        "x": x,
        "y": y,
        "village": village,
        "source": np.zeros(n, dtype=np.int64),  # reported by 110 call
        "phrase": np.full(n, 1.5 / len(PHRASES["theft"])),  # 家中财物被盗
        "building": np.where(later == 0, origin[chain], -1),  # the first of a chain at the dwelling itself
        "household": np.full(n, -1),
    }


EMERGING_WEEKS = (3, 4, 5, 6, 7, 8)  # thefts in each of the last six weeks before the anchor (issue 21) …
EMERGING_SPREAD_M = 60.0  # … around one dwelling of the first station's quietest quarter, never there before


def emerging_centre(district: District, housing: Housing, people: People, before: list[dict[str, np.ndarray]]
                    ) -> tuple[float, float, int]:
    """Where the emerging hot spot is planted (metres of the district frame): the dwelling of the first
    station with the fewest thefts of the last year within 1.5 km (the incidents drawn `before`), then the
    fewest dwellings within 700 m, at least 1.5 km from the station's incident hot spots, so that its cell
    and the cells around it were quiet before (deterministic, no random draw)."""
    station = 0
    mine = np.flatnonzero(district.villages.station[housing.village[people.household_building]] == station)
    home = np.unique(people.household_building[mine[people.household_occupied[mine]]])
    hx, hy = housing.cx[home], housing.cy[home]
    centres = _hotspots(district, housing, station)
    centres = centres[~np.isnan(centres[:, 0])]
    clear = np.min(np.hypot(hx[:, None] - centres[None, :, 0], hy[:, None] - centres[None, :, 1]), axis=1) > 1_500
    candidates = np.flatnonzero(clear) if clear.any() else np.arange(len(home))
    x = np.concatenate([p["x"] for p in before])
    y = np.concatenate([p["y"] for p in before])
    recent = ((np.concatenate([p["category"] for p in before]) == CATEGORIES.index("theft"))
              & (np.concatenate([p["station"] for p in before]) == station)
              & (np.concatenate([p["day"] for p in before]) >= DAYS - 365))
    tx, ty = x[recent], y[recent]
    thefts = np.array([int((np.hypot(tx - hx[k], ty - hy[k]) < 1_500).sum()) for k in candidates])
    crowd = np.array([int((np.hypot(hx - hx[k], hy - hy[k]) < 700).sum()) for k in candidates])
    pick = candidates[int(np.lexsort((crowd, thefts))[0])]
    return float(hx[pick]), float(hy[pick]), int(home[pick])


def _emerging_hot_spot(district: District, housing: Housing, people: People, seed: int,
                       before: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """One emerging hot spot on purpose: electric-bike thefts (电动车被盗) growing week by week over the last
    six weeks at a place that had none before; from a random stream of its own, so every other incident
    stays as it was."""
    rng = rng_for(seed, 6, 30_000)
    station = 0
    cx, cy, building = emerging_centre(district, housing, people, before)
    weeks = len(EMERGING_WEEKS)
    n = int(sum(EMERGING_WEEKS))
    week = np.repeat(np.arange(weeks), EMERGING_WEEKS)
    day = DAYS - 7 * weeks + 7 * week + rng.integers(0, 7, n)
    x = cx + rng.normal(0, 1, n) * EMERGING_SPREAD_M
    y = cy + rng.normal(0, 1, n) * EMERGING_SPREAD_M
    village = locate(district, station, x, y)
    outside = village < 0
    x[outside], y[outside] = cx, cy
    village[outside] = housing.village[building]
    hour = rng.choice(24, size=n, p=hour_weights("theft"))
    return {
        "station": np.full(n, station),
        "day": day,
        "seconds": hour * 3600 + rng.integers(0, 3600, n),
        "category": np.full(n, CATEGORIES.index("theft")),
        "x": x,
        "y": y,
        "village": village,
        "source": np.zeros(n, dtype=np.int64),  # reported by 110 call
        "phrase": np.full(n, 0.5 / len(PHRASES["theft"])),  # 电动车被盗
        "building": np.full(n, -1),
        "household": np.full(n, -1),
    }


def _sources(rng: np.random.Generator, category: np.ndarray) -> np.ndarray:
    """110 call, walk-in report or found on patrol, by category."""
    table = np.array([SOURCE_SHARE.get(c, (0.5, 0.4, 0.1)) for c in CATEGORIES])
    cumulative = np.cumsum(table, axis=1)[category]
    return (rng.random(len(category))[:, None] > cumulative[:, :2]).sum(axis=1)


def _incident_table(
    rng: np.random.Generator, district: District, data: dict[str, np.ndarray], occurred: np.ndarray
) -> Table:
    """Report delays by source, status by age, a one-line summary and the point of each incident."""
    n = len(occurred)
    source = data["source"]
    delay_s = np.select(
        [source == 0, source == 2],
        [rng.uniform(60, 1_200, n), rng.uniform(0, 180, n)],
        rng.exponential(np.where(data["category"] == 1, 86_400, 28_800)) + 600,
    )
    end = utc(np.array([ANCHOR_DAY]), np.array([0]))[0] - np.timedelta64(1, "s")
    reported = np.minimum(occurred + delay_s.astype("timedelta64[s]"), np.maximum(end, occurred))
    age_days = (end - occurred).astype("timedelta64[s]").astype(np.int64) / 86_400
    draw = rng.random(n)
    status = np.where(
        age_days < 3,
        np.where(draw < 0.5, "open", "handled"),
        np.where(
            age_days < 30,
            np.where(draw < 0.6, "handled", "closed"),
            np.where(draw < 0.96, "closed", "handled"),
        ),
    )
    names = district.villages.name
    category = np.array(CATEGORIES)[data["category"]]
    phrases = [p for c in CATEGORIES for p in PHRASES[c]]
    first = np.cumsum([0] + [len(PHRASES[c]) for c in CATEGORIES])[:-1]
    sizes = np.array([len(PHRASES[c]) for c in CATEGORIES])
    phrase = first[data["category"]] + (data["phrase"] * sizes[data["category"]]).astype(int)
    combined = data["village"] * len(phrases) + phrase
    unique, inverse = np.unique(combined, return_inverse=True)
    texts = [names[v] + phrases[k] for v, k in zip(*np.divmod(unique, len(phrases)), strict=True)]
    summary = [texts[k] for k in inverse.tolist()]
    frame = district.frame
    x, y = data["x"], data["y"]
    return Table(
        "incident",
        {
            "id": np.arange(1, n + 1),
            "station_id": data["station"] + 1,
            "occurred_at": occurred,
            "reported_at": reported,
            "category": category.tolist(),
            "source": np.array(SOURCES)[source].tolist(),
            "location": Lazy(lambda a, b: points_hex(frame.lon(x[a:b]), frame.lat(y[a:b])), n),
            "beat_id": district.villages.beat[data["village"]] + 1,
            "status": status.tolist(),
            "summary": summary,
            "household_id": [None if h < 0 else h + 1 for h in data["household"].tolist()],
        },
    )
