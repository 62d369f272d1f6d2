// The 说明 of an audit row in Chinese: the server writes a stable `reason_code` with its values in
// `reason_params` (api/audit; old rows are read back into the same codes by api/audit/legacy.py), and
// this module makes the sentence from `admin.audit_reasons` of i18n/zh-CN/admin.js. `reason` is text a person
// typed (a reveal's reason, a review note) and is shown after it as it is. Also the outcome sentence of an
// import report (the import screen and the audit row of an import say the same).
// Pure (no DOM): unit-tested by frontend/tests/audit-reason.test.mjs.
import { label, t } from '../i18n/index.js';
import { errorText, statusText } from './error-text.js';

const R = (key, params) => t(`admin.audit_reasons.${key}`, params);
const list = (values) => (values || []).join('、');
const num = (n) => Number(n ?? 0).toLocaleString('zh-CN');

// "用户 admin、操作 登录" from the filters of an audit read or export.
function filtersText(filters) {
  const entries = Object.entries(filters || {});
  if (!entries.length) return '';
  const shown = entries.map(([k, v]) => {
    let value = v;
    if (k === 'action') value = label('admin.audit_actions', v);
    else if (k === 'outcome') value = label('admin.audit_outcomes', v);
    else if (k === 'object_type') value = label('admin.audit_objects', v);
    return `${label('admin.audit_reasons.filter_names', k)} ${value}`;
  });
  return R('filters', { list: shown.join('、') });
}

// A changed value of an account or a beat's members.
function valueText(field, value) {
  if (value == null || value === '' || (Array.isArray(value) && !value.length)) return R('none');
  if (Array.isArray(value)) return list(value);
  if (field === 'role') return label('role', value);
  if (field === 'active') return value === true || value === 'True' ? R('yes') : R('no');
  if (field === 'station_id') return R('station', { id: value });
  return String(value);
}

function changesText(changes, fieldSection) {
  return (changes || []).map((c) => R('change', {
    field: label(fieldSection, c.field), old: valueText(c.field, c.old), new: valueText(c.field, c.new),
  })).join('；');
}

// "人员 新增 3、更新 2；住户 新增 1" from an import's counts.
function countsText(counts) {
  return Object.entries(counts || {}).filter(([table]) => table !== 'repaired').map(([table, n]) => {
    const parts = Object.entries(n || {}).filter(([, v]) => v)
      .map(([outcome, v]) => `${label('admin.count_outcome', outcome)} ${num(v)}`);
    return `${label('admin.count_table', table)} ${parts.length ? parts.join('、') : R('import_nothing')}`;
  }).join('；');
}

// The outcome sentence of an import (the report of POST /api/import/…, or reason_params of import.result).
export function importSummary(report) {
  const unit = String(report.kind || '').startsWith('boundaries') ? R('unit_features') : R('unit_rows');
  if (!report.rows) return R('import_no_rows');
  if (report.invalid_rows && report.mode !== 'valid_only') {
    return R('import_rejected', { invalid: num(report.invalid_rows), rows: num(report.rows), unit });
  }
  if (!report.dry_run && !report.written) return R('import_no_valid', { unit });
  const counts = countsText(report.counts);
  const skipped = report.invalid_rows
    ? R('import_skipped', { invalid: num(report.invalid_rows), rows: num(report.rows), unit }) : '';
  return R(report.dry_run ? 'import_dry_run' : 'import_written', { counts }) + skipped;
}

const SENTENCES = {
  'audit.page': (p) => (p.rows ? R('audit_page', { from: num(p.offset + 1), to: num(p.offset + p.rows), rows: num(p.rows) })
    : R('audit_page_empty')) + filtersText(p.filters),
  'audit.export': (p) => R('audit_export', { rows: num(p.rows) }) + filtersText(p.filters),
  'export.rows': (p) => R('export_rows', { rows: num(p.rows) }),
  'plan.step': (p) => R('plan_step', p),
  'incident.warning_issued': (p) => R('warning_issued', p),
  'plan.published': (p) => (p.archived_plan_id != null ? R('plan_published', p) : R('plan_published_first', p)),
  'plan.beat_updated': (p) => R('plan_beat_updated', {
    from: p.from_version, to: p.to_version,
    fields: list((Array.isArray(p.fields) ? p.fields : []).map((f) => label('admin.audit_reasons.beat_fields', f))),
  }),
  'plan.assigned': (p) => R('plan_assigned', p),
  'plan.diff_households': (p) => R('plan_diff_households', p),
  'plan.proposed': (p) => R('plan_proposed', {
    balance: label('admin.audit_reasons.balance_on', p.balance_on), ratio: p.ratio }),
  'user.created': (p) => R('user_created', { username: p.username, role: label('role', p.role),
    station: valueText('station_id', p.station_id) }),
  'user.changed': (p) => [changesText(p.changes, 'admin.audit_reasons.user_fields'),
    p.memberships_removed ? R('memberships_removed', { n: p.memberships_removed }) : ''].filter(Boolean).join('；'),
  'user.password_reset': (p) => R('user_password_reset', p),
  'beat.members_changed': (p) => changesText(p.changes, 'map.duty'),
  no_change: () => R('no_change'),
  'photo.subject': (p) => R('photo_subject', { subject: label('admin.audit_objects', p.subject), id: p.subject_id }),
  'request.denied': (p) => (p.code ? R('denied', { status: p.status, text: errorText(p) })
    : R('denied', { status: p.status, text: statusText(p.status) })),
  'session.refused': (p) => R('session_refused', { text: errorText({ status: 401, code: p.code, params: {} }) }),
  'settings.key_person_tags': (p) => R('key_person_tags', { tags: list((p.tags || []).map((tag) => label('tags', tag))) }),
  'settings.quality_checks': (p) => R('quality_checks', { ...(p.days || {}),
    disabled: (p.disabled || []).length ? list(p.disabled.map((c) => label('quality.checks', c))) : t('quality.none_disabled') }),
  'import.result': (p) => importSummary(p),
  'import.summary_legacy': (p) => p.summary,
};

// A problem of an import row in Chinese by its stable name (RowProblem.problem); a geometry problem by its
// geometry.* error code, with GEOS's reason (Self-intersection …) in words; an unknown name: the server's text.
export function rowProblemText(problem) {
  const name = problem?.problem;
  const params = problem?.params || {};
  if (name === 'geometry' && params.code) {
    const text = errorText({ status: 422, code: params.code, params: params.params || {} });
    const reason = String(params.params?.reason || '').replace(/\[.*$/, '').trim();
    return reason ? t('admin.row_problems.geometry_reason', { text, reason: label('plan.invalid_reasons', reason) })
      : text;
  }
  const template = name ? t(`admin.row_problems.${name}`, params) : null;
  return template && template !== `admin.row_problems.${name}` ? template : problem?.reason || '';
}

// The 说明 cell of a row: the sentence of its code, then what a person typed.
export function auditReason(row) {
  const code = row?.reason_code;
  const typed = row?.reason || '';
  let sentence = '';
  if (code) {
    const login = code.startsWith('login.') ? t(`admin.audit_reasons.login.${code.slice(6)}`) : null;
    const make = SENTENCES[code];
    if (login && login !== `admin.audit_reasons.login.${code.slice(6)}`) sentence = login;
    else if (make) sentence = make(row.reason_params || {});
    else sentence = code;  // a code this catalog does not know yet: shown as it is
  }
  if (sentence && typed) return R('typed', { sentence, text: typed });
  return sentence || typed;
}
