// node --test frontend/tests/: the Chinese echo of native date inputs (js/ui/date-input.js).
import assert from 'node:assert/strict';
import test from 'node:test';

import { formatInputValue } from '../js/ui/date-input.js';

test('a date input value in Chinese, whatever the browser shows', () => {
  assert.equal(formatInputValue('2026-12-04'), '2026年12月4日');
  assert.equal(formatInputValue('2025-06-12'), '2025年6月12日');
});

test('a datetime-local value keeps its hours and minutes', () => {
  assert.equal(formatInputValue('2026-12-04T09:30'), '2026年12月4日 09:30');
  assert.equal(formatInputValue('2026-12-04T23:05:40'), '2026年12月4日 23:05');
});

test('empty or partial values give no text', () => {
  assert.equal(formatInputValue(''), '');
  assert.equal(formatInputValue(null), '');
  assert.equal(formatInputValue('2026-1'), '');
});
