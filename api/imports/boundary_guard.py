"""What GDAL may do with an uploaded boundary file: only read it, as the format its name says.

GDAL opens whatever a file's content looks like, and several of its drivers follow references: an OGR
VRT names other files (`CSV:/etc/…`) or URLs (`/vsicurl/http://…`), the HTTP/WFS/OGC API drivers fetch,
LIBKML follows NetworkLinks. So, before GDAL sees an upload:
- every OGR driver but ALLOWED_DRIVERS is deregistered in this process (GDAL_SKIP, then re-registering
  applies it); if that did not take, boundary imports refuse to run (503) rather than run unguarded;
- GDAL's network access is turned off as far as its options allow (GDAL_CONFIG);
- the content must be what the name says (a .geojson is a JSON object, a .kml is XML whose root is
  <kml>, a .shp starts with the Shapefile magic number) and may not name a /vsi path, a driver-prefixed
  path, a NetworkLink or a remote crs;
- GDAL's messages lose the server's paths before anyone sees them.
"""
import json
import re
from functools import lru_cache
from pathlib import Path

from api.errors import InvalidInput, Unavailable

# GeoJSON (.geojson/.json), ESRI Shapefile (zipped .shp/.shx/.dbf/.prj), KML (.kml: LIBKML reads its
# ExtendedData attributes; NetworkLinks are refused before it sees the file) — docs/import-template.md
ALLOWED_DRIVERS = ("GeoJSON", "ESRI Shapefile", "KML", "LIBKML")
GDAL_CONFIG = {
    # /vsicurl/ and friends: no file "exists" remotely, so nothing is requested
    "CPL_VSIL_CURL_ALLOWED_EXTENSIONS": ".holomap-no-remote-files",
    "CPL_VSIL_CURL_ALLOWED_FILENAME": "/vsicurl/holomap-no-remote-files",
    "GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR",
    "GDAL_HTTP_MAX_RETRY": "0",
    "GDAL_HTTP_TIMEOUT": "1",
    "GDAL_HTTP_CONNECTTIMEOUT": "1",
    "GDAL_HTTP_PROXY": "127.0.0.1:9",  # should anything still try: the discard port, refused at once
    "GDAL_HTTPS_PROXY": "127.0.0.1:9",
    "PROJ_NETWORK": "OFF",
    "LIBKML_RESOLVE_STYLE": "NO",  # never fetch a style document a KML names
    "LIBKML_EXTERNAL_STYLE": "NO",
}
SHAPEFILE_MAGIC = b"\x00\x00\x27\x0a"  # file code 9994, big-endian
# a /vsi path, or a driver-prefixed path as a VRT names its source (`CSV:/srv/…`); plain URLs in
# attributes are harmless text to the allowed drivers
_EXTERNAL = re.compile(rb"/vsi[a-z0-9_]*/?|\b(?:csv|vrt|ogr_vrt|gpkg|sqlite|gdalg|shp|geojson|kml|wfs|oapif)"
                       rb"\s*:\s*(?:/|\\|[a-z]:)", re.IGNORECASE)
_KML_NETWORK = re.compile(rb"<\s*(?:[\w-]+:)?NetworkLink\b")
_CRS_LINK = re.compile(rb'"type"\s*:\s*"(?:link|url)"', re.IGNORECASE)
PARSED_GEOJSON_BYTES = 64 * 1024 * 1024  # larger files are checked by pattern only (GDAL loads them anyway)
_XML_ROOT = re.compile(rb"<\s*([A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)")
_CRS_NAME = re.compile(r"^(?:EPSG:\d{4,6}|urn:ogc:def:crs:(?:EPSG::\d{4,6}|OGC:1\.3:CRS84|OGC::CRS84))$",
                       re.IGNORECASE)
_PATH = re.compile(r"(?:[A-Za-z]:)?(?:/[\w.@+~-]+){2,}/?")


@lru_cache(maxsize=1)
def locked_gdal():
    """pyogrio with only ALLOWED_DRIVERS registered and network access off (checked, once per process)."""
    import pyogrio
    from pyogrio import _ogr

    pyogrio.set_gdal_config_options(GDAL_CONFIG)
    others = [name for name in pyogrio.list_drivers() if name not in ALLOWED_DRIVERS]
    if others:
        pyogrio.set_gdal_config_options({"GDAL_SKIP": ",".join(others)})
        register = getattr(_ogr, "_register_drivers", None)
        if register is not None:
            register()  # GDALAllRegister(): its last step deregisters the drivers named in GDAL_SKIP
    left = set(pyogrio.list_drivers()) - set(ALLOWED_DRIVERS)
    if left:
        raise Unavailable("边界导入不可用 boundary imports are switched off: this server's GDAL cannot be limited "
                          "to the allowed formats; tell the administrator",
                          code="import.boundary_reader_unsafe", params={"drivers": sorted(left)[:5]})
    return pyogrio


