"""户 households, 实有人口 residents and their vehicles, generated in bulk (numpy) for the whole district."""

from dataclasses import dataclass

import numpy as np

from seed import families, names
from seed.defects import add_register_defects
from seed.documents import building_facts, household_facts, person_facts
from seed.geography import District
from seed.housing import Housing
from seed.idnumbers import make_numbers
from seed.people import person_names, phones, plates, tag_arrays
from seed.scales import ANCHOR_DAY, Scale, rng_for, utc
from seed.tables import Table

TENURE_RESIDENCY = {"owner": "registered", "collective": "floating"}


@dataclass
class People:
    """What later phases need to know about households and residents (index = id - 1)."""

    household_building: np.ndarray
    household_beat: np.ndarray
    household_village: np.ndarray
    household_occupied: np.ndarray
    household_tenure: np.ndarray  # owner, rental, collective, vacant
    household_head: np.ndarray  # person index of the head (the first member), -1 when vacant
    household_size: np.ndarray
    person_household: np.ndarray
    person_kind: np.ndarray  # index into families.KINDS
    person_age: np.ndarray  # completed years on the anchor date
    person_adult: np.ndarray
    person_key: np.ndarray  # key_person tag
    person_cared: np.ndarray  # elderly_alone or left_behind_child
    person_surname: list[str]


def _weighted(rng: np.random.Generator, choices: tuple[tuple, ...], n: int) -> np.ndarray:
    weights = np.array([c[-1] for c in choices], dtype=float)
    return rng.choice(len(choices), size=n, p=weights / weights.sum())


def _tenants(
    rng: np.random.Generator, scale: Scale, station: np.ndarray, urban: np.ndarray, tenure: np.ndarray
) -> np.ndarray:
    """Residency of each household's members: registered owners, and rentals let to floating,
    temporary (暂住) or foreign residents."""
    residency = np.array([TENURE_RESIDENCY.get(t, "") for t in tenure], dtype=object)
    rental_size = families.expected_size("rental")
    for s in np.unique(station):
        rentals = np.flatnonzero((station == s) & (tenure == "rental"))
        urban_rentals = rentals[urban[rentals]]
        foreign = rng.choice(urban_rentals, size=min(len(urban_rentals), round(scale.foreign / 1.6)), replace=False)
        rest = np.setdiff1d(rentals, foreign)
        temporary = rng.choice(rest, size=min(len(rest), round(scale.temporary / 2 / rental_size)), replace=False)
        residency[rentals] = "floating"
        residency[foreign] = "foreign"
        residency[temporary] = "temporary"
    return residency


def _templates(rng: np.random.Generator, tenure: np.ndarray, urban: np.ndarray) -> np.ndarray:
    """A family template per household (-1 for vacant dwellings)."""
    template = np.full(len(tenure), -1)
    for mask, kind in (
        ((tenure == "owner") & ~urban, "rural"),
        ((tenure == "owner") & urban, "urban"),
        (tenure == "rental", "rental"),
        (tenure == "collective", "collective"),
    ):
        template[mask] = families.draw(rng, kind, int(mask.sum()))
    return template


def _stay_over(
    rng: np.random.Generator,
    scale: Scale,
    station: np.ndarray,
    template: np.ndarray,
    hh_residency: np.ndarray,
    members: families.Members,
) -> families.Members:
    """Relatives staying in registered families as 暂住 residents (tops up the station's figure)."""
    excluded = [families.INDEX[n] for n in ("elderly_alone", "left_behind_1", "left_behind_2")]
    temporary_now = np.bincount(
        station[members.household],
        weights=hh_residency[members.household] == "temporary",
        minlength=station.max() + 1,
    )
    hosts = []
    for s in np.unique(station):
        pool = np.flatnonzero((station == s) & (hh_residency == "registered") & ~np.isin(template, excluded))
        hosts.append(rng.choice(pool, size=max(0, scale.temporary - int(temporary_now[s])), replace=False))
    host = np.sort(np.concatenate(hosts))
    extra = families.Members(
        household=host,
        kind=np.full(len(host), families.KINDS.index("other")),
        male=rng.random(len(host)) < 0.5,
        age=rng.uniform(18, 70, len(host)),
    )
    order = np.argsort(np.concatenate([members.household, host]), kind="stable")
    return families.Members(
        *(np.concatenate([getattr(members, f), getattr(extra, f)])[order] for f in ("household", "kind", "male", "age"))
    )


