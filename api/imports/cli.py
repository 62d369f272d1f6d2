"""`holomap import people|organisations|employees|boundaries`: run an import as the owning role, print the
report, audit it."""
import argparse
import getpass
import json
import sys
from pathlib import Path

from sqlalchemy import create_engine

from api.audit.service import record
from api.config import get_settings
from api.db import allow_long_statements
from api.errors import HolomapError
from api.imports.report import ImportReport


def add_parser(sub) -> None:
    """The `import` subcommand and its `people` / `organisations` / `employees` / `boundaries` subcommands."""
    p = sub.add_parser("import", help="import people or organisations spreadsheets, or boundary files")
    kinds = p.add_subparsers(dest="import_kind", required=True)
    people = kinds.add_parser("people", help="households/residents/vehicles from CSV or XLSX")
    people.add_argument("file", type=Path)
    people.add_argument("--mapping", help='JSON {"file header": "template header"} or a path to such a file')
    people.add_argument("--valid-only", action="store_true", help="import the valid rows, skip the others")
    people.add_argument("--dry-run", action="store_true", help="validate and count, write nothing")
    people.add_argument("--report", type=Path, help="also write the full report as JSON to this file")
    orgs = kinds.add_parser("organisations", help="实有单位 (shops, schools, factories…) from CSV or XLSX")
    orgs.add_argument("file", type=Path)
    orgs.add_argument("--mapping", help='JSON {"file header": "template header"} or a path to such a file')
    orgs.add_argument("--valid-only", action="store_true", help="import the valid rows, skip the others")
    orgs.add_argument("--dry-run", action="store_true", help="validate and count, write nothing")
    orgs.add_argument("--report", type=Path, help="also write the full report as JSON to this file")
    employees = kinds.add_parser("employees", help="从业人员 (employees of registered organisations) from CSV or XLSX")
    employees.add_argument("file", type=Path)
    employees.add_argument("--mapping", help='JSON {"file header": "template header"} or a path to such a file')
    employees.add_argument("--valid-only", action="store_true", help="import the valid rows, skip the others")
    employees.add_argument("--dry-run", action="store_true", help="validate and count, write nothing")
    employees.add_argument("--report", type=Path, help="also write the full report as JSON to this file")
    boundaries = kinds.add_parser("boundaries", help="stations/villages/beats/buildings from GeoJSON, "
                                  "Shapefile (.zip) or KML")
    boundaries.add_argument("file", type=Path)
    boundaries.add_argument("--layer", required=True, choices=["stations", "villages", "beats", "buildings"])
    boundaries.add_argument("--crs", help="WGS84 | CGCS2000 | GCJ02 | BD09 (default: from the file)")
    boundaries.add_argument("--repair", action="store_true", help="repair invalid polygons")
    boundaries.add_argument("--station", help="station code for villages/beats (default: by location)")
    boundaries.add_argument("--valid-only", action="store_true",
                            help="import the valid features, skip (and report) the others")
    boundaries.add_argument("--dry-run", action="store_true")
    boundaries.add_argument("--report", type=Path)


def run(args: argparse.Namespace) -> None:
    """Run the import in one transaction; exit status 1 when nothing was written because of problems."""
    if not args.file.is_file():
        sys.exit(f"[holomap] no such file: {args.file}")
    engine = create_engine(get_settings().owner_url)
    try:
        with engine.begin() as conn:
            # the operator's command: no statement limit whatever the role's defaults (Ctrl-C cancels it)
            allow_long_statements(conn, 0)
            report = {"people": _people, "organisations": _organisations, "employees": _employees,
                      "boundaries": _boundaries}[args.import_kind](conn, args)
            record(session=conn, action=f"import_{args.import_kind}", username=f"cli:{getpass.getuser()}"[:64],
                   object_type="import", object_id=report.filename[:120],
                   outcome="ok" if report.written else ("dry_run" if report.dry_run else "rejected"),
                   reason_code="import.result", reason_params=report.summary())
    except HolomapError as exc:
        sys.exit(f"[holomap] {exc.detail}")
    _print(report, args.report)
    if not report.written and not report.dry_run:
        sys.exit(1)


def _people(conn, args) -> ImportReport:
    from tqdm import tqdm

    from api.imports.people import import_people

    mapping = _mapping(args)
    with tqdm(unit=" rows", unit_scale=True, desc="导入 import", file=sys.stderr) as bar:
        return import_people(connection=conn, source=args.file, filename=args.file.name, mapping=mapping,
                             valid_only=args.valid_only, dry_run=args.dry_run, progress=bar.update)


def _mapping(args) -> dict | None:
    if not args.mapping:
        return None
    text = Path(args.mapping).read_text("utf-8") if Path(args.mapping).is_file() else args.mapping
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        sys.exit(f"[holomap] --mapping is not valid JSON: {exc.msg}")


def _organisations(conn, args) -> ImportReport:
    from api.imports.organisations import import_organisations

    return import_organisations(connection=conn, source=args.file, filename=args.file.name, mapping=_mapping(args),
                                valid_only=args.valid_only, dry_run=args.dry_run)


def _employees(conn, args) -> ImportReport:
    from api.imports.employees import import_employees

    return import_employees(connection=conn, source=args.file, filename=args.file.name, mapping=_mapping(args),
                            valid_only=args.valid_only, dry_run=args.dry_run)


def _boundaries(conn, args) -> ImportReport:
    from api.imports.boundaries import import_boundaries

    return import_boundaries(connection=conn, source=args.file, filename=args.file.name,
                             layer=args.layer, crs=args.crs, repair=args.repair, dry_run=args.dry_run,
                             station_code=args.station, valid_only=args.valid_only)


def _print(report: ImportReport, path: Path | None) -> None:
    body = report.to_dict()
    print(f"[holomap] {body['message']}")
    for table, counts in body["counts"].items():
        print(f"  {table}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    for error in body["errors"][:50]:
        print(f"  row {error['row']} [{error['column']}] {error['value']!r}: {error['reason']}")
    if body["error_count"] > 50:
        print(f"  … {body['error_count'] - 50} more problems" + (f" (see {path})" if path else
                                                                 " (use --report FILE for all)"))
    if path:
        path.write_text(json.dumps(body, ensure_ascii=False, indent=2), "utf-8")
