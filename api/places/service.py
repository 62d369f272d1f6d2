"""Lookup, floorplan and search: keyword-only functions returning JSON text built by PostgreSQL."""
import math
import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from api.auth.service import CurrentUser
from api.errors import InvalidInput, NotFound
from api.places import queries

METRES_PER_DEGREE = 111_320.0
VISITS_PER_HOUSEHOLD = 5
INCIDENT_RADIUS_M = 200.0
INCIDENT_DAYS = 90
INCIDENTS_SHOWN = 20  # the panel lists the newest 20 incidents nearby and counts them all
HOUSEHOLDS_PAGE_MAX = 100  # GET /api/buildings/{id}/households: the largest page
SEARCH_PER_KIND = 20

_DIGITS = re.compile(r"^\d+[X]?$")
_FULL_ID = re.compile(r"^\d{17}[\dX]$")
_PLATE_LIKE = re.compile(r"^[\u4e00-\u9fffA-Z0-9]+$")
_HAS_CJK = re.compile(r"[\u4e00-\u9fff]")
# a room-level address: "1号楼1102", "3单元502", "梁才社区2号楼1单元301室"
_ROOM_ADDRESS = re.compile(r"^(?P<building>.*?)(?:(?P<unit>\d{1,2})单元)?(?P<room>\d{3,4})室?$")


def degree_window(radius_m: float, lat: float) -> float:
    """A lon/lat window (degrees) at least `radius_m` wide at latitude `lat`, for index prefilters."""
    return radius_m / METRES_PER_DEGREE / max(math.cos(math.radians(abs(lat))), 0.01) * 1.01


def commit_read_audit(*, session: Session) -> None:
    """Commit a read's audit row without waiting for the WAL flush (fsync ≈ 4 ms here, 10× the lookup).

    The row is durable within PostgreSQL's wal_writer_delay (×3, ≈ 0.6 s): only a crash of the database
    server inside that window could lose it, never a half-written row. Writes and ID reveals keep
    synchronous commits.
    """
    session.execute(text("SET LOCAL synchronous_commit = off"))
    session.commit()


def lookup_params(*, user_id: int, jti: str, iat: float, lon: float, lat: float, radius_m: float,
                  households: int, client_addr: str | None, request_id: str | None) -> dict:
    """Parameters of queries.LOOKUP_CALL (`iat`: the token's issue time, checked against the user's
    cut-off in holomap_begin_request; `households`: the first page's size, the rest is paged)."""
    return {
        "user_id": user_id, "jti": jti, "iat": iat, "lon": lon, "lat": lat, "radius_m": radius_m,
        "window_deg": degree_window(radius_m, lat), "visits": VISITS_PER_HOUSEHOLD,
        "incident_radius_m": INCIDENT_RADIUS_M, "incident_days": INCIDENT_DAYS,
        "client_addr": client_addr, "request_id": request_id, "households": households,
        "incidents": INCIDENTS_SHOWN,
    }


def building_households(*, session: Session, building_id: int, beats: list[int], offset: int, limit: int) -> str:
    """One page of a building's households in the user's beats, as the lookup's first page shows them (JSON)."""
    return session.execute(text(queries.BUILDING_HOUSEHOLDS), {
        "building_id": building_id, "beats": beats, "visits": VISITS_PER_HOUSEHOLD, "offset": offset,
        "limit": limit}).scalar_one()


def row_user(row: dict) -> CurrentUser:
    """The request's user as holomap_lookup read it (role and station; beats stay in SQL)."""
    return CurrentUser(id=row["user_id"], username=row["username"], display_name=row["display_name"],
                       role=row["role"], station_id=row["station_id"])


def lookup_not_found(row: dict, *, lon: float, lat: float, radius_m: float,
                     owner: dict | None = None) -> NotFound:
    """The 404 of a holomap_lookup row: no building near the point, or one outside the user's beats.

    For the latter, `owner` (queries.BUILDING_OWNER) says whom to ask: the address, village, and the
    covering beats with station and officers' names (docs/DECISIONS.md: no resident data)."""
    if row["building_id"] is not None:
        params: dict = {"building_id": row["building_id"]}
        if owner is not None:
            params.update(address=owner["address"], village=owner["village"], beats=owner["beats"])
        return NotFound(f"building {row['building_id']} not found in your beats",
                        code="building.not_in_scope", params=params)
    nearest = row["nearest_m"]
    hint = f"; the nearest building is {nearest} m away" if nearest is not None else ""
    return NotFound(f"no building at ({lon:.6f}, {lat:.6f}) or within {radius_m:.0f} m{hint}",
                    code="lookup.no_building",
                    params={"lon": lon, "lat": lat, "radius_m": radius_m, "nearest_m": nearest})


