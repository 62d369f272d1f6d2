"""Database URLs with several hosts (a Patroni cluster): the forms accepted and what libpq receives."""
import subprocess
from pathlib import Path

import pytest
from psycopg.conninfo import conninfo_to_dict

from api.config import Settings, normalise_database_url
from api.db import database_hosts, libpq_url

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("url", [
    "postgresql+psycopg://app:p%40ss@db1:5441,db2:5442/holomap?target_session_attrs=read-write",
    "postgresql+psycopg://app:p%40ss@/holomap?host=db1,db2&port=5441,5442&target_session_attrs=read-write",
    "postgresql+psycopg://app:p%40ss@/holomap?host=db1:5441&host=db2:5442&target_session_attrs=read-write",
])
def test_every_multi_host_form_reaches_libpq_as_the_same_host_list(url):
    info = conninfo_to_dict(libpq_url(url))
    assert info["host"] == "db1,db2" and info["port"] == "5441,5442"
    assert info["target_session_attrs"] == "read-write"
    assert info["dbname"] == "holomap" and info["user"] == "app" and info["password"] == "p@ss"
    assert database_hosts(url) == ["db1:5441", "db2:5442"]


def test_one_port_for_every_host_and_a_one_host_url_unchanged():
    info = conninfo_to_dict(libpq_url("postgresql+psycopg://app@/holomap?host=a,b,c&port=5432"))
    assert info["host"] == "a,b,c" and info["port"] == "5432,5432,5432"
    one = "postgresql+psycopg://holomap_app@127.0.0.1:5432/holomap"
    assert normalise_database_url(one) == one
    assert database_hosts(one) == ["127.0.0.1:5432"]


def test_a_port_list_that_does_not_match_the_hosts_is_refused():
    with pytest.raises(ValueError, match="one port per host"):
        normalise_database_url("postgresql+psycopg://app@/holomap?host=a,b,c&port=1,2")


def test_the_owner_url_of_a_cluster_is_normalised_for_migrations_and_seeding():
    s = Settings(HOLOMAP_OWNER_DATABASE_URL="postgresql+psycopg://o@db1:5441,db2:5442/h?target_session_attrs=read-write")
    assert s.owner_url == "postgresql+psycopg://o@/h?host=db1:5441&host=db2:5442&target_session_attrs=read-write"


def test_the_rehearsal_scripts_parse_and_ci_runs_the_failover_test_after_the_suite():
    for script in ("ha-up.sh", "ha-down.sh", "ha-env.sh"):
        subprocess.run(["bash", "-n", str(ROOT / "scripts" / script)], check=True)
    steps = [ln for ln in (ROOT / ".ci" / "run").read_text().splitlines() if ln.startswith("make ")]
    assert steps == ["make test", "make test-ha"]
