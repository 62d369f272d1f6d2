"""scripts/bootstrap-db.sh uses the PostgreSQL cluster on HOLOMAP_PGPORT (penetration test, issue 14, item 13).

It took the first cluster by name: a cluster `drill` on another port was chosen over `main`. The choice
is tested on made-up `pg_lsclusters -h` listings: the shell functions directly, and the script itself
with a stub pg_lsclusters first on PATH (`--which-cluster` changes nothing). No cluster is created.
"""
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DRILL_FIRST = """\
15 drill 5433 online postgres /var/lib/postgresql/15/drill /var/log/postgresql/postgresql-15-drill.log
15 main  5432 online postgres /var/lib/postgresql/15/main  /var/log/postgresql/postgresql-15-main.log
"""
TWO_VERSIONS = """\
14 main 5432 online postgres /var/lib/postgresql/14/main /var/log/postgresql/postgresql-14-main.log
16 main 5433 online postgres /var/lib/postgresql/16/main /var/log/postgresql/postgresql-16-main.log
"""
SAME_PORT = """\
13 old  5432 down   postgres /var/lib/postgresql/13/old  /var/log/postgresql/postgresql-13-old.log
15 main 5432 online postgres /var/lib/postgresql/15/main /var/log/postgresql/postgresql-15-main.log
16 new  5432 down   postgres /var/lib/postgresql/16/new  /var/log/postgresql/postgresql-16-new.log
"""


def shell(function: str, argument: str, listing: str) -> str:
    script = f'. scripts/pg-cluster.sh; {function} "$1"'
    done = subprocess.run(["bash", "-c", script, "test", argument], input=listing, cwd=ROOT,
                          capture_output=True, text=True, check=True)
    return done.stdout.strip()


@pytest.mark.parametrize(("listing", "port", "chosen"), [
    (DRILL_FIRST, "5432", "15 main 5432"),  # the penetration test's case: drill sorts first, main is on 5432
    (DRILL_FIRST, "5433", "15 drill 5433"),
    (TWO_VERSIONS, "5432", "14 main 5432"),  # the port decides, not the newest version
    (TWO_VERSIONS, "5433", "16 main 5433"),
    (SAME_PORT, "5432", "15 main 5432"),  # several configured on one port: the online one
    (DRILL_FIRST, "5999", ""),
    ("", "5432", ""),
])
def test_choose_cluster_by_port(listing, port, chosen):
    assert shell("choose_cluster", port, listing) == chosen


def test_a_new_cluster_is_called_main_unless_that_version_has_one():
    assert shell("new_cluster_name", "15", DRILL_FIRST) == "holomap"
    assert shell("new_cluster_name", "16", DRILL_FIRST) == "main"
    assert shell("new_cluster_name", "15", "") == "main"


@pytest.mark.parametrize(("port", "expected"), [(None, "15 main 5432"), ("5433", "15 drill 5433")])
def test_the_script_uses_holomap_pgport(tmp_path, port, expected):
    stub = tmp_path / "pg_lsclusters"
    stub.write_text(f"#!/bin/sh\ncat <<'LISTING'\n{DRILL_FIRST}LISTING\n")
    stub.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k != "HOLOMAP_PGPORT"}
    env["PATH"] = f"{tmp_path}:{env['PATH']}"
    if port:
        env["HOLOMAP_PGPORT"] = port
    done = subprocess.run(["bash", "scripts/bootstrap-db.sh", "--which-cluster"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == expected


def test_the_script_says_when_no_cluster_uses_the_port(tmp_path):
    stub = tmp_path / "pg_lsclusters"
    stub.write_text(f"#!/bin/sh\ncat <<'LISTING'\n{DRILL_FIRST}LISTING\n")
    stub.chmod(0o755)
    env = {**os.environ, "PATH": f"{tmp_path}:{os.environ['PATH']}", "HOLOMAP_PGPORT": "5999"}
    done = subprocess.run(["bash", "scripts/bootstrap-db.sh", "--which-cluster"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=30)
    assert done.returncode != 0 and "port 5999" in done.stderr