def floorplan(*, session: Session, building_id: int, beats: list[int]) -> str:
    """The 楼盘表 of a building as JSON text."""
    doc = session.execute(text(queries.FLOORPLAN), {"building_id": building_id, "beats": beats}).scalar()
    if doc is None:
        raise NotFound(f"building {building_id} not found",
                       code="building.not_found", params={"building_id": building_id})
    return doc


@dataclass(frozen=True)
class SearchPlan:
    """Which branches of the search run for a query, decided by its shape."""

    by_name: bool
    by_id: bool
    by_digits: bool
    by_plate: bool
    by_address: bool


def plan_search(q: str) -> SearchPlan:
    """Digits → ID tail/phone (and plates); 18 chars → full ID; other text → name, plate, address."""
    upper = q.upper()
    digits = bool(_DIGITS.match(upper))
    if digits and len(upper) < 4:
        raise InvalidInput("type at least 4 digits to search ID numbers or phones",
                           code="search.too_few_digits", params={"min": 4})
    return SearchPlan(
        by_name=not digits and bool(_HAS_CJK.search(q)),
        by_id=bool(_FULL_ID.match(upper)),
        by_digits=digits,
        by_plate=bool(_PLATE_LIKE.match(upper)) and len(upper) >= 3,
        by_address=not digits,
    )


def room_address(q: str) -> tuple[str, int | None, str | None] | None:
    """(room, unit, building part) of a room-level address, or None (bare digits are phones and IDs)."""
    m = _ROOM_ADDRESS.match(q.replace(" ", ""))
    if m is None or not (m["building"] or m["unit"]):
        return None
    building = m["building"].rstrip("-") or None
    return m["room"], int(m["unit"]) if m["unit"] else None, building


def normalize_query(q: str) -> str:
    """Full-width characters folded (NFKC), spaces trimmed."""
    return unicodedata.normalize("NFKC", q).strip()


def _like_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _next_text(value: str) -> str:
    """The smallest text above every text starting with `value` (byte order, text_pattern_ops)."""
    return value[:-1] + chr(ord(value[-1]) + 1)


def search_params(q: str) -> dict:
    """Parameters of queries.SEARCH_CALL's search for the normalised query `q` (its kind decides which
    branches of holomap_search run: api/places/sql/search.sql)."""
    plan = plan_search(q)
    if plan.by_digits:
        q = q.upper()  # an ID number's check character is stored as X; typed as x it is the same number
    esc, esc_upper = _like_escape(q), _like_escape(q.upper())
    reversed_q = q.upper()[::-1]
    room = None if plan.by_digits else room_address(q)
    return {
        "room": room[0] if room else None, "unit": room[1] if room else None,
        "room_building": room[2] if room else None,
        "per_kind": SEARCH_PER_KIND,
        "by_name": plan.by_name, "by_id": plan.by_id, "by_digits": plan.by_digits,
        "by_plate": plan.by_plate, "by_address": plan.by_address,
        # a fragment of 1–2 characters holds no trigram (pg_trgm): found by prefix, suffix and long names
        "short": len(q) < 3,
        "exact": q.upper() if plan.by_id else q, "prefix": esc + "%", "tail": "%" + esc,
        "contains": "%" + esc + "%", "exact_upper": q.upper(), "tail_upper": "%" + esc_upper,
        "contains_upper": "%" + esc_upper + "%",
        # an ID number's tail is a prefix of the reversed number: the range [rev_lo, rev_hi) of the btree
        # ix_person_id_number_rev
        "rev_lo": reversed_q, "rev_hi": _next_text(reversed_q),
    }


# a search not run (the query is refused): every branch off
_NO_SEARCH = dict.fromkeys(("by_name", "by_id", "by_digits", "by_plate", "by_address", "short"), False) | dict.fromkeys(
    ("exact", "prefix", "tail", "contains", "exact_upper", "tail_upper", "contains_upper", "rev_lo", "rev_hi", "room",
     "unit", "room_building")) | {"per_kind": 0}


def search_call_params(*, q: str, search: dict | None, term: str, user_id: int, jti: str, iat: float,
                       client_addr: str | None, request_id: str | None) -> dict:
    """Parameters of queries.SEARCH_CALL: the request's user and audit fields, and the search (`search_params`;
    None: the query is refused, only the user is checked)."""
    return {"user_id": user_id, "jti": jti, "iat": iat, "run": search is not None, "q": q, "term": term,
            "client_addr": client_addr, "request_id": request_id, **(search or _NO_SEARCH)}