def check_content(data: bytes, suffix: str) -> None:
    """The upload is the format its name says and names no other file, path or URL for GDAL to open."""
    if suffix in (".geojson", ".json"):
        _check_geojson(data, suffix)
    elif suffix == ".kml":
        _check_kml(data)
    elif suffix == ".shp" and not data.startswith(SHAPEFILE_MAGIC):
        raise _mismatch(suffix, "not a Shapefile")


def check_text(data: bytes, what: str) -> None:
    """No /vsi path or driver-prefixed path (`CSV:/…`) anywhere in a file GDAL reads as text."""
    found = _EXTERNAL.search(data)
    if found:
        raise InvalidInput(
            f"文件引用了外部路径 the {what} names a path or address for GDAL to open "
            f"({found.group(0).decode('ascii', 'replace')!r}); upload the data itself",
            code="import.boundary_external_reference", params={"reference": found.group(0).decode("ascii",
                                                                                                   "replace")})


def scrub(message: str, folder: Path | None = None) -> str:
    """A GDAL message without the server's paths (the temporary folder, any absolute path)."""
    if folder is not None:
        message = message.replace(str(folder) + "/", "").replace(str(folder), "")
    return _PATH.sub("…", message)


def _check_geojson(data: bytes, suffix: str) -> None:
    text = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"<"):
        raise _mismatch(suffix, "XML")
    if not text.startswith(b"{"):
        raise _unreadable_json()
    check_text(text, "GeoJSON file")
    if len(text) > PARSED_GEOJSON_BYTES:
        if _CRS_LINK.search(text):
            raise _crs_reference()
        return
    try:
        document = json.loads(text)
    except (ValueError, RecursionError):
        raise _unreadable_json() from None
    if not isinstance(document, dict) or document.get("type") not in (
            "FeatureCollection", "Feature", "Polygon", "MultiPolygon", "GeometryCollection"):
        raise _mismatch(suffix, "JSON that is not GeoJSON")
    crs = document.get("crs")
    if crs is not None:
        name = (crs.get("properties") or {}).get("name") if isinstance(crs, dict) else None
        if not (isinstance(crs, dict) and crs.get("type") == "name" and isinstance(name, str)
                and _CRS_NAME.match(name.strip())):
            raise _crs_reference()


def _crs_reference() -> InvalidInput:
    return InvalidInput("坐标系声明不受支持 the file's \"crs\" must name an EPSG code (e.g. "
                        "urn:ogc:def:crs:EPSG::4326), not a link or a file; or leave it out and declare the system",
                        code="import.boundary_crs_reference", params={})


def _unreadable_json() -> InvalidInput:
    return InvalidInput("无法读取边界文件 cannot read the file as GeoJSON: it is not valid JSON; export it again",
                        code="import.boundary_unreadable", params={"reason": "json"})


def _check_kml(data: bytes) -> None:
    head = re.sub(rb"<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>]*>", b"", data[:65536].lstrip(b"\xef\xbb\xbf"),
                  flags=re.DOTALL).lstrip()
    root = _XML_ROOT.match(head)
    if not root or root.group(2).lower() != b"kml":
        raise _mismatch(".kml", "not KML")
    if b"<!ENTITY" in data or b"<!entity" in data:
        raise _mismatch(".kml", "XML with entity declarations")
    if _KML_NETWORK.search(data):
        raise InvalidInput("KML网络链接不受支持 the KML loads other documents (NetworkLink); export the "
                           "features themselves", code="import.boundary_external_reference",
                           params={"reference": "NetworkLink"})
    check_text(data, "KML file")


def _mismatch(suffix: str, found: str) -> InvalidInput:
    return InvalidInput(
        f"文件内容与扩展名不符 the {suffix} file's content is {found}; upload GeoJSON, a zipped Shapefile or KML "
        "as saved by a GIS program",
        code="import.boundary_content_mismatch", params={"suffix": suffix, "found": found})
