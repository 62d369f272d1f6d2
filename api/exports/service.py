"""Exports: non-personal layers as GeoJSON/CSV, residents as CSV (masked unless revealed), beat maps."""
import csv
import io
from collections.abc import Iterable

from sqlalchemy import text
from sqlalchemy.orm import Session

from api.auth.service import CurrentUser
from api.errors import Forbidden, InvalidInput, NotFound
from api.exports import queries
from api.exports.formulas import inert_row
from api.exports.offline_map import beat_map_html
from api.scope import beat_ids, masks_id_numbers, require_personal_access
from geo.idnumber import mask
from geo.masking import mask_phone

LAYERS = tuple(queries.LAYER_FEATURES)
RESIDENT_HEADERS = ("ID", "姓名", "公民身份号码", "性别", "出生日期", "联系电话", "人口类型", "与户主关系",
                    "人员标签", "户号", "地址", "单元", "楼层", "房号", "警务区")


def station_filter(user: CurrentUser) -> int | None:
    """The station a user's exports are limited to (None: the whole bureau)."""
    if user.can("bureau.read") or user.station_id is None:
        if not user.can("bureau.read"):
            raise Forbidden("your account belongs to no station; ask the administrator",
                            code="account.no_station")
        return None
    return user.station_id


def layer_geojson(*, session: Session, user: CurrentUser, layer: str) -> dict:
    """One non-personal layer as a GeoJSON FeatureCollection (built by PostGIS)."""
    _check_layer(layer)
    params = {"station_id": station_filter(user)}
    return session.execute(text(queries.LAYER_FEATURES[layer]), params).scalar_one()


def layer_csv(*, session: Session, user: CurrentUser, layer: str) -> str:
    """One non-personal layer as CSV with a point (lon, lat) and the WKT geometry."""
    _check_layer(layer)
    result = session.execute(text(queries.LAYER_ROWS[layer]), {"station_id": station_filter(user)})
    return _csv(result.keys(), result.all())


def residents_csv(
    *, session: Session, user: CurrentUser, beat_id: int | None, reveal: bool
) -> tuple[str, int]:
    """Residents of the user's beats (or one of them); identifiers masked unless revealed. (csv, rows)."""
    require_personal_access(user)
    scope = beat_ids(user)
    if beat_id is not None:
        if beat_id not in scope:
            raise NotFound(f"beat {beat_id} not found in your beats",
                           code="beat.not_in_scope", params={"beat_id": beat_id})
        scope = [beat_id]
    if reveal and masks_id_numbers(user):
        raise Forbidden("grid members always see masked ID numbers; export without reveal",
                        code="export.reveal_masked_role")
    rows = session.execute(text(queries.RESIDENTS), {"beat_ids": scope}).all()
    out = []
    for r in rows:
        ident = r.id_number if reveal else mask(r.id_number)
        phone = r.phone if reveal or not r.phone else mask_phone(r.phone)
        out.append((r.id, r.name, ident, "男" if r.gender == "M" else "女", r.birth_date, phone, r.residency,
                    r.relation_to_head, r.tags, r.hukou_no, r.address, r.unit, r.floor, r.room, r.beat))
    return _csv(RESIDENT_HEADERS, out), len(out)


def beat_map(*, session: Session, user: CurrentUser, beat_id: int) -> tuple[str, dict]:
    """The offline HTML map of a beat of the user's station (or any, for leaders and admins)."""
    beat = session.execute(text(queries.BEAT), {"beat_id": beat_id}).mappings().first()
    allowed = beat is not None and (user.can("bureau.read") or beat["station_id"] == user.station_id
                                    or beat_id in user.beat_ids)
    if not allowed:
        raise NotFound(f"beat {beat_id} not found in your station",
                       code="beat.not_in_station", params={"beat_id": beat_id})
    params = {"beat_id": beat_id}
    villages = session.execute(text(queries.BEAT_VILLAGES), params).scalar_one()
    buildings = session.execute(text(queries.BEAT_BUILDINGS), params).scalar_one()
    key_points = [dict(r) for r in session.execute(text(queries.BEAT_KEY_POINTS), params).mappings()]
    document = beat_map_html(beat=dict(beat), villages=villages, buildings=buildings, key_points=key_points)
    return document, dict(beat)


def _check_layer(layer: str) -> None:
    if layer not in LAYERS:
        raise InvalidInput(f"unknown layer {layer!r}; exportable layers: {', '.join(LAYERS)}",
                           code="export.unknown_layer",
                           params={"layer": layer, "layers": list(LAYERS)})


def _csv(headers: Iterable[str], rows: Iterable[tuple]) -> str:
    """CSV text with a BOM so that Excel opens the Chinese correctly; no cell can start a formula."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(inert_row(headers))
    writer.writerows(inert_row(r) for r in rows)
    return out.getvalue()
