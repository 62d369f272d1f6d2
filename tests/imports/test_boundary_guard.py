"""Boundary uploads cannot make GDAL read the server's files or fetch URLs (penetration test, issue 14).

Each attack is what the test found: an OGR VRT saved as .geojson naming `CSV:/path` or `/vsicurl/http://…`.
A file "read" is proven by a named pipe (its writer only gets through when someone opens it for reading);
a request "made" by a listening loopback socket (the kernel accepts the connection even if we never do).
"""
import io
import json
import os
import socket
import threading
import zipfile

import pytest

from api.errors import InvalidInput
from api.imports.boundaries import import_boundaries
from api.imports.boundary_guard import ALLOWED_DRIVERS, locked_gdal

LON, LAT = 118.30, 37.60
SECRET_ROW = b'WKT,name\n"POLYGON((118.31 37.61,118.32 37.61,118.32 37.62,118.31 37.61))",SECRET-ROW\n'


def vrt(source: str) -> bytes:
    return (f'<OGRVRTDataSource><OGRVRTLayer name="secret"><SrcDataSource>{source}</SrcDataSource>'
            '<GeometryType>wkbPolygon</GeometryType><GeometryField encoding="WKT" field="WKT"/>'
            "</OGRVRTLayer></OGRVRTDataSource>").encode()


class Pipe:
    """A named pipe standing for a server file: `was_read` tells whether anything opened it to read."""

    def __init__(self, path):
        self.path = path
        os.mkfifo(path)
        self.opened = threading.Event()
        self.thread = threading.Thread(target=self._write, daemon=True)
        self.thread.start()

    def _write(self):
        fd = os.open(self.path, os.O_WRONLY)  # blocks until a reader opens the pipe
        self.opened.set()
        try:
            os.write(fd, SECRET_ROW)
        except OSError:
            pass
        os.close(fd)

    def was_read(self) -> bool:
        self.thread.join(timeout=0.5)
        read = self.opened.is_set()
        fd = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK)  # let the writer finish
        self.thread.join(timeout=2)
        os.close(fd)
        return read


