"""The access matrix, generated from the app's own route table: every role × every endpoint × own/other scope.

Endpoints come from the OpenAPI document (FastAPI wraps included routers, so the document is the
reliable list); parameters are generated from their names and types, with ids picked from the
database inside the user's beats ("own") or outside them ("other"); request bodies are generated from
the JSON schemas. An endpoint added later is called without editing this file. For every call:

- no 5xx, and 401 without a token on every operation that declares security;
- 0 leaks: no name, full ID number, phone or plate of a person outside the user's scope appears in
  the body (aggregate-only roles: nobody is in scope), and full ID numbers, phones and plates of
  persons in scope appear only where the user asked to reveal them;
- "other" calls naming a personal object (building, household, person, visit, dispute) are refused;
- audit: every 403/404 to a signed-in user has a 'denied' row, every successful write a row, and
  every answer carrying a resident's name a row (matched by the request id).
"""
import json
import math
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

ROLES = ("officer1", "aux1", "grid1", "chief", "planner", "leader", "admin")
PERSONAL_PARAMS = {"building_id", "household_id", "person_id", "visit_id", "dispute_id"}
# not called here: they end the session the matrix runs on (covered by tests/security/test_sessions.py)
SESSION_ENDPOINTS = {("POST", "/api/auth/token"), ("POST", "/api/auth/logout")}
# POSTs that only read aggregates (a drawn area's counts): nothing to audit
READ_ONLY_POSTS = {("POST", "/api/beats/stats")}
MUST_SERVE_OWN = {"GET /api/lookup", "GET /api/buildings/{building_id}/floorplan", "GET /api/search",
                  "GET /api/households/{household_id}/visits", "GET /api/disputes/{dispute_id}",
                  "GET /api/visits/{visit_id}", "GET /api/worklist", "GET /api/disputes"}
FIGURES: dict[str, int] = {"calls": 0, "leaks": 0}

PEOPLE = """
SELECT p.id, p.name, p.id_number, p.phone, h.beat_id FROM person p JOIN household h ON h.id = p.household_id
"""
HOUSEHOLD_PHONES = "SELECT phone, beat_id FROM household WHERE phone IS NOT NULL"
PLATES = """
SELECT upper(v.plate) AS plate, h.beat_id FROM vehicle v
LEFT JOIN person o ON o.id = v.owner_person_id
JOIN household h ON h.id = coalesce(v.household_id, o.household_id)
"""
# names an organisation's record carries (issue 17): its employees (who may live in another beat), the person
# in charge, the legal representative. Such a name may appear only in those fields of that organisation's
# record (employees[].name, person_in_charge, legal_rep, or an employee row naming the organisation), and only
# when the organisation is in the user's scope; anywhere else it is checked like any resident's name.
ORGANISATION_NAMES = """
SELECT o.id, o.beat_id, array_remove(array_agg(DISTINCT e.name) || o.person_in_charge || o.legal_rep, NULL)
FROM organisation o LEFT JOIN organisation_employee e ON e.organisation_id = o.id GROUP BY o.id
"""
ORGANISATION_FIELDS = ("person_in_charge", "legal_rep")
# likewise a rental's landlord (household.landlord_name) and a building's owner (building.owner_name), names
# that record carries (migration 0006): allowed only in that field of that record, in scope
LANDLORDS = "SELECT id, beat_id, landlord_name FROM household WHERE landlord_name IS NOT NULL"
OWNERS = """
SELECT b.id, array_remove(array_agg(DISTINCT h.beat_id), NULL), b.owner_name FROM building b
LEFT JOIN household h ON h.building_id = b.id WHERE b.owner_name IS NOT NULL GROUP BY b.id
"""
NOT_NAMES = """
SELECT display_name FROM app_user UNION SELECT name FROM village UNION SELECT name FROM station
UNION SELECT address FROM building UNION SELECT name FROM beat
"""
USER_BEATS = "SELECT id FROM holomap_user_beats((SELECT id FROM app_user WHERE username = :u))"
CURRENT_BEATS = "SELECT b.id, b.code FROM beat b JOIN beat_plan p ON p.id = b.plan_id AND p.status = 'published'"

