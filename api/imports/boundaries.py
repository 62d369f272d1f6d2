"""Importing stations, villages, beats and buildings from boundary files, in the caller's transaction.

Each feature is checked (type, validity with reason and location, repaired only when asked, inside
China's lon/lat box, placed in a station/village); nothing is written unless every feature is fine, or,
when the user explicitly chose "valid features only", the fine ones are written and the others skipped
and reported. Either way it is one savepoint, kept whole or rolled back. Writes are keyed (station,
village: code; building: standard address code, else village + address; beat: code within one
draft plan named after the file) and skip unchanged rows, so re-importing a file changes nothing.
Beats never go into the published plan: they land in a draft a planner can check and publish.
"""
import time
from pathlib import Path

import shapely
from shapely import wkb as shapely_wkb
from shapely.geometry import mapping

from api.config import get_settings
from api.errors import InvalidInput
from api.imports import boundary_queries as q
from api.imports.boundary_files import Feature, read_boundary_file
from api.imports.people_rows import cell_error
from api.imports.report import ImportReport
from geo.geometry import GeometryInputError, parse_geojson_geometry, too_many_vertices

LAYERS = ("stations", "villages", "beats", "buildings")
CHINA_BOUNDS = (73.0, 3.0, 136.0, 54.0)
FIELD_ALIASES = {
    "code": ("code", "编码", "代码", "编号", "dm", "bm"),
    "name": ("name", "名称", "名字", "村名", "mc"),
    "kind": ("kind", "type", "类型", "类别", "lx"),
    "address": ("address", "地址", "门牌地址", "dz"),
    "std_address_code": ("std_address_code", "标准地址编码", "地址编码", "dzbm"),
    "floors": ("floors", "层数", "楼层数", "cs"),
    "units": ("units", "单元数", "dys"),
    "built_year": ("built_year", "建成年份", "年份", "jcnf"),
    "station": ("station", "station_code", "派出所", "派出所编码"),
}
VILLAGE_KINDS = {"village": "village", "村": "village", "行政村": "village", "community": "community",
                 "社区": "community"}
BUILDING_KINDS = {"residential": "residential", "住宅": "residential", "commercial": "commercial",
                  "商业": "commercial", "mixed": "mixed", "商住": "mixed", "public": "public",
                  "公共": "public", "industrial": "industrial", "工业": "industrial", "farm": "farm",
                  "农房": "residential"}
REQUIRED = {"stations": ("code", "name"), "villages": ("code", "name"), "beats": ("code", "name"),
            "buildings": ("address",)}


# what a feature that cannot be placed is told (the `problem` the staging SQL sets, boundary_queries.py)
UNLOCATED_REASONS = {
    "no_station": "找不到所属派出所 no station found (by its code, or covering the shape); import the station first "
                  "or name it with --station",
    "no_village": "不在任何村/社区内 the building lies in no village or community; import the villages first",
    "building_range": "层数或单元数超出范围 floors must be 1..200 and units 1..100",
}

def import_boundaries(
    *,
    connection,
    source: bytes | Path,
    filename: str,
    layer: str,
    crs: str | None = None,
    repair: bool = False,
    dry_run: bool = False,
    station_code: str | None = None,
    valid_only: bool = False,
) -> ImportReport:
    """Validate and import one boundary layer; returns the report (the caller commits).

    With valid_only the features that have problems are skipped (and listed in the report) and the
    others are written; without it any problem means nothing is written.
    """
    started = time.perf_counter()
    if layer not in LAYERS:
        raise InvalidInput(f"未知图层 unknown layer {layer!r}; use one of {', '.join(LAYERS)}",
                           code="import.unknown_layer",
                           params={"layer": layer, "layers": list(LAYERS)})
    boundary = read_boundary_file(source, filename, crs)
    report = ImportReport(kind=f"boundaries:{layer}", filename=Path(filename).name,
                          mode="valid_only" if valid_only else "all_or_nothing", dry_run=dry_run,
                          rows=len(boundary.features))
    report.columns = {"crs": boundary.crs}
    rows = [_row(f, layer, repair, report) for f in boundary.features]
    valid = [r for r in rows if r is not None]
    if valid and (valid_only or not report.errors):
        _write(connection, layer, valid, report, filename, station_code, dry_run, valid_only)
    report.invalid_rows = len({e.row for e in report.errors})
    report.valid_rows = report.rows - report.invalid_rows
    report.message = _summary(report, repair)
    report.seconds = time.perf_counter() - started
    return report


def _row(feature: Feature, layer: str, repair: bool, report: ImportReport) -> dict | None:
    """The feature's attributes by canonical name plus its checked geometry (as WKB hex)."""
    props = {k.lower() if isinstance(k, str) else k: v for k, v in feature.properties.items()}
    row = {}
    for key, aliases in FIELD_ALIASES.items():
        value = next((props[a.lower()] for a in aliases if props.get(a.lower()) not in (None, "")), None)
        row[key] = str(value).strip() if value is not None else None
    problems = [k for k in REQUIRED[layer] if not row[k]]
    for key in problems:
        names = "/".join(FIELD_ALIASES[key][:3])
        report.errors.append(cell_error(feature.number, key, "", f"必填 required attribute {key} ({names})",
                                        "attribute_required", {"names": names}))
    geometry = _geometry(feature, layer, repair, report)
    if problems or geometry is None:
        return None
    row["wkb"] = geometry.wkb_hex
    row["number"] = feature.number
    return row


