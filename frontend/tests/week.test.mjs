// node --test frontend/tests/: the 研判周报's weeks are China-time Monday–Sunday (js/report/week.js).
import assert from 'node:assert/strict';
import test from 'node:test';

import { chinaToday, lastWeek, mondayOf, weekdayOf } from '../js/report/week.js';

test('a day belongs to the week starting on its Monday', () => {
  assert.equal(mondayOf('2025-11-10'), '2025-11-10');
  assert.equal(mondayOf('2025-11-16'), '2025-11-10'); // Sunday
  assert.equal(mondayOf('2025-11-17'), '2025-11-17');
  assert.equal(mondayOf('2026-01-01'), '2025-12-29'); // across the year
  assert.equal(mondayOf('last week'), null);
  assert.equal(weekdayOf('2025-11-16'), 6);
});

test('today and last week are counted in China time', () => {
  // Sunday 2025-11-16 16:30 UTC is Monday 00:30 in Beijing: last week is then 10–16 November
  const now = new Date('2025-11-16T16:30:00Z');
  assert.equal(chinaToday(now), '2025-11-17');
  assert.equal(lastWeek(now), '2025-11-10');
  assert.equal(lastWeek(new Date('2025-11-16T15:30:00Z')), '2025-11-03');
});