ID_NUMBER = re.compile(r"\d{17}[\dX]")
DIGIT_RUN = re.compile(r"[\d][\d-]{5,}\d")
PLATE = re.compile(r"[\u4e00-\u9fff][A-Z][A-Z0-9]{4,6}")


@dataclass
class Secrets:
    """Identities by beat: what must not appear outside a user's scope."""

    names: dict[str, set[int | None]] = field(default_factory=dict)
    id_numbers: dict[str, int | None] = field(default_factory=dict)
    phones: dict[str, set[int | None]] = field(default_factory=dict)
    plates: dict[str, int | None] = field(default_factory=dict)
    # organisation id → (its beat, the names its record carries)
    organisations: dict[int, tuple[int | None, set[str]]] = field(default_factory=dict)
    landlords: dict[int, tuple[int | None, str]] = field(default_factory=dict)  # household id →
    owners: dict[int, tuple[set[int], str]] = field(default_factory=dict)  # building id →


@pytest.fixture(scope="module")
def secrets(owner_engine) -> Secrets:
    s = Secrets()
    with owner_engine.connect() as conn:
        not_names = set(conn.execute(text(NOT_NAMES)).scalars())
        for p in conn.execute(text(PEOPLE)):
            if p.name not in not_names and len(p.name) >= 2:
                s.names.setdefault(p.name, set()).add(p.beat_id)
            s.id_numbers[p.id_number] = p.beat_id
            if p.phone:
                s.phones.setdefault(p.phone, set()).add(p.beat_id)
        for org_id, beat, names in conn.execute(text(ORGANISATION_NAMES)):
            s.organisations[org_id] = (beat, set(names))
        for hh_id, beat, name in conn.execute(text(LANDLORDS)):
            s.landlords[hh_id] = (beat, name)
        for b_id, beats, name in conn.execute(text(OWNERS)):
            s.owners[b_id] = (set(beats), name)
        for h in conn.execute(text(HOUSEHOLD_PHONES)):
            s.phones.setdefault(h.phone, set()).add(h.beat_id)
        for v in conn.execute(text(PLATES)):
            s.plates[v.plate] = v.beat_id
    return s


@dataclass
class Scope:
    """Generated parameter values for one user and one side (own beats or another beat)."""

    values: dict
    sent: set[str] = field(default_factory=set)


PICK = {
    "building": """SELECT b.id, ST_X(b.centroid) AS lon, ST_Y(b.centroid) AS lat FROM building b
                   WHERE EXISTS (SELECT 1 FROM household h WHERE h.building_id = b.id AND h.beat_id = ANY(:b))
                     AND NOT EXISTS (SELECT 1 FROM household h WHERE h.building_id = b.id
                                     AND NOT (h.beat_id = ANY(:b)))
                     AND EXISTS (SELECT 1 FROM household h JOIN person p ON p.household_id = h.id
                                 WHERE h.building_id = b.id AND p.moved_out IS NULL)
                   ORDER BY b.id LIMIT 1""",
    "household": """SELECT h.id FROM household h WHERE h.beat_id = ANY(:b)
                    AND EXISTS (SELECT 1 FROM visit v WHERE v.household_id = h.id) ORDER BY h.id LIMIT 1""",
    "person": """SELECT p.id, p.name FROM person p JOIN household h ON h.id = p.household_id
                 WHERE h.beat_id = ANY(:b) AND p.moved_out IS NULL AND length(p.name) >= 2 ORDER BY p.id LIMIT 1""",
    "visit": """SELECT v.id FROM visit v JOIN household h ON h.id = v.household_id WHERE h.beat_id = ANY(:b)
                ORDER BY v.id DESC LIMIT 1""",
    "dispute": "SELECT d.id FROM dispute d WHERE d.beat_id = ANY(:b) ORDER BY d.id DESC LIMIT 1",
}


