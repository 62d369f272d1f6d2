"""Housing and document facts (issue 17, migration 0006): building use and owner, the landlord and lease of
each rental (出租屋管理), and residents' 户籍 address, 居住证/暂住 permit and travel documents — at
realistic rates, with a controlled share of each data-quality defect so the 数据质量 board shows real work:
about 5% of rentals lack a landlord or lease dates, 4% of permits are missing, 5% expired or expiring
within 30 days, 8% of visas end within 30 days."""
import numpy as np

from seed.people import SURNAME_TEXT, given_names, phones, surnames
from seed.scales import ANCHOR_DAY

PROVINCES = {"13": "河北省", "14": "山西省", "15": "内蒙古自治区", "22": "吉林省", "23": "黑龙江省", "32": "江苏省",
             "34": "安徽省", "36": "江西省", "37": "山东省", "41": "河南省", "42": "湖北省", "43": "湖南省",
             "51": "四川省", "62": "甘肃省"}
NAT = np.datetime64("NaT", "D")


def _names(rng: np.random.Generator, n: int) -> list[str]:
    male = rng.random(n) < 0.55
    born = rng.integers(1955, 1990, n)
    return [SURNAME_TEXT[s] + g for s, g in zip(surnames(rng, n).tolist(), given_names(rng, male, born), strict=True)]


def _days(values: np.ndarray) -> np.ndarray:
    return values.astype("timedelta64[D]")


def building_facts(rng: np.random.Generator, kind: np.ndarray, household_building: np.ndarray,
                   tenure: np.ndarray) -> dict[str, list]:
    """房屋用途 from the kind and the tenure of its dwellings; an owner for buildings let out (the landlord
    of village self-built rentals) and for commercial and industrial premises."""
    n = len(kind)
    rentals = np.bincount(household_building[tenure == "rental"], minlength=n)
    dwellings = np.bincount(household_building, minlength=n)
    use = np.full(n, "own_use", dtype=object)
    use[(rentals > 0) & (rentals * 2 >= dwellings)] = "rental"
    use[np.isin(kind, ["commercial", "mixed"])] = "business"
    use[kind == "public"] = "public"
    industrial = np.flatnonzero(kind == "industrial")
    use[industrial] = np.where(rng.random(len(industrial)) < 0.7, "production", "storage")
    use[kind == "farm"] = "other"
    use[(dwellings > 0) & (np.bincount(household_building[tenure == "vacant"], minlength=n) == dwellings)] = "idle"
    owned = (rentals > 0) | np.isin(kind, ["commercial", "industrial", "mixed"])
    names = _names(rng, n)
    phone = phones(rng, n, owned)
    return {"use": use.tolist(),
            "owner_name": [x if o else None for x, o in zip(names, owned.tolist(), strict=True)],
            "owner_phone": phone}


def household_facts(rng: np.random.Generator, tenure: np.ndarray, building: np.ndarray,
                    facts: dict[str, list]) -> dict[str, list]:
    """The landlord and lease of each rental: the building's owner where the building is let out as a
    whole (village self-built rentals), else the flat's own owner; leases of one or two years; ~5% of
    rentals miss the landlord or the lease dates."""
    n = len(tenure)
    rental = tenure == "rental"
    own_names, own_phones = _names(rng, n), phones(rng, n, np.ones(n, bool))
    owner_name, owner_phone = facts["owner_name"], facts["owner_phone"]
    is_owner = np.array([facts["use"][b] == "rental" and owner_name[b] is not None for b in building.tolist()],
                        dtype=bool)
    landlord = [(owner_name[b] if o else own) if r else None
                for b, o, own, r in zip(building.tolist(), is_owner.tolist(), own_names, rental.tolist(), strict=True)]
    phone = [(owner_phone[b] if o else own) if r else None
             for b, o, own, r in zip(building.tolist(), is_owner.tolist(), own_phones, rental.tolist(), strict=True)]
    start = ANCHOR_DAY - _days(rng.integers(10, 700, n))
    end = start + _days(np.where(rng.random(n) < 0.6, 365, 730))
    no_landlord = rental & (rng.random(n) < 0.02)
    no_lease = rental & (rng.random(n) < 0.03)
    start = np.where(rental & ~no_lease, start, NAT)
    end = np.where(rental & ~no_lease, end, NAT)
    return {"landlord_name": [None if d else x for x, d in zip(landlord, no_landlord.tolist(), strict=True)],
            "landlord_phone": [None if d else x for x, d in zip(phone, no_landlord.tolist(), strict=True)],
            "lease_start": start, "lease_end": end}


def person_facts(rng: np.random.Generator, residency: np.ndarray, region: np.ndarray) -> dict[str, list]:
    """户籍 address of residents from elsewhere; their 居住证 (half a year after arrival, valid a year and
    renewed) or 暂住 registration; a passport and visa for foreign residents (a few long-stay ones hold the
    permanent residence card their ID number is)."""
    n = len(residency)
    outsider = np.isin(residency, ["temporary", "floating"])
    region_text = region.astype(str)
    village = [SURNAME_TEXT[s] for s in surnames(rng, n).tolist()]
    number = rng.integers(1, 300, n).tolist()
    registered_address = [
        f"{PROVINCES.get(r[:2], '')}（区划{r}）{v}家庄村{k}号" if o else None
        for r, v, k, o in zip(region_text.tolist(), village, number, outsider.tolist(), strict=True)]
    missing = rng.random(n) < 0.04
    has_permit = outsider & ~missing
    permit_no = [f"鲁居{d:012d}" if h else None
                 for d, h in zip(rng.integers(0, 10**12, n).tolist(), has_permit.tolist(), strict=True)]
    # most valid for months ahead; ~5% lapsed or due within 30 days
    ahead = np.where(rng.random(n) < 0.05, rng.integers(-90, 30, n), rng.integers(31, 365, n))
    permit_expires = np.where(has_permit, ANCHOR_DAY + _days(ahead), NAT)
    foreign = residency == "foreign"
    permanent = foreign & (rng.random(n) < 0.15)
    passport = foreign & ~permanent
    document_kind = np.where(permanent, "foreign_permanent", np.where(passport, "passport", "id_card"))
    letters = rng.integers(0, 26, n).tolist()
    document_no = [f"{chr(65 + a)}{d:08d}" if p else None
                   for a, d, p in zip(letters, rng.integers(0, 10**8, n).tolist(), passport.tolist(), strict=True)]
    stay = np.where(rng.random(n) < 0.08, rng.integers(-20, 30, n), rng.integers(31, 720, n))
    visa_expires = np.where(passport, ANCHOR_DAY + _days(stay), NAT)
    return {"registered_address": registered_address, "permit_no": permit_no, "permit_expires": permit_expires,
            "document_kind": document_kind.tolist(), "document_no": document_no, "visa_expires": visa_expires}
