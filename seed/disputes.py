"""矛盾纠纷 disputes in the seeds' colour proportions (≈70% green), each with two parties from one village
and a mediation timeline whose stage on the anchor date gives its status."""

import numpy as np

from seed import families
from seed.geography import District
from seed.housing import Housing
from seed.population import People
from seed.scales import ANCHOR_DAY, Scale, rng_for, utc
from seed.tables import Lazy, Table
from seed.users import Staff
from seed.wkb import points_hex

GRADES = ("green", "yellow", "orange", "red")
GRADE_SHARE = (0.70, 0.20, 0.07, 0.03)
CATEGORIES = ("neighbour", "family", "marriage", "land", "debt", "other")
CATEGORY_SHARE = (0.30, 0.18, 0.12, 0.18, 0.14, 0.08)
# the timeline's first note is read by people: category and grade in Chinese (as zh-CN.js names them)
CATEGORY_ZH = {"neighbour": "邻里", "family": "家庭", "marriage": "婚姻", "land": "土地/地畔", "debt": "债务",
               "other": "其他"}
GRADE_ZH = {"green": "绿色", "yellow": "黄色", "orange": "橙色", "red": "红色"}
ESCALATE = (0.02, 0.08, 0.25, 0.5)  # by grade
PHRASES = {
    "neighbour": ("宅基地边界", "排水", "院墙通行", "噪音", "树木遮挡", "晒场占用"),
    "family": ("赡养", "家庭财产分割", "老人赡养费用", "房屋继承"),
    "marriage": ("婚姻家庭", "离婚财产", "彩礼返还"),
    "land": ("土地承包", "地界", "林地权属", "征地补偿"),
    "debt": ("民间借贷", "工程款", "劳务费拖欠", "货款"),
    "other": ("消费", "养殖污染", "交通事故赔偿", "宠物伤人"),
}
DAY_S, HOUR_S = 86_400, 3_600
DAYS = 1_096


def _grades(rng: np.random.Generator, n: int) -> np.ndarray:
    """Exactly the seed proportions (rounded), shuffled."""
    counts = [round(n * share) for share in GRADE_SHARE[1:]]
    grades = np.repeat(np.arange(4), [n - sum(counts), *counts])
    return rng.permutation(grades)


class _Parties:
    """Picks the two sides of a dispute among a station's registered households."""

    def __init__(self, rng: np.random.Generator, people: People, housing: Housing, station_households: np.ndarray):
        self.rng, self.people = rng, people
        self.size = people.household_size
        self.households = station_households
        self.village = people.household_village[station_households]
        building = people.household_building[station_households]
        self.x, self.y = housing.cx[building], housing.cy[building]

    def members(self, household: int) -> range:
        start = int(self.people.household_head[household])
        return range(start, start + int(self.size[household]))

    def pick(self, category: str) -> tuple[int, int, int, int]:
        """(person 1, household 1, person 2, household 2)."""
        k = int(self.rng.integers(len(self.households)))
        h1 = int(self.households[k])
        p1 = int(self.people.household_head[h1])
        wanted = {"family": ("child", "father", "mother"), "marriage": ("spouse",)}.get(category, ())
        kinds = [families.KINDS.index(w) for w in wanted]
        within = [p for p in self.members(h1) if self.people.person_kind[p] in kinds and self.people.person_adult[p]]
        if within:
            return p1, h1, within[0], h1
        same = np.flatnonzero((self.village == self.village[k]) & (np.arange(len(self.households)) != k))
        distance = np.hypot(self.x[same] - self.x[k], self.y[same] - self.y[k])
        near = same[np.argsort(distance, kind="stable")[: 1 if category == "neighbour" else 25]]
        h2 = int(self.households[near[int(self.rng.integers(len(near)))]])
        return p1, h1, int(self.people.household_head[h2]), h2