def _tile(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    n = 2 ** z
    y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n
    return z, int((lon + 180) / 360 * n), int(y)


def _scope(conn, beats: list[int], codes: dict[int, str], plan_id: int) -> Scope:
    q = lambda name: conn.execute(text(PICK[name]), {"b": beats}).mappings().first()  # noqa: E731
    building, person = q("building"), q("person")
    tile = _tile(building["lon"], building["lat"], 16)
    values = {
        "building_id": building["id"], "lon": building["lon"], "lat": building["lat"],
        "household_id": q("household")["id"], "person_id": person["id"], "q": person["name"],
        "visit_id": q("visit")["id"], "dispute_id": q("dispute")["id"], "beat_id": beats[0],
        "beat": codes[beats[0]], "plan_id": plan_id, "layer": "buildings", "collection_id": "buildings",
        "feature_id": building["id"], "z": tile[0], "x": tile[1], "y": tile[2],
        "reason": "核查身份 matrix test", "reveal": True,
    }
    return Scope(values=values, sent={str(person["name"])})


def _example(name: str, schema: dict, components: dict, values: dict, depth: int = 0):
    """A value for a schema: known names get the scope's ids, the rest a plausible value of its type."""
    if "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[-1]]
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [o for o in schema[key] if o.get("type") != "null"]
            return _example(name, options[0], components, values, depth) if options else None
    if name in values:
        return values[name]
    kind = schema.get("type")
    if "enum" in schema:
        return schema["enum"][0]
    if kind == "object" and depth < 4:
        props = schema.get("properties", {})
        return {k: _example(k, v, components, values, depth + 1) for k, v in props.items()
                if k in schema.get("required", []) or k in values}
    if kind == "array":
        return []
    if kind == "integer":
        return 1
    if kind == "number":
        return 1.0
    if kind == "boolean":
        return False
    if schema.get("format") == "date-time":
        return datetime.now(UTC).isoformat()
    if schema.get("format") == "date":
        return datetime.now(UTC).date().isoformat()
    return "matrix"


def _request(path: str, method: str, op: dict, components: dict, values: dict) -> tuple[str, dict, object]:
    url, query = path, {}
    for param in op.get("parameters", []):
        name, where = param["name"], param["in"]
        if where == "path":
            url = url.replace("{" + name + "}", str(values.get(name, 1)))
        elif where == "query" and (param.get("required") or name in values):
            query[name] = values.get(name, _example(name, param.get("schema", {}), components, values))
    body = None
    content = op.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        body = _example("body", content["application/json"]["schema"], components, values)
    return url, query, body


def _operations(app):
    doc = app.openapi()
    components = doc.get("components", {}).get("schemas", {})
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            if (method.upper(), path) not in SESSION_ENDPOINTS:
                yield path, method.upper(), op, components


def _carried(secrets: Secrets | None, scope: set[int], org_id) -> set[str]:
    """The names an organisation's record may carry, when the organisation is in scope (else none)."""
    if secrets is None or not isinstance(org_id, int) or org_id not in secrets.organisations:
        return set()
    beat, names = secrets.organisations[org_id]
    return names if beat in scope else set()


def _strings(body: str, content_type: str, secrets: Secrets | None = None, scope: set[int] = frozenset()) -> list[str]:
    """The strings of a body; with `secrets`, less the names an in-scope organisation's record carries in
    their own fields."""
    if "json" in content_type:
        out: list[str] = []

        def walk(node):
            if isinstance(node, str):
                out.append(node)
            elif isinstance(node, dict):
                if "organisation_id" in node and "name" in node:  # an employee row
                    carried = _carried(secrets, scope, node["organisation_id"])
                    node = {k: v for k, v in node.items() if not (k == "name" and v in carried)}
                elif "id" in node and ("employees" in node or "person_in_charge" in node):  # an organisation
                    carried = _carried(secrets, scope, node["id"])
                    node = {k: v for k, v in node.items() if not (k in ORGANISATION_FIELDS and v in carried)}
                    if isinstance(node.get("employees"), list):
                        node["employees"] = [{k: v for k, v in e.items() if not (k == "name" and v in carried)}
                                             if isinstance(e, dict) else e for e in node["employees"]]
                if secrets is not None and "landlord_name" in node and isinstance(node.get("id"), int):
                    beat, name = secrets.landlords.get(node["id"], (None, None))
                    if beat in scope and node["landlord_name"] == name:
                        node = {k: v for k, v in node.items() if k != "landlord_name"}
                if secrets is not None and "owner_name" in node and isinstance(node.get("id"), int):
                    beats, name = secrets.owners.get(node["id"], (set(), None))
                    if node["owner_name"] == name and (beats & scope or not beats):
                        node = {k: v for k, v in node.items() if k != "owner_name"}
                for v in node.values():
                    walk(v)
            elif isinstance(node, list):
                for v in node:
                    walk(v)

        try:
            walk(json.loads(body))
            return out
        except ValueError:
            pass
    return [t for t in re.split(r"[,\r\n\"<>:;·\s'()\[\]{}]+", body) if t]


def leaks(secrets: Secrets, body: str, content_type: str, scope: set[int], *, reveal: bool,
          sent: set[str]) -> list[str]:
    """Personal identifiers in a response that the user may not see there."""
    found = []
    for m in ID_NUMBER.findall(body):
        if m in secrets.id_numbers and (secrets.id_numbers[m] not in scope or not reveal):
            found.append(f"id_number {m[:6]}…")
    for m in DIGIT_RUN.findall(body):
        beats = secrets.phones.get(m)
        if beats and (not beats <= scope or not reveal):
            found.append(f"phone …{m[-4:]}")
    for m in PLATE.findall(body.upper()):
        if m in secrets.plates and (secrets.plates[m] not in scope or not reveal):
            found.append(f"plate {m[:3]}…")
    for value in _strings(body, content_type, secrets, scope):
        beats = secrets.names.get(value)
        if beats and value not in sent and not beats & scope:
            found.append(f"name of a resident of beats {sorted(b for b in beats if b)}")
    return found


def _audit(conn, request_id: str) -> list[str]:
    return list(conn.execute(text("SELECT outcome FROM audit_log WHERE request_id = :r"), {"r": request_id})
                .scalars())


@pytest.mark.parametrize("username", ROLES)
def test_access_matrix(username, app, client, login, app_conn, secrets):
    headers = login(username)
    scope = set(app_conn.execute(text(USER_BEATS), {"u": username}).scalars())
    current = dict(app_conn.execute(text(CURRENT_BEATS)).all())
    plan_id = app_conn.execute(text("SELECT id FROM beat_plan WHERE status = 'published' LIMIT 1")).scalar()
    own_beats = sorted(scope) or [min(current)]
    other_beats = [b for b in sorted(current) if b not in scope and b not in own_beats][:1]
    sides = {"own": _scope(app_conn, own_beats, current, plan_id)}
    if other_beats:  # a chief's station holds every current beat of the demo district
        sides["other"] = _scope(app_conn, other_beats, current, plan_id)
    problems, calls, served = [], 0, set()
    writes_last = sorted(_operations(app), key=lambda o: (o[1] != "GET", o[1] == "DELETE", o[0]))
    for path, method, op, components in writes_last:
        done = set()
        for side, generated in sides.items():
            url, query, body = _request(path, method, op, components, generated.values)
            key = (url, json.dumps(query, sort_keys=True, default=str), json.dumps(body, default=str))
            if key in done:
                continue
            done.add(key)
            if op.get("security") and side == "own":
                anonymous = client.request(method, url, params=query, json=body)
                if anonymous.status_code != 401:
                    problems.append(f"{method} {url} without a token: {anonymous.status_code}")
            rid = uuid.uuid4().hex
            r = client.request(method, url, params=query, json=body, headers={**headers, "X-Request-ID": rid})
            calls += 1
            where = f"{username} {side} {method} {path} → {r.status_code}"
            if r.status_code >= 500:
                problems.append(f"{where}: server error")
                continue
            reveal = "reveal" in path or query.get("reveal") is True
            body_text = r.content.decode("utf-8", "ignore")
            found = leaks(secrets, body_text, r.headers.get("content-type", ""), scope, reveal=reveal,
                          sent=generated.sent)
            if found:
                FIGURES["leaks"] += 1
                problems.append(f"{where}: LEAK {found[:3]}")
            named = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"} & PERSONAL_PARAMS
            if side == "other" and named and r.is_success:
                problems.append(f"{where}: another beat's {', '.join(sorted(named))} was served")
            outcomes = _audit(app_conn, rid)
            if r.status_code in (403, 404) and "denied" not in outcomes:
                problems.append(f"{where}: denial not audited")
            if r.is_success and method != "GET" and (method, path) not in READ_ONLY_POSTS and not outcomes:
                problems.append(f"{where}: write not audited")
            if r.is_success and not outcomes and any(
                    secrets.names.get(v, set()) & scope for v in _strings(body_text, r.headers.get(
                        "content-type", "")) if v not in generated.sent):
                problems.append(f"{where}: personal read not audited")
            if side == "own" and r.is_success:
                served.add(f"{method} {path}")
    if scope:  # the matrix is not vacuous: a user with beats reads its own residents everywhere
        assert MUST_SERVE_OWN <= served, MUST_SERVE_OWN - served
    FIGURES["calls"] += calls
    print(f"\naccess matrix {username}: {calls} calls, {len(problems)} problems")
    assert not problems, "\n".join(problems)


def test_the_leak_detector_sees_what_it_must(secrets):
    name = next(n for n, beats in secrets.names.items() if beats == {1})
    id_number = next(i for i, b in secrets.id_numbers.items() if b == 1)
    plate = next(p for p, b in secrets.plates.items() if b == 1)
    body = json.dumps({"a": [name], "b": f"x {id_number} y", "c": plate}, ensure_ascii=False)
    assert len(leaks(secrets, body, "application/json", set(), reveal=False, sent=set())) == 3
    assert len(leaks(secrets, body, "application/json", {1}, reveal=False, sent=set())) == 2  # name ok
    assert leaks(secrets, body, "application/json", {1}, reveal=True, sent=set()) == []
    assert leaks(secrets, f"{name},{id_number}", "text/csv", {2}, reveal=True, sent=set())


def test_organisation_names_are_allowed_only_in_their_fields_of_an_in_scope_organisation(secrets):
    """The loosening for organisations (issue 17) is precise: a resident of another beat named as an employee
    or person in charge of an organisation in scope passes there, and nowhere else."""
    # a name that no resident of the organisation's own beat carries (names repeat across beats)
    org_id, (beat, names) = next((o, v) for o, v in secrets.organisations.items()
                                 if v[0] is not None and any(n in secrets.names and v[0] not in secrets.names[n]
                                                             for n in v[1]))
    name = next(n for n in names if n in secrets.names and beat not in secrets.names[n])
    assert beat not in secrets.names[name]
    scope = {beat}
    as_employee = {"id": org_id, "person_in_charge": None, "employees": [{"id": 1, "name": name}]}
    as_pic = {"id": org_id, "person_in_charge": name, "employees": []}
    employee_row = {"id": 1, "organisation_id": org_id, "name": name}
    for body in (as_employee, as_pic, employee_row, {"items": [employee_row]}):
        text_ = json.dumps(body, ensure_ascii=False)
        assert leaks(secrets, text_, "application/json", scope, reveal=False, sent=set()) == [], body
        assert leaks(secrets, text_, "application/json", {-1}, reveal=False, sent=set()), body  # org not in scope
    for body in ({"id": org_id, "employees": [], "notes": name}, {"label": name},
                 {"id": org_id, "person_in_charge": None, "employees": [{"id": 1, "name": name, "role": name}]}):
        assert leaks(secrets, json.dumps(body, ensure_ascii=False), "application/json", scope, reveal=False,
                     sent=set()), body  # another field of the record, or another record
