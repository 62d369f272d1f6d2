// node --test frontend/tests/: the 说明 of an audit row in Chinese from its reason_code (js/ui/audit-reason.js).
import assert from 'node:assert/strict';
import test from 'node:test';

import './all-labels.mjs';

import { auditReason, importSummary } from '../js/ui/audit-reason.js';
import { errorText } from '../js/ui/error-text.js';

const row = (reason_code, reason_params = {}, reason = null) => ({ reason_code, reason_params, reason });
const ascii = { test: (text) => /[A-Za-z]{3,}/.test(text.replace(/HTTP/g, '')) };  // English words

test('an audit read names its page and filters in Chinese', () => {
  assert.equal(auditReason(row('audit.page', { rows: 88, offset: 0, filters: { action: 'login', user: 'admin' } })),
    '查看第 1–88 条（88 条）；筛选：操作 登录、用户 admin');
  assert.equal(auditReason(row('audit.export', { rows: 3, filters: {} })), '导出 3 条');
});

test('typed text follows the sentence; a row with typed text only shows it', () => {
  assert.equal(auditReason(row('export.rows', { rows: 12 }, '核查户籍')), '导出 12 行；说明：核查户籍');
  assert.equal(auditReason(row(null, null, '核查身份')), '核查身份');
  assert.equal(auditReason(row(null, null, null)), '');
});

test('account and membership changes name fields, roles and duties in Chinese', () => {
  const changed = auditReason(row('user.changed', { changes: [
    { field: 'role', old: 'grid_member', new: 'auxiliary' }, { field: 'active', old: true, new: false }],
  memberships_removed: 2 }));
  assert.equal(changed, '角色：网格员 → 辅警；启用：是 → 否；已退出 2 个警务区');
  assert.equal(auditReason(row('beat.members_changed', { changes: [
    { field: 'grid_member', old: ['grid1', 'grid2'], new: ['grid1', 'grid3'] },
    { field: 'auxiliary', old: [], new: ['aux1'] }] })), '网格员：grid1、grid2 → grid1、grid3；辅警：无 → aux1');
  assert.equal(auditReason(row('user.created', { username: 'zhang', role: 'officer', station_id: 2 })),
    '账户 zhang，角色：社区民警，派出所 #2');
});

test('a refused request is told by its error code, an old one by its status', () => {
  assert.equal(auditReason(row('request.denied', { status: 404, code: 'building.not_in_scope', params: { building_id: 7 } })),
    `拒绝（HTTP 404）：${errorText({ status: 404, code: 'building.not_in_scope', params: { building_id: 7 } })}`);
  assert.ok(!ascii.test(auditReason(row('request.denied', { status: 404 }))));
  assert.ok(!ascii.test(auditReason(row('session.refused', { code: 'auth.refresh_reused' }))));
});

test('every code the server writes reads as Chinese', () => {
  const cases = [
    row('plan.step', { seq: 3, label: '划入 2 个村' }), row('plan.published', { archived_plan_id: 4, households: 120 }),
    row('plan.published', { archived_plan_id: null, households: 9 }),
    row('plan.beat_updated', { from_version: 1, to_version: 2, fields: ['geometry', 'name'] }),
    row('plan.assigned', { villages: 2, buildings: 0 }), row('plan.diff_households', { buildings: 7 }),
    row('plan.proposed', { balance_on: 'residents', ratio: 1.2 }), row('user.password_reset', { username: 'x' }),
    row('no_change'), row('photo.subject', { subject: 'visit', subject_id: 5 }),
    row('settings.key_person_tags', { tags: ['elderly_alone', 'key_person'] }),
    row('login.wrong_password'), row('login.locked'), row('login.unknown_user'), row('login.disabled'),
    row('login.wrong_password_locked'), row('login.rate_limited'), row('import.summary_legacy', { summary: '未导入' }),
  ];
  for (const c of cases) {
    const text = auditReason(c);
    assert.ok(text && !ascii.test(text.replace(/\b(x)\b/g, '')), `${c.reason_code}: ${text}`);
    assert.ok(!text.includes('admin.audit_reasons'), `${c.reason_code}: ${text}`);
  }
  assert.equal(auditReason(row('settings.key_person_tags', { tags: ['elderly_alone', 'key_person'] })),
    '重点人员标签：独居老人、重点人员');
});