def build_people(district: District, housing: Housing, scale: Scale, seed: int) -> tuple[list[Table], People]:
    """Households, persons and vehicles of every dwelling."""
    rng = rng_for(seed, 4)
    building, tenure = housing.building, housing.tenure
    village = housing.village[building]
    station = district.villages.station[village]
    urban = district.villages.is_community[village]
    hh_residency = _tenants(rng, scale, station, urban, tenure)
    template = _templates(rng, tenure, urban)
    for s in np.unique(station):  # foreign residents: singles and couples adding up to the figure
        foreign = np.flatnonzero((station == s) & (hh_residency == "foreign"))
        couples = min(len(foreign), max(0, scale.foreign - len(foreign)))
        template[foreign] = families.INDEX["worker"]
        template[foreign[:couples]] = families.INDEX["worker_couple"]
    occupied = template >= 0
    members = families.expand(rng, template[occupied])
    members.household = np.flatnonzero(occupied)[members.household]
    members = _stay_over(rng, scale, station, template, hh_residency, members)
    hh = members.household
    n = len(hh)
    residency = hh_residency[hh].copy()
    residency[members.kind == families.KINDS.index("other")] = np.where(
        hh_residency[hh] == "registered", "temporary", hh_residency[hh]
    )[members.kind == families.KINDS.index("other")]
    birth = ANCHOR_DAY - np.round(members.age * 365.2425).astype("timedelta64[D]")
    age = _completed_years(birth)

    nationality, region = _origins(rng, hh, residency, hh_residency)
    id_number = make_numbers(rng, region, birth, members.male)
    full_name, surname = person_names(rng, hh, members.kind, members.male, birth, nationality)
    phone = phones(rng, n, (age >= 16) & (rng.random(n) < np.where(age >= 75, 0.7, 0.96)))
    size = np.bincount(hh, minlength=len(building))
    tags, flags = tag_arrays(rng, hh, age, members.male, size, residency)
    relation = np.array(
        [
            families.RELATIONS[families.KINDS[k]][0 if m else 1]
            for k, m in zip(members.kind.tolist(), members.male.tolist(), strict=True)
        ],
        dtype=object,
    )
    moved_days = np.where(residency == "temporary", rng.integers(3, 180, n), rng.integers(20, 2_000, n))
    moved_in = np.where(residency == "registered", np.datetime64("NaT", "D"), ANCHOR_DAY - moved_days)
    moved_in = np.maximum(moved_in, birth)

    head = np.full(len(building), -1)
    first = np.r_[True, hh[1:] != hh[:-1]]
    head[hh[first]] = np.flatnonzero(first)
    hukou = _hukou_numbers(district, station, tenure)
    beat = district.villages.beat[village]
    households = Table(
        "household",
        {
            "id": np.arange(1, len(building) + 1),
            "building_id": building + 1,
            "unit": housing.unit,
            "floor": housing.floor,
            "room": housing.room.tolist(),
            "hukou_no": hukou.tolist(),
            "kind": tenure.tolist(),
            "phone": [phone[h] if h >= 0 else None for h in head.tolist()],
            "beat_id": beat + 1,
            **household_facts(rng_for(seed, 4, 8), tenure, building,
                              building_facts(rng_for(seed, 3, 7), np.asarray(housing.kind, dtype=object),
                                             building, tenure)),
        },
    )
    persons = Table(
        "person",
        {
            "id": np.arange(1, n + 1),
            "household_id": hh + 1,
            "name": full_name,
            "id_number": id_number,
            "gender": np.where(members.male, "M", "F").tolist(),
            "birth_date": birth,
            "phone": phone,
            "residency": residency.tolist(),
            "relation_to_head": relation.tolist(),
            "tags": tags,
            "nationality": nationality.tolist(),
            "moved_in": moved_in,
            **person_facts(rng_for(seed, 4, 7), residency, region.astype(str)),
        },
    )
    vehicles = _vehicles(rng, head, urban, occupied)
    _registration_times(rng_for(seed, 4, 1), households, persons, vehicles, moved_in, birth, hh)
    add_register_defects(rng_for(seed, 4, 9), persons, person_station=station[hh], household_tenure=tenure,
                         birth=birth, male=members.male, residency=residency)
    people = People(
        household_building=building,
        household_beat=beat,
        household_village=village,
        household_occupied=occupied,
        household_tenure=tenure,
        household_head=head,
        household_size=size,
        person_household=hh,
        person_kind=members.kind,
        person_age=age,
        person_adult=age >= 18,
        person_key=flags["key_person"],
        person_cared=flags["elderly_alone"] | flags["left_behind_child"],
        person_surname=surname,
    )
    return [households, persons, vehicles], people


