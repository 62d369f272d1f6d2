// The dashboard's map answers in their compact form (`format=compact`, geo/compact.py on the server) decoded
// back to the GeoJSON FeatureCollections the layers and tables read: the same values, a third of the bytes.
// Pure functions (tested with node: frontend/tests/compact.test.mjs, and against the server's GeoJSON form in
// tests/analytics/test_compact.py).

const R_MERCATOR = 6378137.0; // geo/binning.py
const SCALE = 1e6; // millionths of a degree
const HEX_RING = [[-2, 0], [-1, -1], [1, -1], [2, 0], [1, 1], [-1, 1], [-2, 0]]; // (2·dx, 2·dy), geo/cellgeojson.py
const SQUARE_RING = [[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]];

const round6 = (v) => Math.round(v * SCALE) / SCALE;
const lonOf = (x) => round6((x / R_MERCATOR) * (180 / Math.PI));
const latOf = (y) => round6(Math.atan(Math.sinh(y / R_MERCATOR)) * (180 / Math.PI));

/** The polygon ring [[lon, lat], …] of cell (i, j): as geo.binning.hex_polygon / square_polygon, 6 decimals. */
export function cellRing(kind, i, j, size) {
  if (kind === 'square') return SQUARE_RING.map(([dx, dy]) => [lonOf((i + dx) * size), latOf((j + dy) * size)]);
  const height = Math.sqrt(3) * size;
  const odd = Math.abs(i) % 2;
  return HEX_RING.map(([dx, dy]) => [lonOf(size * ((3 * i + dx) / 2)), latOf(height * ((2 * j + odd + dy) / 2))]);
}

/** Heat or hotspot cells (`cells`: columns i, j, count, …) as a FeatureCollection with the other keys kept. */
export function decodeCells(body) {
  const { cells, format: _format, ...rest } = body;
  const names = Object.keys(cells).filter((k) => k !== 'i' && k !== 'j');
  const features = cells.i.map((i, k) => {
    const j = cells.j[k];
    const properties = { cell: `${i},${j}` };
    for (const name of names) properties[name] = cells[name][k];
    return { type: 'Feature', geometry: { type: 'Polygon', coordinates: [cellRing(body.cell, i, j, body.size_m)] },
      properties };
  });
  return { type: 'FeatureCollection', features, ...rest };
}

function ring(deltas) {
  const points = [];
  let x = 0;
  let y = 0;
  for (let k = 0; k < deltas.length; k += 2) {
    x += deltas[k];
    y += deltas[k + 1];
    points.push([x / SCALE, y / SCALE]);
  }
  return points;
}

/** A geometry of geo.compact.encode_geometry: [type, polygons of delta-coded rings] → GeoJSON. */
export function decodeGeometry(encoded) {
  if (encoded == null) return null;
  const [type, polygons] = encoded;
  const coordinates = polygons.map((polygon) => polygon.map(ring));
  return { type, coordinates: type === 'Polygon' ? coordinates[0] : coordinates };
}

/** Features as `columns`, `rows` and `geometries` (the per-beat figures) → a FeatureCollection; a column named
 * in `objects` holds an object as the list of its values in the order of the keys given there. */
export function decodeFeatures(body) {
  const { columns, rows, geometries, objects = {}, format: _format, ...rest } = body;
  const value = (name, v) => (objects[name] && v != null
    ? Object.fromEntries(objects[name].map((key, k) => [key, v[k]])) : v);
  const features = rows.map((row, k) => ({
    type: 'Feature',
    geometry: decodeGeometry(geometries[k]),
    properties: Object.fromEntries(columns.map((name, c) => [name, value(name, row[c])])),
  }));
  return { type: 'FeatureCollection', features, ...rest };
}
