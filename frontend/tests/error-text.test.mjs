// node --test frontend/tests/: the code → Chinese text mapping of API errors (js/ui/error-text.js).
import assert from 'node:assert/strict';
import test from 'node:test';

import { errorText, fieldText, statusText } from '../js/ui/error-text.js';
import labels from '../js/i18n/zh-CN.js';
import { fill, t } from '../js/i18n/index.js';
import './all-labels.mjs'; // dispute.status, quality.checks …: as on the screens that show these errors

const apiError = (status, code, params = {}, errors = []) => ({ status, code, params, errors, detail: 'English' });

test('a known code gives its Chinese text with params filled in', () => {
  assert.equal(errorText(apiError(409, 'beat.locked', { beat: 'B2' })), '警务区 B2 已锁定，请先解锁');
  assert.equal(errorText(apiError(422, 'search.too_short', { min: 2 })), '请输入至少 2 个字符');
  assert.equal(errorText(apiError(422, 'person.id_number_invalid', { reason: '校验位错误' })),
    '身份证号有误：校验位错误');
});

test('params named in param_labels are shown by their label, lists joined with 、', () => {
  const err = apiError(409, 'dispute.transition_not_allowed',
    { from: 'open', to: 'closed', level: 'village', allowed: ['mediating', 'escalated'] });
  assert.equal(errorText(err), '当前状态不能转为「已结案」，可选：调解中、已上报');
  assert.equal(errorText(apiError(409, 'plan.beats_emptied', { beats: ['B1', 'B3'] })),
    '警务区 B1、B3 将没有任何区域，请删除它们或保留部分区域');
});

test('a missing param stays visible instead of breaking the sentence', () => {
  assert.equal(errorText(apiError(409, 'beat.locked')), '警务区 {beat} 已锁定，请先解锁');
});

test('an unknown code falls back to the HTTP status sentence; the English detail is never the text', () => {
  assert.equal(errorText(apiError(409, 'someone.new_code')), labels.errors.status[409]);
  assert.equal(errorText(apiError(418, null)), labels.errors.status.other);
  assert.equal(errorText(apiError(502, null)), labels.errors.status[502]);
  assert.equal(errorText(apiError(599, null)), labels.errors.status[500]);
  assert.equal(errorText({ status: 0 }), labels.errors.status[0]);
  assert.equal(errorText(new Error('boom')), labels.errors.status.other);
  assert.equal(statusText(404), labels.errors.status[404]);
});

test('request validation lists each field by pydantic type, with field labels', () => {
  const err = apiError(422, 'request.validation', {}, [
    { field: 'reason', code: 'string_too_short', params: { min_length: 2 }, message: 'String should have…' },
    { field: 'query.size_m', code: 'greater_than_equal', params: { ge: 50 }, message: '…' },
    { field: 'title', code: 'missing', params: {}, message: 'Field required' },
  ]);
  assert.equal(errorText(err), '理由：至少 2 个字；网格尺寸：不能小于 50；标题：必填');
  assert.equal(errorText(err, { fieldLabels: { title: '纠纷标题' } }).split('；')[2], '纠纷标题：必填');
});

test('an unknown pydantic type and an unnamed field still read in Chinese', () => {
  assert.equal(fieldText({ field: 'body', code: 'json_invalid', params: {} }), '格式有误');
  assert.equal(fieldText({ field: 'tags.3', code: 'weird_type', params: {} }), 'tags：有误');
  assert.equal(errorText(apiError(422, 'request.validation', {}, [])), labels.errors.codes['request.validation']);
});

test('t() and fill() interpolate {name}', () => {
  assert.equal(fill('{a} 与 {b}', { a: 1, b: 'x' }), '1 与 x');
  assert.equal(t('common.days', { n: 3 }), '3 天');
});

test('every catalog code is dotted and its text Chinese', () => {
  for (const [code, text] of Object.entries(labels.errors.codes)) {
    assert.match(code, /^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$/, code);
    assert.match(text, /[\u3400-\u9fff]/, code);
  }
});
