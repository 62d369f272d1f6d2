// The offline pack's pure geometry (js/offline/geometry.js) and the GPS helpers (js/offline/gps.js).
import test from 'node:test';
import assert from 'node:assert/strict';
import {
  buildingAt, contains, distanceTo, distanceToBuilding, floorplanOf, metres, tileOf, tilesOver,
} from '../js/offline/geometry.js';
import { isStale, FIX_MAX_AGE_MS } from '../js/offline/gps.js';

const square = (lon, lat, d = 0.0005) => ({ type: 'Polygon', coordinates: [[[lon, lat], [lon + d, lat],
  [lon + d, lat + d], [lon, lat + d], [lon, lat]]] });

test('contains: polygon, hole, multipolygon', () => {
  assert.equal(contains(square(118, 37), 118.0002, 37.0002), true);
  assert.equal(contains(square(118, 37), 118.001, 37.0002), false);
  const holed = { type: 'Polygon', coordinates: [square(118, 37, 0.001).coordinates[0],
    square(118.0004, 37.0004, 0.0002).coordinates[0]] };
  assert.equal(contains(holed, 118.0005, 37.0005), false);
  assert.equal(contains(holed, 118.0001, 37.0001), true);
  assert.equal(contains({ type: 'MultiPolygon', coordinates: [square(1, 1).coordinates, square(118, 37).coordinates] },
    118.0001, 37.0001), true);
});

test('metres and distanceTo are metres on the ground', () => {
  // 0.027° of latitude ≈ 3 km (the visit made 3 km away)
  assert.ok(Math.abs(metres(118, 37, 118, 37.027) - 3002) < 10);
  assert.equal(distanceTo(square(118, 37), 118.0002, 37.0002), 0);
  const d = distanceTo(square(118, 37), 118.00025, 37.0005 + 0.0009); // 0.0009° north of the top edge
  assert.ok(Math.abs(d - 99.5) < 2, String(d));
});

test('buildingAt: the building containing the tap, else the nearest within 30 m, else none', () => {
  const a = { building: { id: 1, lon: 118.00025, lat: 37.00025 }, footprint: square(118, 37), households: [] };
  const b = { building: { id: 2, lon: 118.00125, lat: 37.00025 }, footprint: square(118.001, 37), households: [] };
  assert.equal(buildingAt([a, b], 118.0012, 37.0002).building.id, 2);
  assert.equal(buildingAt([a, b], 118.00075, 37.0002).building.id, 1); // between: the nearer (22 m vs 22 m+)
  assert.equal(buildingAt([a, b], 118.01, 37.01), null);
});

test('tilesOver: z12–z17 over a box, capped by dropping the top zooms', () => {
  const bbox = [117.996768, 37.4429061, 118.0244877, 37.4656867]; // LC01 of the demo district
  const { tiles, zMax } = tilesOver(bbox, { zMin: 12, zMax: 17, limit: 4000 });
  assert.equal(zMax, 17);
  assert.ok(tiles.every(([z]) => z >= 12 && z <= 17));
  const [x, y] = tileOf(118.0, 37.45, 17);
  assert.ok(tiles.some(([z, tx, ty]) => z === 17 && tx === x && ty === y));
  const capped = tilesOver([117, 36, 119, 38], { limit: 500 });
  assert.ok(capped.tiles.length <= 500 && capped.zMax < 17);
});

test('floorplanOf: rooms with residents, flags, last visit and the worst open dispute', () => {
  const entry = { building: { id: 9 }, households: [
    { id: 1, unit: 1, floor: 1, room: '101', kind: 'owner', residents: [{ residency: 'floating', tags: [] }],
      visits: [{ visited_at: '2026-12-01T08:00:00+08:00' }], open_disputes: [{ grade: 'yellow' }, { grade: 'red' }] },
    { id: 2, unit: 1, floor: 2, room: '201', kind: 'rent', residents: [{ residency: 'permanent', tags: ['key_person'] }],
      visits: [], open_disputes: [] },
  ] };
  const plan = floorplanOf(entry, new Date('2026-12-04T08:00:00+08:00'));
  assert.deepEqual(plan.rooms.map((r) => r.household_id), [2, 1]); // top floor first
  const first = plan.rooms[1];
  assert.deepEqual(first.flags, ['floating']);
  assert.equal(first.days_since_visit, 3);
  assert.equal(first.dispute_colour, 'red');
  assert.equal(plan.rooms[0].last_visit_at, null);
  assert.deepEqual(plan.rooms[0].flags, ['key_person']);
});

test('a fix older than the limit is taken again; distance to the building from a fix', () => {
  const now = Date.now();
  assert.equal(isStale(null, now), true);
  assert.equal(isStale({ at: now - 5000 }, now), false);
  assert.equal(isStale({ at: now - FIX_MAX_AGE_MS - 1 }, now), true);
  assert.equal(distanceToBuilding({ lon: 118, lat: 37.027 }, { lon: '118', lat: '37' }), 3002);
  assert.equal(distanceToBuilding(null, { lon: 1, lat: 1 }), null);
});

test('floorplanOf: the organisations of a pack building in the 楼盘表 shape (employees counted)', () => {
  const entry = { building: { id: 9 }, households: [], organisations: [
    { id: 5, name: '便民小卖部', kind: 'shop', small_venue: true, key_unit: false, status: 'open', unit: 1,
      floor: 1, room: '101', employees: [{ id: 1 }, { id: 2 }] }] };
  const plan = floorplanOf(entry);
  assert.deepEqual(plan.rooms, []);
  assert.deepEqual(plan.organisations, [{ organisation_id: 5, name: '便民小卖部', kind: 'shop', small_venue: true,
    key_unit: false, status: 'open', unit: 1, floor: 1, room: '101', employees: 2 }]);
});
