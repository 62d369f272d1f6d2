"""`holomap` command line: migrate, seed, serve, set-password, import, backup, restore.

Every failure ends in one line on stderr saying what failed and what to do, and a non-zero exit status
(`HOLOMAP_DEBUG=1` shows the traceback instead).
"""
import argparse
import getpass
import os
import sys
from datetime import date
from pathlib import Path

from api.config import get_settings

ROOT = Path(__file__).resolve().parent.parent


def _alembic_config(url: str | None = None):
    from alembic.config import Config

    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    if url:
        cfg.attributes["url"] = url
    return cfg


def _ping(url: str) -> None:
    """Connect once, so an unreachable database is reported before any slow work."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    finally:
        engine.dispose()


def migrate(args: argparse.Namespace) -> None:
    """Upgrade the schema (Alembic) and apply the database program (api/*/sql), as the owning role; or
    downgrade the schema only."""
    from alembic import command

    from api import dbprogram

    if args.downgrade:
        command.downgrade(_alembic_config(args.url), args.downgrade)
        print("[holomap] downgraded")
        return
    dbprogram.upgrade(args.url or get_settings().owner_url, prune=args.prune, echo=print)
    print("[holomap] database schema is up to date")


def seed_cmd(args: argparse.Namespace) -> None:
    """Generate and load the demo district (or the county for benchmarks)."""
    import seed

    url = get_settings().owner_url
    _ping(url)  # before minutes of generating data
    if args.if_empty and not seed.is_empty(url):
        print("[holomap] demo data already loaded")
        return
    result = seed.run(engine_url=url, scale=args.scale, seed=args.seed, if_empty=args.if_empty)
    print(f"[holomap] seeded {args.scale} district: {result}")


def serve(args: argparse.Namespace) -> None:
    """Run the API and the web app with uvicorn."""
    import uvicorn

    settings = get_settings()
    host, port = args.host or settings.host, args.port or settings.port
    print(f"\n[holomap] 社区警务全息图 Holomap → http://{host}:{port}/")
    if not settings.is_production:
        print(f"[holomap] demo accounts (password: {settings.demo_password}):")
        print("  officer1…officer6 (社区民警), aux1…aux6 (辅警), grid1…grid12 (网格员),")
        print("  chief (所长), planner (警务区规划), leader (分局领导), admin (系统管理员)\n")
    # X-Forwarded-* only from HOLOMAP_TRUSTED_PROXIES (never loopback by default): uvicorn then sets the
    # scheme for links, and api/clientaddr.py derives the client address by the same list
    trusted = [p.strip() for p in settings.trusted_proxies.split(",") if p.strip()]
    uvicorn.run("api.main:create_app", factory=True, host=host, port=port, workers=args.workers,
                proxy_headers=bool(trusted), forwarded_allow_ips=trusted or [], log_level="info")


def set_password(args: argparse.Namespace) -> None:
    """Set a user's password (prompted, never echoed)."""
    from sqlalchemy import create_engine, text

    from api.auth import queries
    from api.auth.passwords import hash_password

    _ping(get_settings().owner_url)  # before asking for the password
    password = getpass.getpass(f"new password for {args.username}: ")
    if len(password) < 10:
        sys.exit("[holomap] a password needs at least 10 characters")
    engine = create_engine(get_settings().owner_url)
    with engine.begin() as conn:  # also ends the user's sessions: tokens issued before now are refused
        n = conn.execute(text(queries.SET_PASSWORD), {"h": hash_password(password), "u": args.username}).rowcount
    if n != 1:
        sys.exit(f"[holomap] no user named {args.username}")
    print("[holomap] password changed")


def import_cmd(args: argparse.Namespace) -> None:
    """Import a people or organisations spreadsheet, or a boundary file (see api/imports/cli.py)."""
    from api.imports import cli as imports_cli

    imports_cli.run(args)


def backup_cmd(args: argparse.Namespace) -> None:
    """Dump the whole database (pg_dump -Fc) to a file."""
    from api.ops.backup import backup

    backup(url=args.url or get_settings().owner_url, path=args.file)


def restore_cmd(args: argparse.Namespace) -> None:
    """Restore a dump into a new (or empty) database."""
    from api.ops.backup import restore
    from api.ops.pg import Target

    settings = get_settings()
    url = Target.parse(args.url or settings.owner_url, database=args.database).url.render_as_string(
        hide_password=False)
    restore(path=args.file, url=url, app_role=settings.app_db_role, force=args.force)


# no connection, refused or lost (08…), server shutting down or starting (57P…), login refused (28…),
# no such database (3D000); other operational errors (deadlock, timeout) are plain database errors
CONNECTION_SQLSTATES = ("08", "57P", "28", "3D000")
SCHEMA_SQLSTATES = {"42P01", "42703", "42883"}  # undefined table, column, function


def quality_snapshot_cmd(args: argparse.Namespace) -> None:
    """The weekly 数据质量 snapshot of every station (run by cron or a systemd timer; README: Data quality)."""
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from api.quality import service as quality

    engine = create_engine(args.url or get_settings().owner_url)
    try:
        with Session(engine) as session:
            done = quality.snapshot_all(session=session)
            session.commit()
    finally:
        engine.dispose()
    print(f"[holomap] quality snapshot: {sum(done.values())} beats of {len(done)} stations")


def weekly_report_cmd(args: argparse.Namespace) -> None:
    """Issue the weekly 研判 report of every station and of the bureau for a finished week (default: the last
    one), each once (cron or a systemd timer on Mondays; README: Weekly report)."""
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from api.reports import service as reports

    start = reports.week_of(args.week, today=reports.local_today())
    engine = create_engine(args.url or get_settings().owner_url)
    try:
        with Session(engine) as session:
            done = reports.issue_all(session, start=start, settings=get_settings())
            session.commit()
    finally:
        engine.dispose()
    print(f"[holomap] weekly report {start.isoformat()}: {sum(done.values())} issued, "
          f"{len(done) - sum(done.values())} already issued ({len(done) - 1} stations and the bureau)")


def _database_of(url: str | None) -> str:
    """host:port/database of the URL the command used, for the message (never the password)."""
    try:
        from sqlalchemy.engine import make_url

        u = make_url(url or get_settings().owner_url)
        return f"{u.host or 'localhost'}:{u.port or 5432}/{u.database}"
    except Exception:  # noqa: BLE001 — the message must not fail in its turn
        return "?"


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    lines = [line.strip() for line in str(orig).splitlines() if line.strip()]
    return lines[0] if lines else type(orig).__name__


def explain(exc: BaseException, *, url: str | None = None) -> tuple[str, int]:
    """One line saying what failed and what to do, and the exit status, for an error a command raised."""
    import psycopg
    from alembic.util import CommandError
    from sqlalchemy.exc import DBAPIError, OperationalError

    from api.errors import HolomapError
    from api.ops.pg import OpsError

    sqlstate = getattr(getattr(exc, "orig", exc), "sqlstate", None) or ""
    if isinstance(exc, (OperationalError, psycopg.OperationalError)) and (
            not sqlstate or sqlstate.startswith(CONNECTION_SQLSTATES)):
        return (f"无法连接数据库 cannot reach the database {_database_of(url)}: check DATABASE_URL /"
                f" HOLOMAP_OWNER_DATABASE_URL and that PostgreSQL is running ({_first_line(exc)})"), 3
    if isinstance(exc, (DBAPIError, psycopg.Error)):
        hint = " — is the schema up to date? (holomap migrate)" if sqlstate in SCHEMA_SQLSTATES else ""
        return f"数据库错误 database error: {_first_line(exc)}{hint}", 3
    if isinstance(exc, HolomapError):
        return exc.detail, 1
    if isinstance(exc, (OpsError, CommandError)):
        return str(exc), 1
    if isinstance(exc, FileNotFoundError):
        return f"文件不存在 no such file: {exc.filename or exc}", 2
    if isinstance(exc, PermissionError):
        return f"没有权限 permission denied: {exc.filename or exc} — check the file's owner and mode", 2
    if isinstance(exc, OSError):
        return f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), 2
    if isinstance(exc, (ValueError, UnicodeError)):
        return f"输入无效 invalid input: {exc}", 2
    return (f"意外错误 unexpected error: {type(exc).__name__}: {_first_line(exc)} — rerun with HOLOMAP_DEBUG=1"
            " for the traceback"), 1


def main(argv: list[str] | None = None) -> None:
    """Entry point of the `holomap` command: one line and a non-zero status on any failure."""
    args = _parser().parse_args(argv)
    try:
        args.func(args)
    except Exception as exc:  # noqa: BLE001 — the one place that turns errors into a line
        if os.environ.get("HOLOMAP_DEBUG", "") not in ("", "0"):
            raise
        message, status = explain(exc, url=getattr(args, "url", None))
        print(f"[holomap] {args.command}: {message}", file=sys.stderr)
        sys.exit(status)
    except KeyboardInterrupt:
        print(f"[holomap] {args.command}: interrupted", file=sys.stderr)
        sys.exit(130)


def _parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    parser = argparse.ArgumentParser(prog="holomap", description="Holomap 社区警务全息图")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("migrate", help="upgrade the database schema to the newest revision")
    p.add_argument("--url", help="database URL of the owning role (default HOLOMAP_OWNER_DATABASE_URL)")
    p.add_argument("--downgrade", metavar="REV", help="downgrade to REV instead (e.g. base)")
    p.add_argument("--prune", action="store_true",
                   help="drop holomap_* functions, policies and triggers that no file of api/*/sql defines any more")
    p.set_defaults(func=migrate)
    p = sub.add_parser("seed", help="load the demo district (or the county / city data set for benchmarks)")
    p.add_argument("--scale", choices=["demo", "county", "city"], default="demo")
    p.add_argument("--seed", type=int, default=20261125)
    p.add_argument("--if-empty", action="store_true", help="do nothing when data is already loaded")
    p.set_defaults(func=seed_cmd)
    p = sub.add_parser("serve", help="run the web app")
    p.add_argument("--host")
    p.add_argument("--port", type=int)
    p.add_argument("--workers", type=int, default=1)
    p.set_defaults(func=serve)
    p = sub.add_parser("set-password", help="set a user's password")
    p.add_argument("username")
    p.set_defaults(func=set_password)
    from api.imports import cli as imports_cli

    imports_cli.add_parser(sub)
    sub.choices["import"].set_defaults(func=import_cmd)
    p = sub.add_parser("backup", help="dump the whole database to FILE (pg_dump -Fc), as the owning role")
    p.add_argument("file", type=Path)
    p.add_argument("--url", help="database URL of the owning role (default HOLOMAP_OWNER_DATABASE_URL)")
    p.set_defaults(func=backup_cmd)
    p = sub.add_parser("restore", help="restore FILE into a new or empty database (see README: Backup)")
    p.add_argument("file", type=Path)
    p.add_argument("--url", help="owning role's URL naming the target database (default"
                   " HOLOMAP_OWNER_DATABASE_URL)")
    p.add_argument("--database", help="restore into this database instead of the one the URL names")
    p.add_argument("--force", action="store_true", help="drop and replace the target database if not empty")
    p.set_defaults(func=restore_cmd)
    p = sub.add_parser("quality-snapshot", help="count every station's data-quality checks for today and keep this"
                       " week's snapshot (daily before work, from cron or a systemd timer)")
    p.add_argument("--url", help="database URL of the owning role (default HOLOMAP_OWNER_DATABASE_URL)")
    p.set_defaults(func=quality_snapshot_cmd)
    p = sub.add_parser("weekly-report", help="issue the weekly 研判 report of every station and the bureau for a"
                       " finished week (weekly, from cron or a systemd timer)")
    p.add_argument("--week", type=date.fromisoformat, help="any day of the week (default: the last finished week)")
    p.add_argument("--url", help="database URL of the owning role (default HOLOMAP_OWNER_DATABASE_URL)")
    p.set_defaults(func=weekly_report_cmd)
    return parser


if __name__ == "__main__":
    main()
