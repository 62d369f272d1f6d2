"""api.db.PoolCalls, the async psycopg pool of the one-statement routes (lookup, tiles), on the real database.

Each scenario (tests/pool_scenarios.py) runs in a Python subprocess with its own event loop: in the full
suite the e2e fixtures keep a Playwright loop running in this process's main thread and the e2e server's
loop in another thread, and the pool must meet neither. The subprocess prints its findings as JSON; the
assertions are here.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def scenario(name: str, timeout: float = 120) -> dict:
    """Run tests/pool_scenarios.py NAME in a subprocess; its JSON answer."""
    try:
        done = subprocess.run([sys.executable, "-m", "tests.pool_scenarios", name], cwd=ROOT, env=os.environ.copy(),
                              capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"pool scenario {name} did not finish in {timeout:.0f} s; its stderr:\n{exc.stderr}")
    if done.returncode != 0 or not done.stdout.strip():
        pytest.fail(f"pool scenario {name} failed (exit {done.returncode}):\n{done.stdout}\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(autouse=True)
def _test_database(settings) -> None:
    """The session fixture refuses a database whose name lacks 'test' (the subprocess checks again)."""


def test_the_pool_opens_on_first_use_and_answers_dict_rows():
    r = scenario("lazy_open")
    assert r["before"] is True and r["opened"] is True
    assert r["row_type"] == "dict"
    assert r["row"]["m"] == 42 and r["row"]["word"] == "派出所"  # %(name)s parameters, text round trip
    assert r["row"]["who"] == "holomap_app"  # the app role, not the owner
    assert r["row"]["jit"] == "off"
    assert r["none"] is None  # no row → None
    assert r["uid_after"] in ("", None)  # autocommit: a transaction-local setting ends with its statement
    assert r["closed"] is True


def test_a_call_after_close_opens_a_new_pool():
    r = scenario("close_and_reopen")
    assert r["first"] == {"n": 1} and r["second"] == {"n": 2}
    assert r["old_pool_closed"] is True
    assert r["reopened"] is True


def test_each_event_loop_gets_its_own_pool():
    r = scenario("each_loop_own_pool")
    assert r["answers"] == [42, 42]
    assert r["same_pool"] is False
    assert r["second_closed"] is True


def test_a_connection_ended_by_the_server_fails_one_call_then_is_replaced():
    r = scenario("terminated_connection")
    assert r["failed"].get("operational") is True, r  # psycopg.OperationalError: api/errors.py answers 503
    assert r["again"] != r["pid"]
    assert r["again_seconds"] < 10  # the replacement comes well within the pool's 10 s wait


def test_holomap_lookup_through_the_pool_returns_the_document():
    r = scenario("lookup_call")
    known = r["known"]
    assert r["row"]["status"] == 200, r["row"]
    assert r["row"]["user_id"] == known["user_id"] and r["row"]["role"] == "officer"
    assert r["row"]["building_id"] == known["building_id"]
    body = r["body"]
    assert body["building"]["id"] == known["building_id"]
    assert body["households"], "officer1's building has households"
    assert isinstance(body["incidents_nearby"], list)


def test_lookup_route_answers_503_once_when_the_server_ends_the_connection():
    r = scenario("route_lookup_and_terminated")
    building = r["known"]["building_id"]
    assert r["first"] == {"status": 200, "detail": None, "building_id": building}
    assert r["after_terminate"]["status"] == 503
    assert "database is unreachable" in r["after_terminate"]["detail"]
    assert r["again"] == {"status": 200, "detail": None, "building_id": building}


def test_lookup_route_answers_503_when_the_database_cannot_be_reached():
    r = scenario("route_database_unreachable")
    assert r["status"] == 503, r
    assert "try again shortly" in r["detail"] and "cannot reach its database" in r["detail"]
    assert r["seconds"] < 30  # the pool's 10 s wait, not a hang
