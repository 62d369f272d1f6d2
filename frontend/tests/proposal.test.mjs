// node --test frontend/tests/: what 自动均衡 proved, in Chinese (js/plan/proposal.js).
import assert from 'node:assert/strict';
import test from 'node:test';

import './all-labels.mjs';

import { proposalProof } from '../js/plan/proposal.js';

const search = { units: 'village_parts', entities: 189, candidate_moves: 1520, villages_in_parts: 10, hops: 2,
  proven: false, seconds: 4.1 };

test('a proven proposal says so, naming the whole model', () => {
  assert.equal(proposalProof({ optimal: true, seconds: 0.8, search: { ...search, units: 'villages', proven: true } }),
    '已证明最优：在全部 1,520 个候选调整（整村/社区）中迁移户数最少');
});

test('an unproven one says what was searched and for how long', () => {
  assert.equal(proposalProof({ optimal: false, seconds: 4.3, search: { ...search, hops: 1 } }),
    '未证明最优：4.3 秒内在 1,520 个候选调整（村/社区及其部分房屋，仅相邻一步）中找到的最好方案');
});

test('a regrow proposal (no search) says nothing', () => {
  assert.equal(proposalProof({ optimal: null }), '');
});
