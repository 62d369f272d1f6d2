// node --test frontend/tests/: dates in China time, tolerant readers (js/ui/format.js) and the i18n lookups
// (js/i18n/index.js).
import assert from 'node:assert/strict';
import test from 'node:test';

import './all-labels.mjs';

import { daysSince, formatDate, formatDateTime, formatDay, formatPeriod, listOf, pointOf } from '../js/ui/format.js';
import { label, t } from '../js/i18n/index.js';

test('instants are shown in China time whatever the zone of the device', () => {
  // 2026-12-04 17:30 UTC is 2026-12-05 01:30 in Beijing: the China day, not the UTC one
  assert.equal(formatDate('2026-12-04T17:30:00Z'), '2026/12/05');
  assert.equal(formatDateTime('2026-12-04T17:30:00Z'), '2026/12/05 01:30');
  assert.equal(formatDateTime('2026-12-05T01:30:00+08:00'), '2026/12/05 01:30');
});

test('missing or broken instants give no text, not "Invalid Date"', () => {
  for (const value of [null, undefined, '', 'yesterday']) {
    assert.equal(formatDate(value), '');
    assert.equal(formatDateTime(value), '');
    assert.equal(daysSince(value), null);
  }
});

test('days since an instant: whole days, never negative', () => {
  assert.equal(daysSince(new Date(Date.now() - 3.5 * 86400000).toISOString()), 3);
  assert.equal(daysSince(new Date(Date.now() + 86400000).toISOString()), 0);
});

test('calendar days and periods of the API read as Chinese dates, no zone involved', () => {
  assert.equal(formatDay('2026-01-09'), '2026年1月9日');
  assert.equal(formatDay('2026-1-9'), '');
  assert.equal(formatPeriod({ start: '2025-12-05', end: '2026-12-04' }), '2025年12月5日 至 2026年12月4日');
  assert.equal(formatPeriod(null), '');
});

test('a point from any of the shapes an API uses', () => {
  const want = { lon: 118.5, lat: 37.25 };
  assert.deepEqual(pointOf([118.5, 37.25]), want);
  assert.deepEqual(pointOf({ type: 'Point', coordinates: [118.5, 37.25] }), want);
  assert.deepEqual(pointOf({ lon: '118.5', lat: '37.25' }), want);
  assert.deepEqual(pointOf({ lng: 118.5, lat: 37.25 }), want);
  assert.deepEqual(pointOf({ location: { point: { lon: 118.5, lat: 37.25 } } }), want);
  assert.equal(pointOf({ name: 'no place' }), null);
  assert.equal(pointOf(null), null);
});

test('a list from a bare array or the first array under a known key', () => {
  assert.deepEqual(listOf([1, 2]), [1, 2]);
  assert.deepEqual(listOf({ features: [3] }, 'features'), [3]);
  assert.deepEqual(listOf({ results: [4] }), [4]);
  assert.deepEqual(listOf({ results: 'not a list' }), []);
  assert.deepEqual(listOf(null), []);
});

test('t() finds nested labels and shows a missing key as itself; label() falls back to the raw value', () => {
  assert.equal(t('role.officer'), '社区民警');
  assert.equal(t('role.no_such_role'), 'role.no_such_role');
  assert.equal(label('role', 'officer'), '社区民警');
  assert.equal(label('role', 'astronaut'), 'astronaut');
  assert.equal(label('org_status', 'open'), '营业');
});
