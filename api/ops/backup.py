"""`holomap backup FILE` / `holomap restore FILE`: pg_dump -Fc of the whole database, restored elsewhere.

The dump holds the schema (tables, row-level security and its policies, triggers, functions, grants to the
application role) and every row, the audit log included. It holds no roles, passwords or database-level
grants: restore checks that the roles exist, creates the database, grants the application role CONNECT,
and creates the extensions itself (postgis needs a superuser: see `pg.run_superuser_sql`), then runs
pg_restore in one transaction as the owning role, so a failed restore leaves an empty database.
"""
import os
import re
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import create_engine, text

from api.ops.pg import OpsError, Target, run_superuser_sql, server_major, tool

Echo = Callable[[str], None]
# tables a fresh database already has (owned by extensions) do not make it "non-empty"
USER_TABLES = """
SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                  AND d.deptype = 'e')
"""
EXTENSION_TABLES = """
SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e'
WHERE c.relkind IN ('r', 'p')
"""
# what pg_dump writes the data of: our tables, and the rows users added to extensions' config tables
DUMPED_TABLES = USER_TABLES.replace("SELECT count(*)", "SELECT count(*) + (SELECT count(*) FROM pg_extension e,"
                                    " unnest(e.extconfig) t)", 1)
TOC_EXTENSION = re.compile(r"^\d+; \d+ \d+ EXTENSION - (\S+)")
TOC_EXTENSION_COMMENT = re.compile(r"^\d+; \d+ \d+ COMMENT - EXTENSION ")


def backup(*, url: str, path: Path, echo: Echo = print) -> dict:
    """Write a custom-format dump of the database at `url` to `path` (via a temporary file, then renamed)."""
    target = Target.parse(url)
    major = server_major(target, database=target.database)
    pg_dump = tool("pg_dump", major)
    tables = _count(target, DUMPED_TABLES)
    path = path.expanduser()
    if path.is_dir():
        raise OpsError(f"{path} is a folder; give the backup's file name, e.g. {path}/holomap.dump")
    if not path.parent.is_dir():
        raise OpsError(f"folder {path.parent} does not exist; create it first")
    echo(f"[holomap] backing up {target.shown()} (PostgreSQL {major}, {tables} tables) with {pg_dump}")
    started = time.monotonic()
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    try:
        argv = [pg_dump, "--format=custom", "--verbose", f"--file={tmp}", f"--dbname={target.conninfo()}"]
        _stream(argv, target, echo, marker="dumping contents of table", total=tables)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    size = path.stat().st_size
    echo(f"[holomap] backup written: {path} ({size / 1e6:.1f} MB, {time.monotonic() - started:.1f} s)")
    return {"path": str(path), "bytes": size, "tables": tables}


