import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chinaInputValue, chinaInstant, chinaIso, incidentTimeProblem } from '../js/ui/china-time.js';

test('an instant shows as China time in the input, whatever the device zone', () => {
  assert.equal(chinaInputValue(new Date('2026-12-05T17:30:00Z')), '2026-12-06T01:30');
  assert.equal(chinaInstant('2026-12-06T01:30').toISOString(), '2026-12-05T17:30:00.000Z');
  assert.equal(chinaIso('2026-12-06T01:30'), '2026-12-06T01:30:00+08:00');
  assert.equal(chinaIso(''), null);
  assert.equal(chinaInstant('2026-13-45'), null);
});

test('a 警情 time is neither in the future nor older than 366 days', () => {
  const now = new Date('2026-12-06T00:00:00Z');
  assert.equal(incidentTimeProblem(chinaInputValue(now), { now }), null);
  assert.equal(incidentTimeProblem(chinaInputValue(new Date(now.getTime() + 3600e3)), { now }), 'future');
  assert.equal(incidentTimeProblem(chinaInputValue(new Date(now.getTime() - 367 * 86400e3)), { now }), 'too_old');
  assert.equal(incidentTimeProblem('', { now }), 'missing');
});