def _registration_times(rng: np.random.Generator, households: Table, persons: Table, vehicles: Table,
                        moved_in: np.ndarray, birth: np.ndarray, hh: np.ndarray) -> None:
    """created_at of households, persons and vehicles in the past, on working hours (created_by stays NULL:
    the demo's records predate the app, so no officer's month counts them as collected).

    A person who moved in was registered within a week of it; a registered (户籍) resident 2–8 years
    before the anchor, not before birth + a week; a household when its first resident was; a vehicle
    up to ~2.5 years after its household. Never on or after the anchor day. Its own random stream, so the
    other columns do not change."""
    latest = ANCHOR_DAY - 1
    n = len(moved_in)
    years_ago = ANCHOR_DAY - rng.integers(2 * 365, 8 * 365, n).astype("timedelta64[D]")
    hukou = np.maximum(years_ago, birth + rng.integers(7, 60, n).astype("timedelta64[D]"))
    person_day = np.where(np.isnat(moved_in), hukou, moved_in + rng.integers(0, 8, n).astype("timedelta64[D]"))
    person_day = np.minimum(person_day, latest)
    households_n = len(households)
    household_day = ANCHOR_DAY - rng.integers(2 * 365, 8 * 365, households_n).astype("timedelta64[D]")
    first = np.full(households_n, latest)
    np.minimum.at(first, hh, person_day)
    household_day = np.where(np.isin(np.arange(households_n), hh), first, household_day)
    owner_household = np.asarray(vehicles.columns["household_id"]) - 1
    vehicle_day = np.minimum(household_day[owner_household]
                             + rng.integers(0, 900, len(owner_household)).astype("timedelta64[D]"), latest)

    def at(days: np.ndarray) -> np.ndarray:
        return utc(days, rng.integers(int(8.5 * 3600), int(17.5 * 3600), len(days)))

    households.columns["created_at"] = at(household_day)
    created = at(person_day)
    persons.columns["created_at"] = created
    persons.columns["updated_at"] = created
    vehicles.columns["created_at"] = at(vehicle_day)


def _origins(
    rng: np.random.Generator, hh: np.ndarray, residency: np.ndarray, hh_residency: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Nationality and the region code of each identity number: Binzhou for registered residents,
    other provinces for floating and temporary ones, 9 + province + nationality for foreigners."""
    n = len(hh)
    nationality = np.full(n, "CHN", dtype=object)
    region = np.array([names.BINZHOU_REGIONS[k][0] for k in _weighted(rng, names.BINZHOU_REGIONS, n)], dtype=object)
    outsiders = np.isin(residency, ["floating", "temporary"])
    others = _weighted(rng, names.OTHER_PROVINCE_REGIONS, int(outsiders.sum()))
    region[outsiders] = [names.OTHER_PROVINCE_REGIONS[k][0] for k in others]
    foreign_hh = np.flatnonzero(hh_residency == "foreign")
    country = dict(zip(foreign_hh.tolist(), _weighted(rng, names.NATIONALITIES, len(foreign_hh)).tolist(), strict=True))
    for p in np.flatnonzero(residency == "foreign"):
        code, numeric, _ = names.NATIONALITIES[country[int(hh[p])]]
        nationality[p], region[p] = code, "937" + numeric  # 外国人永久居留身份证 issued in Shandong (37)
    return nationality, region.astype(np.int64)


def _hukou_numbers(district: District, station: np.ndarray, tenure: np.ndarray) -> np.ndarray:
    """户口簿 numbers of registered households: the town's code and a serial number."""
    hukou = np.full(len(tenure), None, dtype=object)
    owners = np.flatnonzero(tenure == "owner")
    for s in np.unique(station):
        mine = owners[station[owners] == s]
        code = district.stations[s].town_code
        hukou[mine] = [f"{code}{k:06d}" for k in range(1, len(mine) + 1)]
    return hukou


def _completed_years(birth: np.ndarray) -> np.ndarray:
    """Age in completed years on the anchor date."""
    from seed.idnumbers import birth_ymd

    anchor = int(birth_ymd(np.array([ANCHOR_DAY]))[0])
    return (anchor - birth_ymd(birth)) // 10_000


def _vehicles(rng: np.random.Generator, head: np.ndarray, urban: np.ndarray, occupied: np.ndarray) -> Table:
    """About 0.35 vehicles per household, owned by the head: cars in town, e-bikes in villages."""
    count = np.where(occupied, rng.choice(3, size=len(head), p=[0.69, 0.27, 0.04]), 0)
    household = np.repeat(np.arange(len(head)), count)
    n = len(household)
    kinds = names.VEHICLE_KINDS
    rural_kind = rng.choice(len(kinds), size=n, p=_normalised([k[1] for k in kinds]))
    urban_kind = rng.choice(len(kinds), size=n, p=_normalised([k[2] for k in kinds]))
    kind = np.where(urban[household], urban_kind, rural_kind)
    kind_name = [kinds[k][0] for k in kind.tolist()]
    brand_pick = rng.random(n)
    brand = [
        names.VEHICLE_BRANDS[k][int(u * len(names.VEHICLE_BRANDS[k]))]
        for k, u in zip(kind_name, brand_pick.tolist(), strict=True)
    ]
    color = [names.VEHICLE_COLORS[k] for k in rng.integers(0, len(names.VEHICLE_COLORS), n).tolist()]
    return Table(
        "vehicle",
        {
            "id": np.arange(1, n + 1),
            "plate": plates(rng, n),
            "kind": kind_name,
            "brand": brand,
            "color": color,
            "owner_person_id": head[household] + 1,
            "household_id": household + 1,
        },
    )


def _normalised(weights: list[float]) -> np.ndarray:
    w = np.asarray(weights, dtype=float)
    return w / w.sum()
