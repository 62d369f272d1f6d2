"""POST /api/import/people, /organisations, /employees and /boundaries: admin uploads, answered with the
import report."""
import json

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from sqlalchemy.orm import Session

from api.auth.dependencies import require_capability
from api.auth.service import CurrentUser
from api.db import DbSession, allow_long_statements
from api.errors import InvalidInput, PayloadTooLarge
from api.imports.boundaries import LAYERS, import_boundaries
from api.imports.employees import import_employees
from api.imports.organisations import import_organisations
from api.imports.people import allow_import, import_people
from api.imports.report import ImportReport
from api.imports.schemas import ImportReportOut
from api.scope import audit
from geo.idnumber import mask

router = APIRouter(prefix="/api/import", tags=["import"])
admin_only = require_capability("import.run")


@router.post("/people", response_model=ImportReportOut)
def upload_people(
    *,
    request: Request,
    file: UploadFile = File(..., description="CSV or XLSX laid out as docs/import-template.md"),
    mapping: str | None = Form(None, description='JSON {"file header": "template header"}'),
    valid_only: bool = Form(False, description="import the valid rows and skip the others"),
    dry_run: bool = Form(False, description="validate and count, write nothing"),
    user: CurrentUser = Depends(admin_only),
    session: DbSession,
) -> dict:
    """Import households, residents and vehicles; 200 with the report whether or not rows were written."""
    return _run_sheet_import(request, session, user, file, importer=import_people, action="import_people",
                             mapping=mapping, valid_only=valid_only, dry_run=dry_run)


@router.post("/organisations", response_model=ImportReportOut)
def upload_organisations(
    *,
    request: Request,
    file: UploadFile = File(..., description="CSV or XLSX laid out as docs/import-template.md (实有单位)"),
    mapping: str | None = Form(None, description='JSON {"file header": "template header"}'),
    valid_only: bool = Form(False, description="import the valid rows and skip the others"),
    dry_run: bool = Form(False, description="validate and count, write nothing"),
    user: CurrentUser = Depends(admin_only),
    session: DbSession,
) -> dict:
    """Import 实有单位 (organisations); 200 with the report whether or not rows were written."""
    return _run_sheet_import(request, session, user, file, importer=import_organisations,
                             action="import_organisations", mapping=mapping, valid_only=valid_only, dry_run=dry_run)


@router.post("/employees", response_model=ImportReportOut)
def upload_employees(
    *,
    request: Request,
    file: UploadFile = File(..., description="CSV or XLSX laid out as docs/import-template.md (从业人员)"),
    mapping: str | None = Form(None, description='JSON {"file header": "template header"}'),
    valid_only: bool = Form(False, description="import the valid rows and skip the others"),
    dry_run: bool = Form(False, description="validate and count, write nothing"),
    user: CurrentUser = Depends(admin_only),
    session: DbSession,
) -> dict:
    """Import 从业人员 (employees of registered organisations); 200 with the report whether or not rows were
    written."""
    return _run_sheet_import(request, session, user, file, importer=import_employees,
                             action="import_employees", mapping=mapping, valid_only=valid_only, dry_run=dry_run)


def _run_sheet_import(request: Request, session, user: CurrentUser, file: UploadFile, *, importer, action: str,
                      mapping: str | None, valid_only: bool, dry_run: bool) -> dict:
    """A sheet import (people or organisations) in the request's transaction, with the import's longer
    statement timeout and the import policy; audited by _finish."""
    data = _read_upload(request, file)
    allow_long_statements(session, request.app.state.settings.import_statement_timeout_ms)
    allow_import(session)
    report = importer(connection=session.connection(), source=data, filename=file.filename or "",
                      mapping=_mapping(mapping), valid_only=valid_only, dry_run=dry_run)
    return _finish(request, session, user, report, action=action)


@router.post("/boundaries", response_model=ImportReportOut)
def upload_boundaries(
    *,
    request: Request,
    file: UploadFile = File(..., description="GeoJSON, zipped Shapefile or KML"),
    layer: str = Form(..., description="stations | villages | beats | buildings"),
    crs: str | None = Form(None, description="WGS84 | CGCS2000 | GCJ02 | BD09 (default: from the file)"),
    repair: bool = Form(False, description="repair invalid polygons instead of rejecting them"),
    valid_only: bool = Form(False, description="import the valid features and skip (report) the others"),
    dry_run: bool = Form(False),
    station: str | None = Form(None, description="station code for villages/beats (default: by location)"),
    user: CurrentUser = Depends(admin_only),
    session: DbSession,
) -> dict:
    """Import one boundary layer; 200 with the report (nothing written when any feature is invalid, unless
    valid_only: then the valid features are written and the others skipped)."""
    if layer not in LAYERS:
        raise InvalidInput(f"未知图层 unknown layer {layer!r}; use one of {', '.join(LAYERS)}",
                           code="import.unknown_layer",
                           params={"layer": layer, "layers": list(LAYERS)})
    data = _read_upload(request, file)
    allow_long_statements(session, request.app.state.settings.import_statement_timeout_ms)
    report = import_boundaries(connection=session.connection(), source=data, filename=file.filename or "",
                               layer=layer, crs=crs or None, repair=repair, dry_run=dry_run,
                               station_code=station or None, valid_only=valid_only)
    return _finish(request, session, user, report, action="import_boundaries")


def _read_upload(request: Request, file: UploadFile) -> bytes:
    """The uploaded bytes, refusing more than the configured limit (413)."""
    limit = request.app.state.settings.max_body_bytes
    data = file.file.read(limit + 1)
    if len(data) > limit:
        raise PayloadTooLarge(f"文件过大 the file is larger than {limit // (1024 * 1024)} MB; "
                              "split it or use the command line: holomap import",
                              code="import.file_too_large",
                              params={"limit_mb": limit // (1024 * 1024)})
    if not file.filename:
        raise InvalidInput("缺少文件名 the upload has no file name; its extension tells the format",
                           code="import.no_filename")
    return data


def _mapping(text: str | None) -> dict[str, str] | None:
    if not text:
        return None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"表头映射不是JSON the header mapping is not valid JSON: {exc.msg}",
                           code="import.mapping_not_json",
                           params={"reason": exc.msg}) from None
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise InvalidInput('表头映射格式 the header mapping must be an object '
                           '{"file header": "template header"}', code="import.mapping_not_object")
    return value


def _finish(
    request: Request, session: Session, user: CurrentUser, report: ImportReport, *, action: str
) -> dict:
    """Audit the import (in the same transaction), commit, and answer the report with ID numbers masked."""
    audit(request, session, user, action=action, object_type="import", object_id=report.filename[:120],
          outcome="ok" if report.written else ("dry_run" if report.dry_run else "rejected"),
          reason_code="import.result", reason_params=report.summary())
    session.commit()
    body = report.to_dict()
    id_headers = {h for h, key in report.columns.items() if key in ("id_number", "landlord_id_number")}
    for error in body["errors"]:
        if error["column"] in id_headers and len(error["value"]) >= 10:
            error["value"] = mask(error["value"])  # the admin sees row and reason, not the identity
    return body
