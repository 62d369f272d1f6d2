"""Boundary files: GeoJSON, zipped Shapefile and KML; declared GCJ-02/BD-09; invalid shapes; re-import."""
import io
import json
import zipfile

import pytest
import shapely
from shapely.geometry import Point, Polygon, box, mapping

from api.errors import InvalidInput
from api.imports.boundaries import import_boundaries
from geo.crs import transform_geometry
from tests.conftest import scalar

LON, LAT = 118.30, 37.60  # the test area's corner (api.imports.fixtures.create_area defaults)


def collection(features: list[tuple[dict, object]]) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": p, "geometry": mapping(g)} for p, g in features]}).encode()


def buildings(n: int = 3) -> list[tuple[dict, Polygon]]:
    return [({"地址": f"边界测试路{i}号", "标准地址编码": f"BND{i:04d}", "层数": 3},
             box(LON + 0.05 + i * 0.001, LAT + 0.05, LON + 0.0505 + i * 0.001, LAT + 0.0505))
            for i in range(n)]


def test_geojson_buildings_import_and_reimport_is_a_no_op(db, area):
    data = collection(buildings())
    report = import_boundaries(connection=db, source=data, filename="b.geojson", layer="buildings")
    assert report.written, report.to_dict()
    assert report.counts["buildings"]["inserted"] == 3
    assert scalar(db, "SELECT village_id FROM building WHERE std_address_code = 'BND0001'") is not None
    again = import_boundaries(connection=db, source=data, filename="b.geojson", layer="buildings")
    assert again.counts["buildings"] == {"inserted": 0, "updated": 0, "unchanged": 3}


def test_declared_gcj02_is_converted_to_wgs84(db, area):
    wgs = buildings(1)
    gcj = [(p, transform_geometry(g, "WGS84", "GCJ02")) for p, g in wgs]
    report = import_boundaries(connection=db, source=collection(gcj), filename="b.geojson", layer="buildings",
                               crs="GCJ-02")
    assert report.written, report.to_dict()
    stored = shapely.from_wkt(scalar(db, "SELECT ST_AsText(footprint) FROM building WHERE std_address_code = "
                                         "'BND0000'"))
    assert stored.hausdorff_distance(wgs[0][1]) < 1e-7  # ≈1 cm


def test_invalid_polygon_is_reported_with_location_unless_repair(db, area):
    bowtie = Polygon([(LON + 0.06, LAT + 0.06), (LON + 0.061, LAT + 0.061), (LON + 0.061, LAT + 0.06),
                      (LON + 0.06, LAT + 0.061), (LON + 0.06, LAT + 0.06)])
    features = [*buildings(2), ({"地址": "自相交测试", "标准地址编码": "BNDBAD"}, bowtie)]
    report = import_boundaries(connection=db, source=collection(features), filename="b.geojson",
                               layer="buildings")
    assert not report.written and report.counts == {}
    error = report.errors[0]
    assert error.row == 3 and error.column == "geometry" and "Self-intersection" in error.reason
    assert error.value.startswith("118.3605")  # lon,lat of the crossing
    assert scalar(db, "SELECT count(*) FROM building WHERE std_address_code LIKE 'BND%'") == 0
    villages = [({"code": "BNDV1", "name": "蝴蝶村"}, bowtie)]
    repaired = import_boundaries(connection=db, source=collection(villages), filename="v.geojson",
                                 layer="villages", repair=True)
    assert repaired.written, repaired.to_dict()
    assert scalar(db, "SELECT ST_NumGeometries(geom) FROM village WHERE code = 'BNDV1'") == 2


def test_shapefile_zip_and_kml(db, area, tmp_path):
    import geopandas as gpd

    frame = gpd.GeoDataFrame({"code": ["BNDB1"], "name": ["测试一区"]},
                             geometry=[box(LON + 0.01, LAT + 0.01, LON + 0.1, LAT + 0.1)], crs="EPSG:4326")
    frame.to_file(tmp_path / "beats.shp", encoding="utf-8")
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        for part in tmp_path.glob("beats.*"):
            z.write(part, part.name)
    report = import_boundaries(connection=db, source=archive.getvalue(), filename="beats.zip", layer="beats")
    assert report.written and report.counts["beats"]["inserted"] == 1, report.to_dict()
    status = "SELECT p.status FROM beat b JOIN beat_plan p ON p.id = b.plan_id WHERE b.code = 'BNDB1'"
    assert scalar(db, status) == "draft"  # imported beats land in a draft plan, never the published one
    kml = f"""<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document>
<Placemark><name>KML村</name><ExtendedData><Data name="code"><value>BNDK1</value></Data></ExtendedData>
<Polygon><outerBoundaryIs><LinearRing><coordinates>{LON + .02},{LAT + .02} {LON + .03},{LAT + .02}
{LON + .03},{LAT + .03} {LON + .02},{LAT + .02}</coordinates></LinearRing></outerBoundaryIs></Polygon>
</Placemark></Document></kml>""".encode()
    report = import_boundaries(connection=db, source=kml, filename="v.kml", layer="villages")
    assert report.written and report.counts["villages"]["inserted"] == 1, report.to_dict()