class Listener:
    """A loopback port that listens; `connected` tells whether anything connected to it.

    Connections are accepted and closed at once (so an unguarded GDAL would fail fast, not hang)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.connections = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            self.connections += 1
            conn.close()

    def connected(self) -> bool:
        self.stop.set()
        self.thread.join(timeout=2)
        self.sock.close()
        return self.connections > 0


def test_the_pipe_and_the_listener_see_what_gdal_does_unguarded(tmp_path):
    """The probes work: plain GDAL (pyogrio, before locking) opens the pipe when asked to."""
    import pyogrio

    pipe = Pipe(tmp_path / "probe.csv")
    try:
        pyogrio.read_info(str(pipe.path))
    except Exception:
        pass
    assert pipe.was_read()


def test_vrt_saved_as_geojson_is_refused_and_the_csv_it_names_is_not_read(db, tmp_path):
    pipe = Pipe(tmp_path / "secret.csv")
    with pytest.raises(InvalidInput) as refused:
        import_boundaries(connection=db, source=vrt(f"CSV:{pipe.path}"), filename="b.geojson", layer="villages")
    assert refused.value.code == "import.boundary_content_mismatch"
    assert not pipe.was_read()
    assert "SECRET" not in refused.value.detail and str(tmp_path) not in refused.value.detail


def test_vsicurl_is_refused_and_no_request_is_made(db):
    listener = Listener()
    with pytest.raises(InvalidInput):
        import_boundaries(connection=db, source=vrt(f"/vsicurl/{listener.url}/x.csv"), filename="b.geojson",
                          layer="villages")
    # the same path inside a real GeoJSON document (a property, a crs link) is refused as well
    geojson = {"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": None,
                                                          "properties": {"src": f"/vsicurl/{listener.url}/y"}}]}
    with pytest.raises(InvalidInput) as refused:
        import_boundaries(connection=db, source=json.dumps(geojson).encode(), filename="b.geojson",
                          layer="villages")
    assert refused.value.code == "import.boundary_external_reference"
    linked = {"type": "FeatureCollection", "features": [],
              "crs": {"type": "link", "properties": {"href": f"{listener.url}/crs", "type": "proj4"}}}
    with pytest.raises(InvalidInput) as refused:
        import_boundaries(connection=db, source=json.dumps(linked).encode(), filename="b.geojson",
                          layer="villages")
    assert refused.value.code == "import.boundary_crs_reference"
    assert not listener.connected()


def test_gdal_itself_opens_only_the_allowed_formats_and_fetches_nothing(tmp_path):
    """Defence in depth: were the content checks bypassed, GDAL would still refuse VRT and /vsicurl."""
    from pyogrio.errors import DataSourceError

    pyogrio = locked_gdal()
    assert set(pyogrio.list_drivers()) <= set(ALLOWED_DRIVERS)
    pipe = Pipe(tmp_path / "secret.csv")
    (tmp_path / "layer.vrt").write_bytes(vrt(f"CSV:{pipe.path}"))
    with pytest.raises(DataSourceError):
        pyogrio.read_info(str(tmp_path / "layer.vrt"))
    assert not pipe.was_read()
    listener = Listener()
    with pytest.raises(DataSourceError):
        pyogrio.read_info(f"/vsicurl/{listener.url}/layer.geojson")
    assert not listener.connected()


@pytest.mark.parametrize(("data", "name", "code"), [
    (b'<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document/></kml>', "b.geojson",
     "import.boundary_content_mismatch"),
    (b'{"type": "FeatureCollection", "features": []}', "b.kml", "import.boundary_content_mismatch"),
    (b'<kml><Document><NetworkLink><Link><href>http://127.0.0.1:9/x.kml</href></Link></NetworkLink>'
     b'</Document></kml>', "b.kml", "import.boundary_external_reference"),
    (b'{"type": "Topology", "objects": {}}', "b.json", "import.boundary_content_mismatch"),
])
def test_content_must_be_what_the_name_says(db, data, name, code):
    with pytest.raises(InvalidInput) as refused:
        import_boundaries(connection=db, source=data, filename=name, layer="villages")
    assert refused.value.code == code


def test_a_shp_in_the_zip_that_is_not_a_shapefile_is_refused(db):
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("beats.shp", vrt("CSV:/etc/passwd"))
        z.writestr("beats.dbf", b"")
    with pytest.raises(InvalidInput) as refused:
        import_boundaries(connection=db, source=archive.getvalue(), filename="beats.zip", layer="beats")
    assert refused.value.code == "import.boundary_content_mismatch"


def test_gdal_messages_do_not_show_the_servers_paths(db):
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:  # a .shp without its .shx: GDAL names the missing file's path
        z.writestr("beats.shp", b"\x00\x00\x27\x0a" + bytes(96))
    with pytest.raises(InvalidInput) as refused:
        import_boundaries(connection=db, source=archive.getvalue(), filename="beats.zip", layer="beats")
    message = refused.value.detail + json.dumps(refused.value.params, ensure_ascii=False)
    assert "beats.shx" in message  # GDAL's reason is kept…
    assert "holomap-boundary-" not in message and "/tmp" not in message  # …without the temporary folder


def test_null_geometry_is_a_422_naming_the_feature(client, user_headers, app_area):
    data = json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": "NULLV1", "name": "无形村"}, "geometry": None}]}).encode()
    r = client.post("/api/import/boundaries", headers=user_headers("admin"), data={"layer": "villages"},
                    files={"file": ("v.geojson", data, "application/geo+json")})
    body = r.json()
    assert r.status_code == 422, body
    assert body["code"] == "import.boundary_null_geometry" and body["params"]["features"] == [1]
    assert "#1" in body["detail"] and "NULLV1" in body["detail"]
