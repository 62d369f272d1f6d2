"""PostgreSQL client tools and administration for backup/restore: the server's own pg_dump, superuser SQL.

Debian installs each major version's client tools in /usr/lib/postgresql/<major>/bin, and the pg_dump on
PATH is the newest installed one. A dump must be taken with a pg_dump at least as new as the server, so
the tools are looked up from the server's version first.
"""
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url

DEBIAN_BIN = "/usr/lib/postgresql/{major}/bin"
LOCAL_HOSTS = {None, "", "localhost", "127.0.0.1", "::1"}


class OpsError(Exception):
    """A backup/restore step failed; the message says what to do."""


@dataclass(frozen=True)
class Target:
    """Where a libpq tool connects: conninfo without the password, which goes through PGPASSWORD."""

    url: URL

    @classmethod
    def parse(cls, url: str, *, database: str | None = None) -> "Target":
        u = make_url(url)
        if database:
            u = u.set(database=database)
        if not u.database:
            raise OpsError(f"the database URL names no database: {u.render_as_string(hide_password=True)}")
        return cls(u)

    @property
    def database(self) -> str:
        return self.url.database or ""

    def conninfo(self, database: str | None = None) -> str:
        parts = {"host": self.url.host, "port": self.url.port, "user": self.url.username,
                 "dbname": database or self.url.database}
        return " ".join(f"{k}={_quote(str(v))}" for k, v in parts.items() if v not in (None, ""))

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        if self.url.password:
            env["PGPASSWORD"] = str(self.url.password)
        return env

    def sqlalchemy_url(self, database: str | None = None) -> URL:
        u = self.url.set(database=database) if database else self.url
        if u.drivername == "postgresql":
            u = u.set(drivername="postgresql+psycopg")
        return u

    def shown(self) -> str:
        return self.url.render_as_string(hide_password=True)


def _quote(value: str) -> str:
    if value and re.fullmatch(r"[\w.\-/:]+", value):
        return value
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def server_major(target: Target, *, database: str = "postgres") -> int:
    """The server's major version (15 for 15.x), asked over a connection."""
    engine = create_engine(target.sqlalchemy_url(database))
    try:
        with engine.connect() as conn:
            return int(conn.execute(text("SHOW server_version_num")).scalar_one()) // 10000
    finally:
        engine.dispose()


def tool(name: str, major: int) -> str:
    """Path of pg_dump/pg_restore/psql for a server of this major version (never an older one)."""
    candidate = Path(DEBIAN_BIN.format(major=major)) / name
    if candidate.is_file() and os.access(candidate, os.X_OK):
        return str(candidate)
    found = shutil.which(name)
    if found:
        out = subprocess.run([found, "--version"], capture_output=True, text=True).stdout
        m = re.search(r"(\d+)(?:\.\d+)?", out)
        if m and int(m.group(1)) >= major:
            return found
    raise OpsError(f"{name} for PostgreSQL {major} is not installed: apt-get install postgresql-client-{major}"
                   f" (the server is version {major}; an older {name} cannot read or write its data)")


def run_superuser_sql(target: Target, sql: str, *, database: str) -> None:
    """Run SQL as the postgres superuser of a local server (socket trust, or `runuser -u postgres` as root)."""
    port = str(target.url.port or 5432)
    base = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-p", port, "-d", database, "-c", sql]
    attempts = [["psql", "-X", "-q", "-w", "-v", "ON_ERROR_STOP=1", "-U", "postgres", "-p", port, "-d", database,
                 "-c", sql]]
    if os.geteuid() == 0 and shutil.which("runuser"):
        attempts.append(["runuser", "-u", "postgres", "--", *base])
    last = ""
    if target.url.host in LOCAL_HOSTS and shutil.which("psql"):
        for argv in attempts:
            done = subprocess.run(argv, capture_output=True, text=True, cwd="/")
            if done.returncode == 0:
                return
            last = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"exit {done.returncode}"
    raise OpsError(f"this step needs a PostgreSQL superuser: run it as root on the database server, or run"
                   f" as the postgres user:  psql -d {database} -c \"{sql}\""
                   + (f"  ({last})" if last else ""))