def build_disputes(
    district: District, housing: Housing, people: People, staff: Staff, scale: Scale, seed: int
) -> list[Table]:
    """dispute, dispute_party and dispute_event rows."""
    rows: dict[str, list] = {
        k: []
        for k in (
            "station",
            "title",
            "category",
            "grade",
            "status",
            "level",
            "x",
            "y",
            "beat",
            "household",
            "summary",
            "reported_by",
            "reported",
            "responded",
            "resolved",
            "closed",
            "signed",
            "return_visit",
        )
    }
    parties: list[tuple[int, int, int, str]] = []
    events: list[tuple[int, int, int, str, str]] = []
    end = int(utc(np.array([ANCHOR_DAY]), np.array([0]))[0].astype(np.int64))
    station_of_household = district.villages.station[people.household_village]
    for place in district.stations:
        rng = rng_for(seed, 8, place.index)
        registered = np.flatnonzero((station_of_household == place.index) & (people.household_tenure == "owner"))
        picker = _Parties(rng, people, housing, registered)
        days = rng.choice(DAYS, size=scale.disputes, p=_recent_weights())
        for day, grade in zip(days.tolist(), _grades(rng, scale.disputes).tolist(), strict=True):
            category = CATEGORIES[int(rng.choice(len(CATEGORIES), p=CATEGORY_SHARE))]
            p1, h1, p2, h2 = picker.pick(category)
            dispute = len(rows["title"]) + 1
            beat = int(people.household_beat[h1])
            members = (
                int(staff.beat_officer[beat]),
                int(staff.beat_auxiliary[beat]),
                int(staff.beat_grid[beat, 0]),
                int(staff.beat_grid[beat, 1]),
            )
            reporter = members[int(rng.choice(4, p=[0.3, 0.3, 0.2, 0.2]))]
            reported = end - (DAYS - day) * DAY_S + int(rng.integers(8 * HOUR_S, 20 * HOUR_S))
            timeline = _timeline(rng, grade, reported, end, members, reporter, category)
            for at, user, kind, text in timeline["events"]:
                events.append((dispute, at, user, kind, text))
            parties += [(dispute, p1, h1, "applicant"), (dispute, p2, h2, "respondent")]
            phrase = PHRASES[category][int(rng.integers(len(PHRASES[category])))]
            village = district.villages.name[int(people.household_village[h1])]
            s1, s2 = people.person_surname[p1], people.person_surname[p2]
            title = (
                f"{village}{s1}某家庭{phrase}纠纷"
                if h1 == h2 and category == "family"
                else f"{village}{s1}某与{s2}某{phrase}纠纷"
            )
            building = int(people.household_building[h1])
            for key, value in (
                ("station", place.index),
                ("title", title),
                ("category", category),
                ("grade", GRADES[grade]),
                ("x", housing.cx[building] + rng.normal(0, 8)),
                ("y", housing.cy[building] + rng.normal(0, 8)),
                ("beat", beat),
                ("household", h1),
                ("summary", f"{phrase}引发矛盾，{timeline['summary']}"),
                ("reported_by", reporter),
                ("reported", reported),
            ):
                rows[key].append(value)
            for key in ("status", "level", "responded", "resolved", "closed", "signed", "return_visit"):
                rows[key].append(timeline[key])
    return _tables(district, rows, parties, events)


def _recent_weights() -> np.ndarray:
    """More disputes recorded in recent months (the register grew)."""
    weights = np.linspace(0.4, 1.6, DAYS)
    return weights / weights.sum()


