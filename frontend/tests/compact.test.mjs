import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cellRing, decodeCells, decodeFeatures, decodeGeometry } from '../js/dashboard/compact.js';

test('a delta-coded geometry decodes to its millionths of a degree', () => {
  const ring = [118000001, 37400002, 10, 0, 0, 10, -10, -10];
  assert.deepEqual(decodeGeometry(['Polygon', [[ring]]]),
    { type: 'Polygon', coordinates: [[[118.000001, 37.400002], [118.000011, 37.400002], [118.000011, 37.400012],
      [118.000001, 37.400002]]] });
  assert.equal(decodeGeometry(null), null);
  const multi = decodeGeometry(['MultiPolygon', [[ring], [ring]]]);
  assert.equal(multi.coordinates.length, 2);
  assert.deepEqual(multi.coordinates[0][0][1], [118.000011, 37.400002]);
});

test('features from columns and rows keep every value', () => {
  const body = decodeFeatures({ format: 'compact', columns: ['code', 'rate'], rows: [['A1', 1.5], ['A2', null]],
    geometries: [null, null], filters: { start: '2026-01-01' } });
  assert.equal(body.type, 'FeatureCollection');
  assert.equal(body.format, undefined);
  assert.deepEqual(body.filters, { start: '2026-01-01' });
  assert.deepEqual(body.features.map((f) => f.properties), [{ code: 'A1', rate: 1.5 }, { code: 'A2', rate: null }]);
  const nested = decodeFeatures({ columns: ['code', 'disputes'], objects: { disputes: ['green', 'total'] },
    rows: [['A1', [1, 3]], ['A2', null]], geometries: [null, null] });
  assert.deepEqual(nested.features.map((f) => f.properties.disputes), [{ green: 1, total: 3 }, null]);
  assert.equal(nested.objects, undefined);
});

test('cells become closed polygons with their properties', () => {
  const body = decodeCells({ format: 'compact', cell: 'hex', size_m: 500, total: 7, max: 5,
    cells: { i: [0, 1], j: [0, -1], count: [5, 2] } });
  assert.deepEqual(body.features.map((f) => f.properties), [{ cell: '0,0', count: 5 }, { cell: '1,-1', count: 2 }]);
  const [ring] = body.features[0].geometry.coordinates;
  assert.equal(ring.length, 7);
  assert.deepEqual(ring[0], ring[6]);
  assert.deepEqual(ring[0], [-0.004492, 0]); // x = -500 m at the equator
  assert.equal(body.total, 7);
  const square = cellRing('square', 2, 3, 1000);
  assert.deepEqual(square[0], [0.017966, 0.026949]);
});