def _geometry(feature: Feature, layer: str, repair: bool, report: ImportReport):
    if feature.geometry is None or feature.geometry.is_empty:
        report.errors.append(cell_error(feature.number, "geometry", "",
                                        "几何为空 the feature has no geometry", "geometry_empty"))
        return None
    try:
        vertices, limit = shapely.get_num_coordinates(feature.geometry), get_settings().max_geometry_vertices
        if vertices > limit:  # before any per-vertex work in Python
            raise too_many_vertices(int(vertices), limit)
        geometry = parse_geojson_geometry(mapping(feature.geometry), allowed=("Polygon", "MultiPolygon"),
                                          repair=repair, bounds=CHINA_BOUNDS)
    except GeometryInputError as exc:
        where = "" if exc.location is None else f"{exc.location[0]:.6f},{exc.location[1]:.6f}"
        # the geometry's own error code (geometry.*, worded by errors.codes of the web app) and its params
        report.errors.append(cell_error(feature.number, "geometry", where, exc.message, "geometry",
                                        {"code": f"geometry.{exc.code}", "params": exc.params}))
        return None
    if layer == "buildings" and geometry.geom_type == "MultiPolygon":
        if len(geometry.geoms) != 1:
            report.errors.append(cell_error(
                feature.number, "geometry", "",
                f"房屋应为单个面 a building footprint must be one polygon, got {len(geometry.geoms)} parts",
                "building_parts", {"parts": len(geometry.geoms)}))
            return None
        geometry = geometry.geoms[0]
    if not feature.geometry.equals_exact(geometry, 0) and feature.geometry.is_valid is False:
        report.count("repaired", "geometries", 1)
    return geometry


def _write(connection, layer: str, rows: list[dict], report: ImportReport, filename: str,
           station_code: str | None, dry_run: bool, valid_only: bool) -> None:
    raw = connection.connection.driver_connection
    with raw.cursor() as cur:
        cur.execute("SAVEPOINT holomap_import_boundaries")
        try:
            cur.execute(q.CREATE_STAGING)
            with cur.copy(q.COPY_STAGING) as copy:
                for r in rows:
                    copy.write_row((r["number"], r["code"], r["name"], r["kind"], r["address"],
                                    r["std_address_code"], _int(r["floors"]), _int(r["units"]),
                                    _int(r["built_year"]), r["station"], r["wkb"]))
            written = _apply(cur, layer, report, filename, station_code, valid_only)
        except BaseException:
            cur.execute("ROLLBACK TO SAVEPOINT holomap_import_boundaries")
            raise
        if not written or dry_run:
            cur.execute("ROLLBACK TO SAVEPOINT holomap_import_boundaries")
        else:
            cur.execute(q.DROP_STAGING)
            cur.execute("RELEASE SAVEPOINT holomap_import_boundaries")
            report.written = True


def _apply(cur, layer: str, report: ImportReport, filename: str, station_code: str | None,
           valid_only: bool) -> bool:
    """Place the staged features, report those that cannot be placed, upsert; False when nothing is to be kept."""
    params = {"station_code": station_code, "plan_name": f"导入 {Path(filename).name}",
              "village_kinds": list(VILLAGE_KINDS), "village_codes": list(VILLAGE_KINDS.values()),
              "building_kinds": list(BUILDING_KINDS), "building_codes": list(BUILDING_KINDS.values())}
    for statement in q.statements(q.LOCATE[layer]):
        cur.execute(statement, params)
    for number, problem in cur.execute(q.UNLOCATED).fetchall():
        report.errors.append(cell_error(number, "geometry", "", UNLOCATED_REASONS[problem], problem))
    if report.errors and not valid_only:
        return False
    if cur.execute(q.SKIP_UNLOCATED).rowcount and not cur.execute(q.ANY_STAGED).fetchone():
        return False  # every feature was skipped
    for outcome, sql in q.UPSERT[layer]:
        cur.execute(sql, params)
        report.count(layer, outcome, cur.rowcount)
    total = len(cur.execute("SELECT 1 FROM imp_boundary").fetchall())
    bucket = report.counts[layer]
    bucket["unchanged"] = total - bucket.get("inserted", 0) - bucket.get("updated", 0)
    return True


def _int(value: str | None) -> int | None:
    try:
        return int(float(value)) if value not in (None, "") else None
    except ValueError:
        return None


def _summary(report: ImportReport, repair: bool) -> str:
    counts = next(iter(v for k, v in report.counts.items() if k != "repaired"), {})
    text = ", ".join(f"{n} {k}" for k, n in counts.items())
    if report.invalid_rows and report.mode != "valid_only":
        hint = "" if repair else "; invalid shapes can be repaired automatically if you ask for it"
        return f"未导入 nothing imported: {report.invalid_rows} of {report.rows} features have problems{hint}"
    if report.invalid_rows >= report.rows:
        return f"未导入 nothing imported: none of the {report.rows} features is valid"
    skipped = (f"; {report.invalid_rows} of {report.rows} features with problems skipped"
               if report.invalid_rows else "")
    return ("试运行 dry run, nothing written: would be " if report.dry_run else "已导入 imported: ") + text + skipped


__all__ = ["import_boundaries", "LAYERS", "shapely_wkb"]
