"""Every `holomap` command fails with one line on stderr and a non-zero status, never a traceback
(issue 15, item 5): an unreachable database (a closed port), a missing file, a bad backup file."""
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

HOLOMAP = [sys.executable, "-c", "from api.cli import main; main()"]


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens once the socket is closed


def run(args: list[str], *, env: dict | None = None, stdin: str = "") -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k != "HOLOMAP_DEBUG"}
    return subprocess.run(HOLOMAP + args, capture_output=True, text=True, input=stdin, timeout=120,
                          env={**base, **(env or {})}, cwd=Path(__file__).resolve().parents[2])


def assert_one_line(done: subprocess.CompletedProcess, *needles: str) -> str:
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode != 0, done
    assert "Traceback" not in done.stderr and "Traceback" not in done.stdout, done.stderr
    assert len(lines) == 1, done.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


UNREACHABLE_COMMANDS = [
    ["migrate"],
    ["seed"],
    ["set-password", "chief"],
    ["import", "people", "README.md"],
    ["import", "boundaries", "README.md", "--layer", "villages"],
    ["backup", "/tmp/holomap-never-written.dump"],
    ["restore", "README.md"],
]


@pytest.mark.parametrize("args", UNREACHABLE_COMMANDS, ids=lambda a: " ".join(a[:2]))
def test_an_unreachable_database_is_one_line_naming_it(args):
    url = f"postgresql+psycopg://holomap_owner:x@127.0.0.1:{closed_port()}/holomap_nowhere"
    done = run(args, env={"DATABASE_URL": url, "HOLOMAP_OWNER_DATABASE_URL": url}, stdin="long-enough-pw\n")
    line = assert_one_line(done, "无法连接数据库", "holomap_nowhere", "PostgreSQL is running")
    assert "x@" not in line  # never the password


def test_migrate_names_the_url_it_was_given():
    url = f"postgresql+psycopg://holomap_owner:x@127.0.0.1:{closed_port()}/holomap_given"
    assert_one_line(run(["migrate", "--url", url]), "holomap_given")


@pytest.mark.parametrize("args", [
    ["import", "people", "/nonexistent/people.csv"],
    ["import", "boundaries", "/nonexistent/villages.geojson", "--layer", "villages"],
    ["restore", "/nonexistent/holomap.dump"],
])
def test_a_missing_file_is_one_line(args):
    assert_one_line(run(args), "/nonexistent/")


def test_a_file_that_is_no_backup_is_refused_in_one_line(tmp_path):
    fake = tmp_path / "not-a-dump.dump"
    fake.write_text("hello")
    assert_one_line(run(["restore", str(fake), "--database", "holomap_test_never_created"]),
                    "not a backup written by `holomap backup`")


def test_backup_into_a_missing_folder_is_one_line():
    assert_one_line(run(["backup", "/nonexistent/dir/holomap.dump"]), "does not exist")


def test_unexpected_errors_point_to_holomap_debug(monkeypatch, capsys):
    from api import cli

    def boom(_args):
        raise RuntimeError("something odd")

    monkeypatch.setattr(cli, "migrate", boom)
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["migrate"])
    assert exit_info.value.code != 0
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "HOLOMAP_DEBUG=1" in err and "something odd" in err


def test_database_errors_that_are_not_connection_errors_say_so(db):
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    from api.cli import explain

    for sql, hint in (("SELECT * FROM no_such_table", True), ("SELECT 1 / 0", False)):
        with pytest.raises(DBAPIError) as caught, db.begin_nested():
            db.execute(text(sql))
        message, status = explain(caught.value)
        assert status != 0 and message.startswith("数据库错误") and "无法连接" not in message
        assert ("holomap migrate" in message) is hint
