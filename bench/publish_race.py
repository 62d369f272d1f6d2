"""Drill: two station chiefs publish two drafts of one station at the same moment, N times, over real
HTTP (uvicorn on 127.0.0.1) against a scratch database (migrated, demo-seeded, dropped at the end).

Prints: runs, runs where both publishes answered 200 (goal 0), runs where exactly one won and the
other got 409 plan.superseded, beat members lost from the plan in force (goal 0), and answers or
audit rows naming no archived plan (goal 0).

  . .holomap/testenv.sh; .venv/bin/python bench/publish_race.py --rounds 20
(needs the postgres superuser for PostGIS in the scratch database: run as root, as `make test` does)
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from api.config import Settings  # noqa: E402
from bench._server import uvicorn_server  # noqa: E402
from tests.plans.race import plan_in_force, race_round  # noqa: E402
from tests.scratchdb import seeded_database  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    with seeded_database(Settings(), "drill") as s:
        owner = create_engine(s.owner_url)
        with owner.connect() as conn:
            station = conn.execute(text("SELECT station_id FROM app_user WHERE username = 'chief'")).scalar_one()
        _, members0 = plan_in_force(owner, station)
        env = {"DATABASE_URL": s.database_url, "HOLOMAP_OWNER_DATABASE_URL": s.owner_url}
        figures = {"runs": 0, "double_successes": 0, "one_won_one_409": 0, "members_lost": 0,
                   "untrue_answers": 0, "other": 0}
        started = time.monotonic()
        with uvicorn_server(env=env) as base, httpx.Client(base_url=base, timeout=120) as client:
            token = client.post("/api/auth/token", data={"username": "chief", "password": s.demo_password})
            headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
            for n in range(args.rounds):
                out = race_round(client, headers, owner, station_id=station, label=f"drill{n}")
                figures["runs"] += 1
                statuses = sorted(out["statuses"])
                if statuses == [200, 200]:
                    figures["double_successes"] += 1
                elif statuses == [200, 409] and out["bodies"][1 - out["won"][0]]["code"] == "plan.superseded":
                    figures["one_won_one_409"] += 1
                else:
                    figures["other"] += 1
                figures["members_lost"] += out["members_lost"]  # against the plan in force before the run
                for i in out["won"]:
                    reasons = out["audits"][out["drafts"][i]]
                    if out["bodies"][i]["archived_plan_id"] is None or any("None" in r for r in reasons):
                        figures["untrue_answers"] += 1
        owner.dispose()
    seconds = time.monotonic() - started
    print(f"publish race drill: {figures['runs']} concurrent publish runs in {seconds:.1f} s "
          f"(demo station, {len(members0)} beat members)")
    for key in ("double_successes", "one_won_one_409", "members_lost", "untrue_answers", "other"):
        goal = {"double_successes": "goal 0", "members_lost": "goal 0", "untrue_answers": "goal 0",
                "other": "goal 0", "one_won_one_409": f"goal {figures['runs']}"}[key]
        print(f"  {key:18} {figures[key]:5d}   ({goal})")


if __name__ == "__main__":
    main()
