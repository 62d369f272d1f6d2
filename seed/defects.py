"""A controlled number of resident defects per station for the 数据质量 board (issue 17), drawn from their own
random stream so every other column of the seed stays as it was.

The rest of the board's defects come from elsewhere: documents (permits and visas expired or expiring,
rentals without landlord or lease: seed/documents.py), the loader's modulus updates (no standard address
code, no head, emptied rooms: seed/loader.py AFTER_LOAD), organisations (seed/organisations.py). What only
this module makes, per station:

- likely duplicate persons: DUPLICATE_PAIRS pairs of residents of different households born the same day,
  the second recorded under the first one's name (same name + birth date in one station);
- ID conflicts, as far as the constraints allow (the birth date and sex digit must equal the record's,
  ck_person_birth_matches_id): MOVE_IN_CONFLICTS residents who moved in before they were born, and
  REGION_CONFLICTS whose number starts with a region that is no province (10…), a valid checksum still —
  both what holomap_quality_id_conflict (api/quality/sql/quality.sql) counts.
"""
import numpy as np

from seed.idnumbers import make_numbers
from seed.tables import Table

DUPLICATE_PAIRS = 12
MOVE_IN_CONFLICTS = 3
REGION_CONFLICTS = 3
BAD_REGION = 109901  # "10" is no province of GB/T 2260


def _kept(household_ids: np.ndarray, tenure: np.ndarray) -> np.ndarray:
    """Households whose residents the loader keeps (its AFTER_LOAD moves out the residents of owner homes
    with id % 251 = 11 and rentals with id % 97 = 1): a defect there would vanish."""
    return ~(((tenure == "owner") & (household_ids % 251 == 11)) | ((tenure == "rental") & (household_ids % 97 == 1)))


def _pairs(rng: np.random.Generator, people: np.ndarray, birth: np.ndarray, male: np.ndarray,
           hh: np.ndarray, count: int) -> list[tuple[int, int]]:
    """Up to `count` disjoint pairs of `people` born the same day, of the same sex, in different households."""
    order = people[np.lexsort((male[people], birth[people]))]
    same = (birth[order][1:] == birth[order][:-1]) & (male[order][1:] == male[order][:-1]) \
        & (hh[order][1:] != hh[order][:-1])
    starts = rng.permutation(np.flatnonzero(same))
    used: set[int] = set()
    out = []
    for i in starts.tolist():
        a, b = int(order[i]), int(order[i + 1])
        if a in used or b in used:
            continue
        used |= {a, b}
        out.append((a, b))
        if len(out) == count:
            break
    return out


def add_register_defects(rng: np.random.Generator, persons: Table, *, person_station: np.ndarray,
                         household_tenure: np.ndarray, birth: np.ndarray, male: np.ndarray,
                         residency: np.ndarray) -> dict[str, int]:
    """Write the defects into the person table's columns (name, moved_in, id_number); returns how many of
    each were made."""
    hh = np.asarray(persons.columns["household_id"]) - 1
    names = list(persons.columns["name"])
    numbers = list(persons.columns["id_number"])
    moved_in = np.array(persons.columns["moved_in"], dtype="datetime64[D]")
    eligible = _kept(hh + 1, household_tenure[hh]) & (residency != "foreign")
    made = {"duplicate_pairs": 0, "move_in_conflicts": 0, "region_conflicts": 0}
    region_people: list[int] = []
    for s in np.unique(person_station).tolist():
        people = np.flatnonzero(eligible & (person_station == s))
        pairs = _pairs(rng, people, birth, male, hh, DUPLICATE_PAIRS)
        for a, b in pairs:
            names[b] = names[a]
        made["duplicate_pairs"] += len(pairs)
        taken = {p for pair in pairs for p in pair}
        rest = np.array([p for p in people.tolist() if p not in taken], dtype=np.int64)
        movers = rest[~np.isnat(moved_in[rest])]
        for p in rng.choice(movers, min(MOVE_IN_CONFLICTS, len(movers)), replace=False).tolist():
            moved_in[p] = birth[p] - np.timedelta64(int(rng.integers(30, 3_000)), "D")
            made["move_in_conflicts"] += 1
        stayers = np.setdiff1d(rest, movers)
        region_people += rng.choice(stayers, min(REGION_CONFLICTS, len(stayers)), replace=False).tolist()
    if region_people:
        chosen = np.array(region_people, dtype=np.int64)
        fresh = make_numbers(rng, np.full(len(chosen), BAD_REGION, dtype=np.int64), birth[chosen], male[chosen])
        for p, number in zip(chosen.tolist(), fresh, strict=True):
            numbers[p] = number
        made["region_conflicts"] = len(chosen)
    persons.columns["name"] = names
    persons.columns["id_number"] = numbers
    persons.columns["moved_in"] = moved_in
    return made
