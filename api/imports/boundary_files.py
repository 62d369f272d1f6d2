"""Reading boundary files (GeoJSON, zipped Shapefile, KML) with pyogrio/GDAL into features in WGS84.

The coordinate system is declared by the user or detected from the file: EPSG:4326/4490 are taken as
they are, other (projected) systems are reprojected with pyproj; GCJ-02 and BD-09 cannot be detected
(apps write them as if they were WGS84), so they must be declared and are converted exactly with
geo.crs. Geometry validity is checked later, after conversion.

What GDAL may open and do is limited by api.imports.boundary_guard (allowed drivers, content sniffed,
no paths or URLs, network off); a zip is checked by api.imports.archives before it is unpacked.
"""
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from pyproj import CRS, Transformer
from shapely.geometry.base import BaseGeometry

from api.errors import InvalidInput
from api.imports.archives import SHAPEFILE_ZIP_LIMITS, member_chunks, open_archive
from api.imports.boundary_guard import ALLOWED_DRIVERS, check_content, check_text, locked_gdal, scrub
from geo.crs import UnknownCrsError, normalize_crs_name, transform_geometry

BOUNDARY_SUFFIXES = (".geojson", ".json", ".zip", ".kml")
_SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")
MAX_NAMED_NULL_FEATURES = 10


@dataclass
class Feature:
    """One feature: its 1-based number in the file, attributes and geometry (WGS84 once converted)."""

    number: int
    properties: dict
    geometry: BaseGeometry | None


@dataclass
class BoundaryFile:
    features: list[Feature]
    crs: str  # how the coordinates were read: WGS84 / CGCS2000 / GCJ02 / BD09 / EPSG:xxxx (reprojected)


def read_boundary_file(source: bytes | Path, filename: str, declared_crs: str | None) -> BoundaryFile:
    """Features of every polygon layer in the file, converted to WGS84 lon/lat."""
    suffix = Path(filename).suffix.lower()
    if suffix not in BOUNDARY_SUFFIXES:
        raise InvalidInput(f"不支持的文件类型 unsupported boundary file {suffix or '(none)'!r}: "
                           "upload GeoJSON (.geojson/.json), a zipped Shapefile (.zip) or KML (.kml)",
                           code="import.unsupported_boundary_file",
                           params={"suffix": suffix})
    data = source.read_bytes() if isinstance(source, Path) else source
    if not data.strip():
        raise InvalidInput("文件为空 the file is empty", code="import.file_empty")
    declared = _declared(declared_crs)
    check_content(data, suffix)
    with tempfile.TemporaryDirectory(prefix="holomap-boundary-") as tmp:
        folder = Path(tmp)
        path = _unpack(data, suffix, folder)
        layers = _layers(path, folder)
        features: list[Feature] = []
        detected = None
        for layer in layers:
            meta, geometries, fields = _read_layer(path, layer, folder)
            detected = detected or meta.get("crs")
            names = list(meta.get("fields", []))
            for i, wkb in enumerate(geometries):
                properties = {name: _plain(fields[j][i]) for j, name in enumerate(names)}
                geometry = shapely.from_wkb(wkb) if wkb is not None else None
                features.append(Feature(number=len(features) + 1, properties=properties, geometry=geometry))
    if not features:
        raise InvalidInput("文件中没有要素 the file contains no features", code="import.no_features")
    _refuse_null_geometries(features)
    return _to_wgs84(features, declared, detected, suffix)