test('an import says what it wrote, would write or why it wrote nothing', () => {
  const counts = { person: { inserted: 3, updated: 1, unchanged: 0 }, household: { inserted: 1, updated: 0, unchanged: 0 } };
  assert.equal(importSummary({ kind: 'people', mode: 'all_or_nothing', rows: 5, invalid_rows: 0, written: true, counts }),
    '已导入：人员 新增 3、更新 1；住户 新增 1');
  assert.equal(importSummary({ kind: 'people', mode: 'all_or_nothing', rows: 88, invalid_rows: 2, written: false, counts: {} }),
    '未导入：88 行中有 2 行有问题');
  assert.match(importSummary({ kind: 'boundaries:beats', mode: 'valid_only', rows: 4, invalid_rows: 1, written: true, dry_run: false,
    counts: { beats: { inserted: 3, updated: 0, unchanged: 0 } } }), /^已导入：警务区 新增 3；跳过有问题的 1 个要素/);
  assert.match(importSummary({ kind: 'people', mode: 'all_or_nothing', rows: 5, invalid_rows: 0, dry_run: true, written: false,
    counts }), /^试运行，未写入/);
  assert.equal(importSummary({ kind: 'people', rows: 0 }), '文件没有数据行');
  assert.equal(auditReason(row('import.result', { kind: 'people', mode: 'all_or_nothing', rows: 0 })), '文件没有数据行');
});

test('a plan check finding reads in Chinese from its kind and params', async () => {
  const { problemText } = await import('../js/plan/problem-text.js');
  const cases = [
    { kind: 'overlap', params: { beats: ['LC01', 'LC02'], area_m2: 1234 } },
    { kind: 'gap', params: { area_m2: 56 } },
    { kind: 'invalid', params: { beat: null, reason: 'Self-intersection' } },
    { kind: 'sizing', params: { rule: 'rural', beat: 'LC02', villages: 14, residents: 6277, villages_min: 3,
      villages_max: 8, residents_max: 5000 } },
    { kind: 'imbalance', params: { beat_kind: 'rural', ratio: 2.1, max_ratio: 1.5 } },
    { kind: 'split_village', params: { village: '梁才村', beats: ['LC01', 'LC03'] } },
  ];
  assert.equal(problemText(cases[0]), '警务区 LC01、LC02 重叠 1,234 平方米');
  assert.equal(problemText(cases[2]), '辖区 的边界几何无效：边界自相交');
  for (const c of cases) {
    const text = problemText({ ...c, message: 'English fallback' });
    assert.ok(!/[A-Za-z]{3,}/.test(text.replace(/LC\d+/g, '')), `${c.kind}: ${text}`);
  }
  assert.equal(problemText({ kind: 'new_kind', params: {}, message: '新规则' }), '新规则');
});

test('an import row problem reads in Chinese by its name; a geometry one by its error code and GEOS reason', async () => {
  const { rowProblemText } = await import('../js/ui/audit-reason.js');
  assert.equal(rowProblemText({ problem: 'id_checksum', params: {}, reason: '校验位错误 bad checksum' }), '身份证号校验位错误');
  assert.equal(rowProblemText({ problem: 'id_duplicate', params: { first: 2 } }), '身份证号重复，首次出现在第 2 行');
  assert.equal(rowProblemText({ problem: 'geometry', params: { code: 'geometry.invalid_geometry',
    params: { reason: 'Self-intersection' } } }), '图形无效（如自相交），请修改（边界自相交）');
  assert.equal(rowProblemText({ problem: 'something_new', params: {}, reason: '新问题' }), '新问题');
});
