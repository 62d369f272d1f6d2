"""The CI fuzz gate: schemathesis drives every operation of the OpenAPI document as officer, chief,
leader and admin and fails on any 5xx or any response that breaks its declared schema.

Throw-away database: the run happens inside the test's rolled-back transaction (the `app_conn`
fixture), each operation in a savepoint of its own, so nothing the fuzzer writes outlives it.
Two passes per operation: schemathesis' coverage cases (boundary values, wrong types, missing and extra
fields; deterministic), then a fixed number of positive and negative generated examples (derandomize=True:
no shrinking, no example database, so CI sees the same cases on every run). The four users take turns,
case by case, so every operation is called as each of them (about 3,300 requests in 1-2 minutes).
Tune with HOLOMAP_FUZZ_EXAMPLES (positive examples per operation; negative ones are half of that).
"""
import os
import time
from collections import Counter

import pytest
from sqlalchemy import text

from tests.conftest import DEMO_PASSWORD

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from hypothesis.errors import Unsatisfiable  # noqa: E402
from schemathesis import GenerationMode  # noqa: E402
from schemathesis.checks import not_a_server_error, response_schema_conformance  # noqa: E402
from schemathesis.generation.drivers import CoverageGenerator  # noqa: E402
from schemathesis.generation.feedback import FeedbackSources  # noqa: E402
from schemathesis.generation.overrides import Override  # noqa: E402

USERS = ("officer1", "chief", "leader", "admin")
EXAMPLES = int(os.environ.get("HOLOMAP_FUZZ_EXAMPLES", "8"))
CHECKS = [not_a_server_error, response_schema_conformance]
# signing out revokes the token the other operations use: it runs last
LAST = {("POST", "/api/auth/logout")}


def _coverage(operation, schema, headers: list[dict], tally: Counter) -> list[str]:
    """schemathesis' coverage phase: boundary values, wrong types, missing and extra fields."""
    cases = CoverageGenerator(operation=operation, generation_modes=list(GenerationMode),
                              generation_config=schema.config.generation_for(operation=operation),
                              auth_storage=None, override=Override(), feedback=FeedbackSources())
    for number, case in enumerate(cases):
        tally["cases"] += 1
        tally["requests"] += 1
        try:
            response = case.call_and_validate(headers=headers[number % len(headers)], checks=CHECKS)
            tally[f"{response.status_code // 100}xx"] += 1
        except (Exception, BaseExceptionGroup) as exc:
            return [f"{operation.method.upper()} {operation.path} [coverage]: {str(exc)[:1500]}"]
    return []


def _fuzz(operation, mode: GenerationMode, examples: int, headers: list[dict], tally: Counter,
          path_parameters: dict | None = None) -> None:
    @settings(max_examples=examples, deadline=None, derandomize=True, database=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode, path_parameters=path_parameters))
    def run(case) -> None:
        tally["cases"] += 1
        tally["requests"] += 1
        response = case.call_and_validate(headers=headers[tally["cases"] % len(headers)], checks=CHECKS)
        tally[f"{response.status_code // 100}xx"] += 1

    run()


def _sign_in(client, username: str) -> dict:
    """Tokens of their own (not the suite's shared cache): the fuzzer signs out and changes accounts."""
    r = client.post("/api/auth/token", data={"username": username, "password": DEMO_PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


REAL_IDS = """
WITH mine AS (SELECT bm.beat_id FROM beat_member bm JOIN app_user u ON u.id = bm.user_id
              WHERE u.username = 'officer1'),
     home AS (SELECT min(h.id) AS id FROM household h WHERE h.beat_id IN (SELECT beat_id FROM mine))
SELECT (SELECT id FROM home) AS household_id,
       (SELECT building_id FROM household WHERE id = (SELECT id FROM home)) AS building_id,
       (SELECT min(id) FROM person WHERE household_id = (SELECT id FROM home)) AS person_id,
       (SELECT min(v.id) FROM vehicle v JOIN household h ON h.id = v.household_id
        WHERE h.beat_id IN (SELECT beat_id FROM mine)) AS vehicle_id,
       (SELECT min(id) FROM dispute WHERE beat_id IN (SELECT beat_id FROM mine)) AS dispute_id,
       (SELECT min(v.id) FROM visit v JOIN app_user u ON u.id = v.user_id WHERE u.username = 'officer1')
         AS visit_id
"""


def _real_ids(client, app_conn, chief: dict) -> dict:
    """Ids that exist and lie in officer1's beats, and a fresh draft plan of the chief's station."""
    ids = {k: v for k, v in app_conn.execute(text(REAL_IDS)).one()._asdict().items() if v is not None}
    r = client.post("/api/plans", headers=chief, json={"name": "fuzz"})
    assert r.status_code == 201, r.text
    ids["plan_id"] = r.json()["id"]
    beat = app_conn.execute(text("SELECT min(id) FROM beat WHERE plan_id = :p"), {"p": ids["plan_id"]}).scalar()
    if beat is not None:
        ids["beat_id"] = beat
    return ids


def test_every_operation_as_every_role(app, client, app_conn) -> None:
    schema = schemathesis.openapi.from_dict(app.openapi())
    schema.app = app
    headers = [_sign_in(client, user) for user in USERS]
    real = _real_ids(client, app_conn, headers[USERS.index("chief")])
    operations = sorted((result.ok() for result in schema.get_all_operations()),
                        key=lambda op: ((op.method.upper(), op.path) in LAST, op.path, op.method))
    tally: Counter = Counter()
    failures: list[str] = []
    started = time.monotonic()
    for operation in operations:
        savepoint = app_conn.begin_nested()
        failures += _coverage(operation, schema, headers, tally)
        if savepoint.is_active:
            savepoint.rollback()
        names = {p.name for p in operation.path_parameters}
        known = {name: real[name] for name in names if name in real}
        passes = [(GenerationMode.POSITIVE, EXAMPLES, None), (GenerationMode.NEGATIVE, EXAMPLES // 2, None)]
        if known:  # ids that exist, so the bodies reach the service and the database
            passes.append((GenerationMode.POSITIVE, EXAMPLES, known))
        for mode, examples, path_parameters in passes:
            savepoint = app_conn.begin_nested()
            try:
                _fuzz(operation, mode, examples, headers, tally, path_parameters)
            except Unsatisfiable:
                pass  # nothing to make invalid (no parameters, no body): the positive cases covered it
            except (Exception, BaseExceptionGroup) as exc:  # a failed check (or a crash of the app): report it, go on
                where = f"{mode.value}, real ids" if path_parameters else mode.value
                failures.append(f"{operation.method.upper()} {operation.path} [{where}]: "
                                f"{type(exc).__name__}: {str(exc)[:1500]}")
            finally:
                if savepoint.is_active:
                    savepoint.rollback()
    seconds = time.monotonic() - started
    print(f"\nfuzz: {len(operations)} operations, {tally['cases']} cases as {len(USERS)} users in turn "
          f"in {seconds:.0f} s; answers: {tally['2xx']} 2xx, {tally['4xx']} 4xx, {tally['5xx']} 5xx")
    assert not failures, "\n\n".join(failures)