def _declared(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return normalize_crs_name(name)
    except UnknownCrsError as exc:
        raise InvalidInput(str(exc), code="import.crs_unknown", params={"crs": name}) from None


def _unpack(data: bytes, suffix: str, folder: Path) -> Path:
    """The path GDAL should open; a zip is checked (sizes, paths) and its Shapefile parts unpacked, bounded."""
    if suffix != ".zip":
        path = folder / f"upload{suffix}"
        path.write_bytes(data)
        return path
    with open_archive(data, SHAPEFILE_ZIP_LIMITS) as archive:
        members = [m for m in archive.infolist() if _safe_member(m)]
        shapefiles = [m for m in members if m.filename.lower().endswith(".shp")]
        if not shapefiles:
            raise InvalidInput("压缩包中没有.shp文件 the zip holds no .shp file; zip the .shp, .shx, .dbf "
                               "and .prj of the layer together", code="import.shapefile_missing", params={})
        for m in members:
            target = folder / Path(m.filename).name
            with target.open("wb") as out:
                for chunk in member_chunks(archive, m, SHAPEFILE_ZIP_LIMITS):
                    out.write(chunk)
    for part in folder.iterdir():
        if part.suffix.lower() == ".shp":
            with part.open("rb") as f:
                check_content(f.read(4), ".shp")
        elif part.suffix.lower() in (".prj", ".cpg"):
            check_text(part.read_bytes(), f"{part.suffix} file")
    return folder / Path(shapefiles[0].filename).name


def _safe_member(member: zipfile.ZipInfo) -> bool:
    """A Shapefile part with a plain relative name (no directories escaping the folder)."""
    name = Path(member.filename)
    return (name.suffix.lower() in _SHAPEFILE_PARTS and not member.is_dir() and ".." not in name.parts
            and not member.filename.startswith("/"))


def _layers(path: Path, folder: Path) -> list[str]:
    pyogrio = locked_gdal()
    try:
        listed = pyogrio.list_layers(path)
        info = pyogrio.read_info(path)
    except Exception as exc:  # pyogrio raises DataSourceError and friends for unreadable files
        raise _unreadable(exc, folder) from None
    if info.get("driver") not in ALLOWED_DRIVERS:  # cannot happen with the other drivers deregistered
        raise InvalidInput(f"不支持的文件格式 GDAL reads this file as {info.get('driver')!r}, which is not allowed",
                           code="import.boundary_content_mismatch",
                           params={"suffix": path.suffix, "found": str(info.get("driver"))})
    return [str(name) for name, _ in listed]


def _read_layer(path: Path, layer: str, folder: Path):
    from pyogrio import raw

    locked_gdal()
    try:
        meta, _, geometries, fields = raw.read(path, layer=layer, force_2d=True)
    except Exception as exc:
        raise _unreadable(exc, folder, layer) from None
    return meta, geometries, fields


def _unreadable(exc: Exception, folder: Path, layer: str | None = None) -> InvalidInput:
    """GDAL's reason, first line, without the server's paths."""
    reason = scrub(str(exc).splitlines()[0][:300], folder) if str(exc) else type(exc).__name__
    if layer is None:
        return InvalidInput(f"无法读取边界文件 GDAL cannot read the file: {reason}",
                            code="import.boundary_unreadable", params={"reason": reason})
    return InvalidInput(f"无法读取图层 cannot read layer {layer!r}: {reason}",
                        code="import.boundary_unreadable", params={"reason": reason, "layer": layer})


def _refuse_null_geometries(features: list[Feature]) -> None:
    """A feature without geometry ("geometry": null) is named in a 422, before any conversion."""
    empty = [f for f in features if f.geometry is None]
    if not empty:
        return
    named = [_feature_label(f) for f in empty[:MAX_NAMED_NULL_FEATURES]]
    more = f" and {len(empty) - len(named)} more" if len(empty) > len(named) else ""
    raise InvalidInput(
        f"要素没有几何 feature {', '.join(named)}{more} has no geometry (\"geometry\": null); "
        "draw its shape or remove it from the file",
        code="import.boundary_null_geometry",
        params={"features": [f.number for f in empty[:MAX_NAMED_NULL_FEATURES]], "count": len(empty),
                "first": named[0]})


def _feature_label(feature: Feature) -> str:
    """'#3 (BNDV1 蝴蝶村)': the feature's number in the file and its code/name when it has them."""
    props = {str(k).lower(): v for k, v in feature.properties.items()}
    words = [str(props[k]) for k in ("code", "编码", "name", "名称", "address", "地址")
             if props.get(k) not in (None, "")][:2]
    return f"#{feature.number}" + (f" ({' '.join(words)[:60]})" if words else "")


def _plain(value):
    """Attribute values as plain Python (numpy scalars, NaN → None)."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


def _to_wgs84(
    features: list[Feature], declared: str | None, detected: str | None, suffix: str
) -> BoundaryFile:
    """Convert every geometry to WGS84 lon/lat from the declared or detected coordinate system."""
    if declared in ("GCJ02", "BD09"):
        for f in features:
            if f.geometry is not None:
                f.geometry = transform_geometry(f.geometry, declared, "WGS84")
        return BoundaryFile(features, declared)
    source = CRS.from_user_input(detected) if detected else None
    if source is None or source.to_epsg() in (4326, 4490) or suffix == ".kml":
        name = declared or ("CGCS2000" if source is not None and source.to_epsg() == 4490 else "WGS84")
        _check_lonlat(features, name)
        return BoundaryFile(features, name)
    if not source.is_projected and not source.is_geographic:
        raise InvalidInput(f"无法识别的坐标系 the file's coordinate system {source.name!r} is not usable; "
                           "declare one (WGS84, CGCS2000, GCJ02, BD09)", code="import.crs_unusable",
                           params={"crs": source.name})
    transformer = Transformer.from_crs(source, CRS.from_epsg(4326), always_xy=True)
    for f in features:
        if f.geometry is not None:
            f.geometry = shapely.transform(f.geometry, lambda xy: np.column_stack(transformer.transform(
                xy[:, 0], xy[:, 1])))
    _check_lonlat(features, source.name)
    return BoundaryFile(features, f"EPSG:{source.to_epsg()}" if source.to_epsg() else source.name)


def _check_lonlat(features: list[Feature], crs: str) -> None:
    """Coordinates that cannot be lon/lat mean the coordinate system is wrong or missing."""
    bounds = shapely.total_bounds([f.geometry for f in features if f.geometry is not None])
    if np.isnan(bounds).any():
        return
    if bounds[0] < -180 or bounds[2] > 180 or bounds[1] < -90 or bounds[3] > 90:
        raise InvalidInput(
            f"坐标不是经纬度 the coordinates ({bounds[0]:.0f}, {bounds[1]:.0f}) are not "
            f"longitude/latitude in {crs}; the file lacks its .prj or declares the wrong system — "
            "declare the right one", code="import.coordinates_not_lonlat", params={"crs": crs}
        )
