"""Compact JSON forms of the dashboard's map answers (issue 22): the same values in a third of the bytes.

A GeoJSON FeatureCollection of 2,000 beats or 5,000 heat cells repeats every property name in every
feature and writes every coordinate in full (1.2–1.45 MB at county scale). The compact forms carry the
same values as columns:

- cells (heat, hotspots): `{"i": [...], "j": [...], "count": [...], <other property>: [...]}` — a cell's
  polygon follows from (cell kind, size_m, i, j) (geo.binning; frontend/js/dashboard/compact.js draws it
  the same way);
- features with geometry (per-beat figures): `columns` (property names), `rows` (one array of values per
  feature, in the columns' order) and `geometries`: each feature's geometry as its type and the rings'
  coordinates in millionths of a degree (the 6 decimals of the full form, exactly: an integer divided by
  10⁶ is the double nearest to the decimal), each ring's first point absolute and the others as
  differences from the point before.

Pure functions of Python values: tests decode them back and compare with the full form.
"""
from __future__ import annotations

import json

SCALE = 1_000_000  # millionths of a degree: ST_AsGeoJSON(geom, 6)


def _ring(points: list[list[float]]) -> list[int]:
    out: list[int] = []
    px = py = 0
    for k, (x, y) in enumerate(points):
        qx, qy = round(x * SCALE), round(y * SCALE)
        out += (qx, qy) if k == 0 else (qx - px, qy - py)
        px, py = qx, qy
    return out


def encode_geometry(geometry: dict | None) -> list | None:
    """A Polygon or MultiPolygon as [type, [[ring, …] per polygon]] with delta-coded integer rings."""
    if geometry is None:
        return None
    kind = geometry["type"]
    polygons = [geometry["coordinates"]] if kind == "Polygon" else geometry["coordinates"]
    return [kind, [[_ring(ring) for ring in polygon] for polygon in polygons]]


def decode_geometry(encoded: list | None) -> dict | None:
    """The GeoJSON geometry of `encode_geometry`'s output (the reference decoder; the web app's is in JS)."""
    if encoded is None:
        return None
    kind, polygons = encoded
    decoded = []
    for polygon in polygons:
        rings = []
        for ring in polygon:
            x = y = 0
            points = []
            for k in range(0, len(ring), 2):
                x, y = (ring[0], ring[1]) if k == 0 else (x + ring[k], y + ring[k + 1])
                points.append([x / SCALE, y / SCALE])
            rings.append(points)
        decoded.append(rings)
    return {"type": kind, "coordinates": decoded[0] if kind == "Polygon" else decoded}


def features_compact(features: list[dict], columns: tuple[str, ...], objects: dict[str, tuple[str, ...]] | None = None,
                     geometries: list | None = None) -> dict:
    """`columns`, `rows` and `geometries` of GeoJSON features (their geometry as a dict); a column named in
    `objects` holds an object property as the list of its values in the order of the keys given there.
    `geometries`: the features' geometries already encoded (kept by the caller)."""
    objects = objects or {}

    def value(properties: dict, column: str):
        v = properties[column]
        return [v[k] for k in objects[column]] if column in objects and v is not None else v

    return {"columns": list(columns), "objects": {k: list(v) for k, v in objects.items()},
            "rows": [[value(f["properties"], c) for c in columns] for f in features],
            "geometries": geometries if geometries is not None else [encode_geometry(f["geometry"]) for f in features]}


def features_decoded(body: dict) -> list[dict]:
    """The GeoJSON features of a `features_compact` body."""
    objects = body.get("objects", {})

    def properties(row: list) -> dict:
        return {c: dict(zip(objects[c], v, strict=True)) if c in objects and v is not None else v
                for c, v in zip(body["columns"], row, strict=True)}

    return [{"type": "Feature", "geometry": decode_geometry(g), "properties": properties(row)}
            for row, g in zip(body["rows"], body["geometries"], strict=True)]


def dumps(value) -> str:
    """JSON as the answers write it: compact separators, Chinese as it is."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
