"""入户走访 visit history of the last 12 months: who visited which household, when, where the phone
was (GPS) and which of the 三必核/四必访/五必宣 items were covered."""

import json

import numpy as np

from seed.geography import District
from seed.housing import Housing
from seed.population import People
from seed.scales import ANCHOR_DAY, Scale, rng_for, utc
from seed.tables import Lazy, Table
from seed.users import Staff
from seed.wkb import points_hex

# api.visits.models.CHECKLIST_ITEMS keys (in that order) with how often each is covered
CHECKLIST = (
    ("verify_hukou", 0.97),
    ("verify_residents", 0.95),
    ("verify_vehicles", 0.88),
    ("ask_disputes", 0.9),
    ("ask_minors", 0.6),
    ("ask_key_groups", 0.75),
    ("ask_sentiment", 0.9),
    ("explain_fire_theft", 0.9),
    ("explain_fraud", 0.95),
    ("explain_traffic", 0.8),
    ("explain_drugs", 0.6),
    ("explain_contact", 0.97),
)
NOTES = (
    "家庭情况稳定，无异常",
    "宣传防范电信诈骗，发放宣传单",
    "核实人口信息，无变动",
    "提醒电动车规范充电",
    "了解邻里关系，和睦",
    "留下社区民警联系方式",
    "老人身体尚可，子女定期探望",
    "核对车辆信息，已更新",
)
FOLLOW_UP_NOTES = (
    "发现邻里矛盾苗头，需复访",
    "人户分离，需核实",
    "独居老人行动不便，需定期关注",
    "租户信息未登记，需补录",
    "反映村内路灯损坏，已转村委",
)
NEVER_VISITED = 0.06
FAR_SHARE = 0.02


def _checklist_json(code: int) -> str:
    return json.dumps({key: bool(code >> k & 1) for k, (key, _) in enumerate(CHECKLIST)}, separators=(", ", ": "))


def build_visits(district: District, housing: Housing, people: People, staff: Staff, scale: Scale, seed: int) -> Table:
    """About `visits_per_household` visits per occupied household, more to key persons and people in care."""
    rng = rng_for(seed, 7)
    households = len(people.household_building)
    weight = people.household_occupied.astype(float)
    key_hh = np.zeros(households, bool)
    key_hh[people.person_household[people.person_key]] = True
    cared_hh = np.zeros(households, bool)
    cared_hh[people.person_household[people.person_cared]] = True
    weight *= np.where(key_hh, 6.0, 1.0) * np.where(cared_hh, 2.0, 1.0)
    weight[rng.random(households) < NEVER_VISITED] = 0
    rate = scale.visits_per_household * people.household_occupied.sum() / weight.sum()
    count = np.where(weight > 0, 1 + rng.poisson(np.maximum(rate * weight - 1, 0)), 0)  # all but a few seen
    household = np.repeat(np.arange(households), count)
    n = len(household)
    day = rng.choice(365, size=n, p=_day_weights())
    slot = rng.choice(3, size=n, p=[0.55, 0.35, 0.10])
    start = np.array([8.5, 14.5, 18.5])[slot]
    seconds = ((start + rng.uniform(0, np.array([3.0, 3.0, 1.5])[slot])) * 3600).astype(np.int64)
    visited = utc(ANCHOR_DAY - 365 + day, seconds)
    beat = people.household_beat[household]
    duty = rng.choice(4, size=n, p=[0.4, 0.3, 0.15, 0.15])
    user = np.select(
        [duty == 0, duty == 1, duty == 2],
        [staff.beat_officer[beat], staff.beat_auxiliary[beat], staff.beat_grid[beat, 0]],
        staff.beat_grid[beat, 1],
    )
    building = people.household_building[household]
    x, y, distance = _gps(rng, housing, building)
    bits = np.zeros(n, dtype=np.int64)
    for k, (_, share) in enumerate(CHECKLIST):
        bits |= (rng.random(n) < share).astype(np.int64) << k
    checklist = {code: _checklist_json(code) for code in np.unique(bits).tolist()}
    follow_up = rng.random(n) < 0.05
    note = rng.integers(0, 1_000, n)
    notes = [
        FOLLOW_UP_NOTES[k % len(FOLLOW_UP_NOTES)] if f else NOTES[k % len(NOTES)]
        for k, f in zip(note.tolist(), follow_up.tolist(), strict=True)
    ]
    order = np.argsort(visited, kind="stable")
    frame = district.frame
    x, y = x[order], y[order]
    return Table(
        "visit",
        {
            "id": np.arange(1, n + 1),
            "household_id": household[order] + 1,
            "user_id": user[order],
            "visited_at": visited[order],
            "location": Lazy(lambda a, b: points_hex(frame.lon(x[a:b]), frame.lat(y[a:b])), n),
            "accuracy_m": np.round(rng.uniform(3, 25, n), 1)[order],
            "distance_m": np.round(distance, 1)[order],
            "flagged_far": (distance > 200)[order],
            "checklist": [checklist[b] for b in bits[order].tolist()],
            "notes": [notes[k] for k in order.tolist()],
            "follow_up": follow_up[order],
        },
    )


def _day_weights() -> np.ndarray:
    """Field work happens on weekdays mostly."""
    days = ANCHOR_DAY - 365 + np.arange(365)
    weekday = (days.astype(np.int64) + 3) % 7
    weights = np.array([1.0, 1.0, 1.0, 1.0, 1.0, 0.45, 0.25])[weekday]
    return weights / weights.sum()


def _gps(rng: np.random.Generator, housing: Housing, building: np.ndarray) -> tuple[np.ndarray, ...]:
    """Phone positions near the building (a few far away) and their distance to its footprint (m)."""
    n = len(building)
    far = rng.random(n) < FAR_SHARE
    radius = np.where(far, rng.uniform(260, 800, n), np.abs(rng.normal(0, 14, n)))
    bearing = rng.uniform(0, 2 * np.pi, n)
    cx, cy = housing.cx[building], housing.cy[building]
    x, y = cx + radius * np.cos(bearing), cy + radius * np.sin(bearing)
    angle = housing.angle[building]
    along = (x - cx) * np.cos(angle) + (y - cy) * np.sin(angle)
    across = -(x - cx) * np.sin(angle) + (y - cy) * np.cos(angle)
    half_w, half_d = housing.width[building] / 2, housing.depth[building] / 2
    distance = np.hypot(np.maximum(np.abs(along) - half_w, 0), np.maximum(np.abs(across) - half_d, 0))
    return x, y, distance