def restore(*, path: Path, url: str, app_role: str, force: bool = False, echo: Echo = print) -> dict:
    """Restore a dump into the (new or empty) database named by `url`; --force drops a non-empty one first."""
    path = path.expanduser()
    if not path.is_file():
        raise OpsError(f"no such backup file: {path}")
    target = Target.parse(url)
    major = server_major(target)
    toc = _table_of_contents(path, major)
    extensions = [m.group(1) for line in toc if (m := TOC_EXTENSION.match(line))]
    owners = {line.split()[-1] for line in toc if " TABLE public " in line}
    _check_roles(target, [app_role, *sorted(owners)])
    prepare_database(target, app_role=app_role, extensions=extensions, force=force, echo=echo)
    # the extensions were just created with their own rows (spatial_ref_sys); their objects are not ours
    owned = {f" TABLE DATA {schema} {name} " for schema, name in _rows(target, EXTENSION_TABLES)}
    kept = [line for line in toc if not TOC_EXTENSION.match(line) and not TOC_EXTENSION_COMMENT.match(line)
            and not any(tag in line + " " for tag in owned)]
    started = time.monotonic()
    with tempfile.NamedTemporaryFile("w", suffix=".list", encoding="utf-8") as listing:
        listing.write("\n".join(kept) + "\n")
        listing.flush()
        tables = sum(1 for line in kept if " TABLE DATA " in line)
        echo(f"[holomap] restoring {path} into {target.shown()} ({tables} tables) in one transaction")
        argv = [tool("pg_restore", major), "--verbose", "--exit-on-error", "--single-transaction",
                f"--use-list={listing.name}", f"--dbname={target.conninfo()}", str(path)]
        _stream(argv, target, echo, marker="processing data for table", total=tables)
    engine = create_engine(target.sqlalchemy_url(), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            echo("[holomap] ANALYZE (a dump holds no planner statistics)")
            conn.execute(text("ANALYZE"))
    finally:
        engine.dispose()
    echo(f"[holomap] restored {target.database} in {time.monotonic() - started:.1f} s; point DATABASE_URL and"
         f" HOLOMAP_OWNER_DATABASE_URL at it (`holomap migrate` brings a dump of an older release up to date)")
    return {"database": target.database, "tables": tables, "extensions": extensions}


def _table_of_contents(path: Path, major: int) -> list[str]:
    done = subprocess.run([tool("pg_restore", major), "--list", str(path)], capture_output=True, text=True)
    if done.returncode != 0:
        reason = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"exit {done.returncode}"
        raise OpsError(f"{path} is not a backup written by `holomap backup` (pg_dump -Fc): {reason}")
    return done.stdout.splitlines()


def prepare_database(target: Target, *, app_role: str, extensions: list[str], force: bool = False,
                     echo: Echo = print) -> None:
    """A new (or empty) database owned by the URL's role, reachable by the app role, with the extensions."""
    _check_roles(target, [app_role])
    _prepare_database(target, app_role=app_role, force=force, echo=echo)
    for name in extensions:
        _ensure_extension(target, name, echo)


def drop_database(target: Target) -> None:
    """Drop the database the target names (its sessions are ended), if it exists."""
    engine = create_engine(target.sqlalchemy_url("postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{_ident(target.database)}" WITH (FORCE)'))
    finally:
        engine.dispose()


def _check_roles(target: Target, roles: list[str]) -> None:
    """The roles the dump's objects and grants name exist on this server (a dump holds no roles)."""
    engine = create_engine(target.sqlalchemy_url("postgres"))
    try:
        with engine.connect() as conn:
            found = set(conn.execute(text("SELECT rolname FROM pg_roles WHERE rolname = ANY(:names)"),
                                     {"names": roles}).scalars())
    finally:
        engine.dispose()
    missing = [r for r in roles if r not in found]
    if missing:
        raise OpsError(f"role(s) {', '.join(missing)} do not exist on this server: create them first"
                       f" (scripts/bootstrap-db.sh DBNAME as root creates both Holomap roles; or as a superuser:"
                       f" CREATE ROLE name LOGIN PASSWORD '…')")


def _prepare_database(target: Target, *, app_role: str, force: bool, echo: Echo) -> None:
    name = target.database
    admin = create_engine(target.sqlalchemy_url("postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
            if exists and _count(target, USER_TABLES):
                if not force:
                    raise OpsError(f"database {name} is not empty; restore into a new database (another name"
                                   f" in the URL or --database), or add --force to drop and replace it")
                echo(f"[holomap] --force: dropping database {name}")
                conn.execute(text(f'DROP DATABASE "{_ident(name)}" WITH (FORCE)'))
                exists = None
            if not exists:
                echo(f"[holomap] creating database {name}")
                conn.execute(text(f'CREATE DATABASE "{_ident(name)}" TEMPLATE template0 ENCODING \'UTF8\''))
    finally:
        admin.dispose()
    engine = create_engine(target.sqlalchemy_url(), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(f'GRANT CONNECT ON DATABASE "{_ident(name)}" TO "{_ident(app_role)}"'))
            conn.execute(text("REVOKE CREATE ON SCHEMA public FROM PUBLIC"))
            conn.execute(text(f'GRANT USAGE ON SCHEMA public TO "{_ident(app_role)}"'))
    finally:
        engine.dispose()


def _ensure_extension(target: Target, name: str, echo: Echo) -> None:
    """As the owner when it may (trusted extensions such as btree_gist, pg_trgm), else as the superuser."""
    engine = create_engine(target.sqlalchemy_url(), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            if conn.execute(text("SELECT 1 FROM pg_extension WHERE extname = :n"), {"n": name}).first():
                return
            trusted = conn.execute(text("SELECT trusted FROM pg_available_extension_versions"
                                        " WHERE name = :n AND version = (SELECT default_version"
                                        " FROM pg_available_extensions WHERE name = :n)"), {"n": name}).scalar()
            if trusted is None:
                raise OpsError(f"extension {name} is not installed on the server: apt-get install the package"
                               f" that provides it (postgis: postgresql-<version>-postgis-3)")
            if trusted:
                echo(f"[holomap] CREATE EXTENSION {name}")
                conn.execute(text(f'CREATE EXTENSION IF NOT EXISTS "{_ident(name)}"'))
                return
    finally:
        engine.dispose()
    echo(f"[holomap] CREATE EXTENSION {name} (as the postgres superuser)")
    run_superuser_sql(target, f'CREATE EXTENSION IF NOT EXISTS "{_ident(name)}"', database=target.database)


def _count(target: Target, sql: str) -> int:
    engine = create_engine(target.sqlalchemy_url())
    try:
        with engine.connect() as conn:
            return int(conn.execute(text(sql)).scalar_one())
    finally:
        engine.dispose()


def _rows(target: Target, sql: str) -> list[tuple]:
    engine = create_engine(target.sqlalchemy_url())
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql))]
    finally:
        engine.dispose()


def _ident(name: str) -> str:
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_$-]{0,62}", name):
        raise OpsError(f"{name!r} is not a plain database or role name (letters, digits, _ and -)")
    return name


def _stream(argv: list[str], target: Target, echo: Echo, *, marker: str, total: int) -> None:
    """Run a pg tool, showing one progress line per table; on failure raise with its last error line."""
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=target.env(),
                            cwd="/")
    done, errors = 0, []
    assert proc.stderr is not None
    for line in proc.stderr:
        line = line.rstrip()
        if marker in line:
            done += 1
            echo(f"  [{done}/{total}] {line.split(marker, 1)[1].strip()}")
        elif "error" in line.lower() or "fatal" in line.lower():
            errors.append(line)
    if proc.wait() != 0:
        reason = errors[-1] if errors else f"exit status {proc.returncode}"
        raise OpsError(f"{Path(argv[0]).name} failed: {reason}")