def _timeline(
    rng: np.random.Generator,
    grade: int,
    reported: int,
    end: int,
    members: tuple[int, ...],
    reporter: int,
    category: str,
) -> dict:
    """Response, mediations, then agreement and a return visit (or escalation); its stage at `end`
    (the anchor) gives the status, and only events before `end` are kept."""
    officer, auxiliary, mediator, _ = members
    events = [(reported, reporter, "note", f"登记{CATEGORY_ZH[category]}类矛盾纠纷，{GRADE_ZH[GRADES[grade]]}等级")]
    responded = reported + int(rng.uniform(0.2, 4 if grade >= 2 else 48) * HOUR_S)
    at = responded
    protracted = rng.random() < 0.05  # a few drag on for months
    rounds = int(rng.integers(3, 7)) if protracted else int(rng.integers(1, 2 + grade))
    for k in range(rounds):
        at += int((rng.uniform(20, 60) if protracted else rng.uniform(0.5, 8)) * DAY_S) if k else 0
        events.append((at, mediator if k % 2 == 0 else officer, "mediation", f"第{k + 1}次调解"))
    level = "village" if grade == 0 or (grade == 1 and rng.random() < 0.7) else "station"
    escalated = bool(rng.random() < ESCALATE[grade])
    signed = bool(rng.random() < 0.85)
    decided = at + int(rng.uniform(1, 5) * DAY_S)
    visit_due = decided + (30 if grade == 0 else 15) * DAY_S
    closed = visit_due + int(rng.uniform(-2, 3) * DAY_S) if rng.random() > 0.12 else None  # some are overdue
    if escalated:
        events.append((decided, officer, "escalation", "调解未果，移交上级"))
    else:
        events.append(
            (
                decided,
                officer,
                "agreement" if signed else "note",
                "签订人民调解协议书" if signed else "双方口头达成和解",
            )
        )
        if closed is not None:
            events.append((closed, auxiliary, "return_visit", "回访：双方履行协议，关系正常"))
    if responded >= end:
        status, summary = "open", "待处理"
    elif decided >= end:
        status, summary = "mediating", "调解中"
    elif escalated:
        status, summary, level = "escalated", "已上报", "county" if grade >= 2 else "station"
    elif closed is not None and closed < end:
        status, summary = "closed", "已化解并回访"
    else:
        status, summary = "resolved", "已化解，待回访"
    done = status in ("resolved", "closed")
    return {
        "status": status,
        "level": level,
        "summary": summary,
        "events": [e for e in events if e[0] < end],
        "responded": responded if responded < end else None,
        "resolved": decided if done else None,
        "closed": closed if status == "closed" else None,
        "signed": signed and done,
        "return_visit": visit_due if status == "resolved" else None,
    }


def _tables(district: District, rows: dict[str, list], parties: list, events: list) -> list[Table]:
    n = len(rows["title"])
    frame = district.frame
    x, y = np.array(rows["x"]), np.array(rows["y"])

    def instants(values: list) -> np.ndarray:
        return np.array(
            [np.datetime64("NaT") if v is None else np.datetime64(v, "s") for v in values],
            dtype="datetime64[s]",
        )

    return_day = instants(rows["return_visit"])
    return_day = (return_day + np.timedelta64(8, "h")).astype("datetime64[D]")
    disputes = Table(
        "dispute",
        {
            "id": np.arange(1, n + 1),
            "station_id": np.array(rows["station"]) + 1,
            "title": rows["title"],
            "category": rows["category"],
            "grade": rows["grade"],
            "status": rows["status"],
            "level": rows["level"],
            "location": Lazy(lambda a, b: points_hex(frame.lon(x[a:b]), frame.lat(y[a:b])), n),
            "beat_id": np.array(rows["beat"]) + 1,
            "household_id": np.array(rows["household"]) + 1,
            "summary": rows["summary"],
            "reported_by": np.array(rows["reported_by"]),
            "reported_at": instants(rows["reported"]),
            "first_response_at": instants(rows["responded"]),
            "resolved_at": instants(rows["resolved"]),
            "closed_at": instants(rows["closed"]),
            "agreement_signed": np.array(rows["signed"]),
            "next_return_visit": return_day,
        },
    )
    dispute_parties = Table(
        "dispute_party",
        {
            "id": np.arange(1, len(parties) + 1),
            "dispute_id": np.array([p[0] for p in parties]),
            "person_id": np.array([p[1] for p in parties]) + 1,
            "household_id": np.array([p[2] for p in parties]) + 1,
            "side": [p[3] for p in parties],
        },
    )
    dispute_events = Table(
        "dispute_event",
        {
            "id": np.arange(1, len(events) + 1),
            "dispute_id": np.array([e[0] for e in events]),
            "at": instants([e[1] for e in events]),
            "user_id": np.array([e[2] for e in events]),
            "kind": [e[3] for e in events],
            "text": [e[4] for e in events],
        },
    )
    return [disputes, dispute_parties, dispute_events]