@pytest.mark.parametrize(("data", "name", "message"), [
    (b"{}", "b.txt", "unsupported boundary file"),
    (b"not json at all", "b.geojson", "cannot read"),
    (b"PK\x03\x04junk", "b.zip", "damaged"),
])
def test_bad_boundary_files(db, data, name, message):
    with pytest.raises(InvalidInput, match=message):
        import_boundaries(connection=db, source=data, filename=name, layer="villages")


def test_valid_features_only_skips_and_reports_the_others(db, area):
    bowtie = Polygon([(LON + 0.06, LAT + 0.06), (LON + 0.061, LAT + 0.061), (LON + 0.061, LAT + 0.06),
                      (LON + 0.06, LAT + 0.061), (LON + 0.06, LAT + 0.06)])
    outside = box(LON - 1.0, LAT - 1.0, LON - 0.9995, LAT - 0.9995)  # in no village: cannot be placed
    features = [*buildings(2), ({"地址": "自相交测试", "标准地址编码": "BNDBAD"}, bowtie),
                ({"地址": "村外测试", "标准地址编码": "BNDOUT"}, outside), ({"层数": 2}, buildings(4)[3][1])]
    data = collection(features)
    whole = import_boundaries(connection=db, source=data, filename="b.geojson", layer="buildings")
    assert not whole.written and whole.mode == "all_or_nothing"
    assert scalar(db, "SELECT count(*) FROM building WHERE std_address_code LIKE 'BND%'") == 0
    report = import_boundaries(connection=db, source=data, filename="b.geojson", layer="buildings",
                               valid_only=True)
    assert report.written and report.mode == "valid_only", report.to_dict()
    assert report.counts["buildings"] == {"inserted": 2, "updated": 0, "unchanged": 0}
    assert (report.rows, report.valid_rows, report.invalid_rows) == (5, 2, 3)
    skipped = {e.row: (e.column, e.reason) for e in report.errors}
    assert set(skipped) == {3, 4, 5}
    assert "Self-intersection" in skipped[3][1] and "no village" in skipped[4][1]
    assert skipped[5][0] == "address" and "required" in skipped[5][1]
    assert "3 of 5 features with problems skipped" in report.message
    stored = "SELECT array_agg(std_address_code ORDER BY 1) FROM building WHERE std_address_code LIKE 'BND%'"
    assert scalar(db, stored) == ["BND0000", "BND0001"]
    again = import_boundaries(connection=db, source=data, filename="b.geojson", layer="buildings",
                              valid_only=True)
    assert again.counts["buildings"] == {"inserted": 0, "updated": 0, "unchanged": 2}  # idempotent
    dry = import_boundaries(connection=db, source=collection(buildings(3)), filename="b.geojson",
                            layer="buildings", valid_only=True, dry_run=True)
    assert not dry.written and dry.counts["buildings"]["inserted"] == 1
    assert scalar(db, "SELECT count(*) FROM building WHERE std_address_code LIKE 'BND%'") == 2


def test_valid_only_with_no_valid_feature_writes_nothing(db, area):
    outside = box(LON - 1.0, LAT - 1.0, LON - 0.9995, LAT - 0.9995)
    beats_before = scalar(db, "SELECT count(*) FROM beat_plan")
    report = import_boundaries(connection=db, source=collection([({"code": "BNDX", "name": "村外"}, outside)]),
                               filename="v.geojson", layer="beats", station_code="NO-SUCH-STATION",
                               valid_only=True)
    assert not report.written and report.invalid_rows == 1
    assert "none of the 1 features is valid" in report.message
    assert scalar(db, "SELECT count(*) FROM beat_plan") == beats_before  # the draft plan was rolled back


def test_cli_valid_only_flag_reaches_the_import(db, area, tmp_path):
    import argparse

    from api.imports import cli

    parser = argparse.ArgumentParser()
    cli.add_parser(parser.add_subparsers(dest="command"))
    path = tmp_path / "b.geojson"
    outside = box(LON - 1.0, LAT - 1.0, LON - 0.9995, LAT - 0.9995)
    path.write_bytes(collection([*buildings(1), ({"地址": "村外测试", "标准地址编码": "BNDOUT"}, outside)]))
    args = parser.parse_args(["import", "boundaries", str(path), "--layer", "buildings", "--valid-only"])
    report = cli._boundaries(db, args)
    assert report.written and report.mode == "valid_only" and report.invalid_rows == 1
    args = parser.parse_args(["import", "boundaries", str(path), "--layer", "buildings"])
    assert not cli._boundaries(db, args).written


def test_a_feature_over_the_vertex_limit_is_reported_not_imported(db, area, monkeypatch):
    from api.config import get_settings

    monkeypatch.setattr(get_settings(), "max_geometry_vertices", 100)
    round_village = Point(LON + 0.07, LAT + 0.07).buffer(0.002, quad_segs=64)  # 257 positions
    features = [({"code": "BNDV7", "name": "圆村"}, round_village)]
    report = import_boundaries(connection=db, source=collection(features), filename="v.geojson", layer="villages")
    assert not report.written
    error = report.errors[0]
    assert error.row == 1 and error.column == "geometry" and "257" in error.reason and "100" in error.reason
    assert scalar(db, "SELECT count(*) FROM village WHERE code = 'BNDV7'") == 0
