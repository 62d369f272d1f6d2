// node --test frontend/tests/: class breaks of the dashboard's legends (js/dashboard/classify.js).
import assert from 'node:assert/strict';
import test from 'node:test';

import { classOf, jenks, quantiles, ranges, spread } from '../js/dashboard/classify.js';

test('six beats with six different rates fall into six classes', () => {
  const rates = [2.1, 2.4, 3.0, 7.5, 8.1, 15.2];
  const breaks = jenks(rates, 6);
  assert.deepEqual(breaks, rates);
  assert.deepEqual(rates.map((r) => classOf(r, breaks)), [0, 1, 2, 3, 4, 5]);
});

test('natural breaks separate clear groups', () => {
  const values = [1, 1.2, 1.1, 10, 10.5, 9.8, 30, 31];
  const breaks = jenks(values, 3);
  assert.deepEqual(breaks, [1.2, 10.5, 31]);
  assert.equal(classOf(9.8, breaks), 1);
  assert.equal(classOf(31, breaks), 2);
});

test('quantile breaks split many skewed values evenly and drop repeats', () => {
  const values = [1, 1, 1, 1, 1, 1, 2, 3, 5, 40];
  assert.deepEqual(quantiles(values, 5), [1, 3, 40]);
  assert.deepEqual(quantiles([], 5), []);
});

test('legend ranges start at the minimum and colours keep the ramp ends', () => {
  assert.deepEqual(ranges([2, 5, 9], 1), [[1, 2], [2, 5], [5, 9]]);
  assert.deepEqual(spread(['a', 'b', 'c', 'd', 'e'], 3), ['a', 'c', 'e']);
  assert.deepEqual(spread(['a', 'b'], 1), ['b']);
  assert.deepEqual(jenks([null, NaN], 3), []);
});
