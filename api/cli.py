"""`holomap` command line: migrate, seed, serve, set-password."""
import argparse
import getpass
import sys
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


def migrate(args: argparse.Namespace) -> None:
    """Upgrade (or downgrade) the schema as the owning role."""
    from alembic import command

    cfg = _alembic_config(args.url)
    if args.downgrade:
        command.downgrade(cfg, args.downgrade)
    else:
        command.upgrade(cfg, "head")
    print("[holomap] database schema is up to date" if not args.downgrade else "[holomap] downgraded")


def seed_cmd(args: argparse.Namespace) -> None:
    """Generate and load the demo district (or the county for benchmarks)."""
    import seed

    url = get_settings().owner_url
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
    """Import a people spreadsheet or a boundary file (see api/imports/cli.py)."""
    from api.imports import cli as imports_cli

    imports_cli.run(args)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the `holomap` command."""
    parser = argparse.ArgumentParser(prog="holomap", description="Holomap 社区警务全息图")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("migrate", help="upgrade the database schema to the newest revision")
    p.add_argument("--url", help="database URL of the owning role (default HOLOMAP_OWNER_DATABASE_URL)")
    p.add_argument("--downgrade", metavar="REV", help="downgrade to REV instead (e.g. base)")
    p.set_defaults(func=migrate)
    p = sub.add_parser("seed", help="load the demo district")
    p.add_argument("--scale", choices=["demo", "county"], default="demo")
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
    args = parser.parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
