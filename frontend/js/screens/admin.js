// 数据管理 (admin): 人口导入 (CSV/XLSX → POST /api/import/people, all-or-nothing / valid-only / dry-run,
// the validation report row · column · value · reason), 单位导入 (实有单位 CSV/XLSX → POST
// /api/import/organisations, and its 从业人员 sheet → POST /api/import/employees, the same modes and report,
// downloadable Chinese templates), 边界导入 (GeoJSON/Shapefile zip/KML →
// POST /api/import/boundaries with layer, CRS, repair, valid features only and dry run; the same report,
// by feature), 审计日志 (GET /api/audit, paged and filtered; GET /api/audit.csv) and 账户管理 (js/ui/accounts.js).
// Everything lives in the panel, widened for this screen (css/admin.css); the map stays as context.
import { api, download } from '../api.js';
import { label, t } from '../i18n/index.js';
import { accountsView } from '../ui/accounts.js';
import { auditReason, importSummary, rowProblemText } from '../ui/audit-reason.js';
import { chinaIso } from '../ui/china-time.js';
import { asset, h, clear, scrollable } from '../ui/dom.js';
import { errorNode } from '../ui/errors.js';
import { formatDateTime } from '../ui/format.js';

const PEOPLE_MODES = ['all_or_nothing', 'valid_only', 'dry_run'];
const LAYERS = ['villages', 'beats', 'buildings', 'stations'];
const CRS = ['WGS84', 'CGCS2000', 'GCJ02', 'BD09'];

function ensureStylesheet() {
  if (document.querySelector('link[data-admin-css]')) return;
  document.head.append(h('link', { rel: 'stylesheet', href: asset('css/admin.css'), 'data-admin-css': '' }));
}

export function mount({ panel }) {
  ensureStylesheet();
  const views = { people: peopleView, organisations: organisationsView, boundaries: boundariesView, audit: auditView, accounts: accountsView,
    settings: settingsView };
  const host = h('div.admin-view');
  // ARIA tabs: one tab stop (the chosen tab), arrow keys move between tabs, the view is its tabpanel
  const ids = Object.keys(views);
  const tabs = ids.map((id) => h('button.seg-btn', { type: 'button', role: 'tab', id: `admin-tab-${id}`,
    'aria-controls': 'admin-view', dataset: { tab: id }, onclick: () => show(id),
    onkeydown: (e) => {
      const step = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 }[e.key];
      if (!step) return;
      e.preventDefault();
      const next = tabs[(ids.indexOf(id) + step + tabs.length) % tabs.length];
      show(next.dataset.tab);
      next.focus();
    } }, t(`admin.tab_${id}`)));
  host.id = 'admin-view';
  host.setAttribute('role', 'tabpanel');
  const root = h('div.admin', h('div.seg', { role: 'tablist', 'aria-label': t('admin.title') }, tabs), host);
  panel.setTitle(t('admin.title')).setContent(root).open();

  function show(id) {
    tabs.forEach((tab) => {
      const chosen = tab.dataset.tab === id;
      tab.classList.toggle('active', chosen);
      tab.setAttribute('aria-selected', String(chosen));
      tab.tabIndex = chosen ? 0 : -1;
    });
    host.setAttribute('aria-labelledby', `admin-tab-${id}`);
    clear(host, views[id]());
  }
  show('people');
}

// 系统设置: which person tags count as key persons (GET/PUT /api/settings/key-person-tags), and the 数据质量
// checks that are on with their thresholds (GET/PUT /api/settings/quality-checks).
function settingsView() {
  return h('div.settings', keyPersonTagsForm(), qualityChecksForm());
}

function qualityChecksForm() {
  const status = h('p.small', { role: 'status' });
  const checks = h('div.settings-tags.settings-checks', h('p.muted', t('common.loading')));
  const days = h('div.settings-days');
  const form = h('form.admin-form', { 'data-testid': 'quality-checks', onsubmit: save, novalidate: true },
    h('h3.admin-heading', t('quality.settings_heading')), h('p.muted.small', t('quality.settings_hint')),
    h('fieldset', h('legend', t('quality.settings_enabled')), checks),
    h('fieldset', h('legend', t('quality.settings_days')), days),
    h('button.btn.btn-primary', { type: 'submit' }, t('quality.settings_save')), status);
  api.get('/api/settings/quality-checks').then(show).catch((err) => clear(checks, errorNode(err)));

  function show(body) {
    clear(checks, body.checks.map((c) => h('label.settings-tag',
      h('input', { type: 'checkbox', name: 'check', value: c.code, checked: c.enabled }),
      label('quality.checks', c.code))));
    clear(days, Object.entries(body.days).map(([key, n]) => h('label.field',
      h('span', t(`quality.thresholds.${key}`)),
      h('input', { type: 'number', name: `days-${key}`, min: body.day_ranges[key][0], max: body.day_ranges[key][1],
        step: 1, value: n, required: true, dataset: { key } }),
      h('span.small.muted', t('quality.settings_range', { low: body.day_ranges[key][0],
        high: body.day_ranges[key][1], default: body.default_days[key] })))));
  }

  async function save(event) {
    event.preventDefault();
    const enabled = Object.fromEntries([...form.querySelectorAll('input[name=check]')]
      .map((box) => [box.value, box.checked]));
    const thresholds = Object.fromEntries([...form.querySelectorAll('.settings-days input')]
      .map((input) => [input.dataset.key, Number(input.value)]));
    clear(status);
    try {
      show(await api.put('/api/settings/quality-checks', { enabled, days: thresholds }));
      clear(status, t('quality.settings_saved'));
    } catch (err) {
      clear(status, errorNode(err));
    }
  }
  return form;
}

function keyPersonTagsForm() {
  const status = h('p.small', { role: 'status' });
  const boxes = h('div.settings-tags', h('p.muted', t('common.loading')));
  const form = h('form.admin-form', { 'data-testid': 'key-person-tags', onsubmit: save },
    h('h3.admin-heading', t('worklist.settings_heading')), h('p.muted.small', t('worklist.settings_hint')),
    h('fieldset', h('legend', t('worklist.settings_heading')), boxes),
    h('button.btn.btn-primary', { type: 'submit' }, t('worklist.settings_save')), status);
  api.get('/api/settings/key-person-tags').then((body) => clear(boxes, body.available.map((tag) =>
    h('label.settings-tag', h('input', { type: 'checkbox', name: 'tag', value: tag, checked: body.tags.includes(tag) }),
      label('tags', tag))))).catch((err) => clear(boxes, errorNode(err)));

  async function save(event) {
    event.preventDefault();
    const tags = [...form.querySelectorAll('input[name=tag]:checked')].map((box) => box.value);
    clear(status);
    try {
      const body = await api.put('/api/settings/key-person-tags', { tags });
      clear(status, t('worklist.settings_saved'), '：', body.tags.map((tag) => label('tags', tag)).join('、'));
    } catch (err) {
      clear(status, errorNode(err));
    }
  }
  return form;
}

// A file field whose button and "no file" say it in Chinese whatever the browser's language (the native
// input's own "Choose File / No file chosen" follow the browser): the input covers its label, unseen.
function fileField(file) {
  file.classList.add('file-input');
  file.setAttribute('aria-label', t('admin.file'));
  const name = h('span.file-name.small', t('admin.no_file'));
  file.addEventListener('change', () => { name.textContent = file.files[0]?.name || t('admin.no_file'); });
  return h('div.field', h('span', t('admin.file')),
    h('div.file-row', h('label.btn.btn-small.file-pick', file, t('admin.choose_file')), name));
}

// 人口导入
function peopleView() {
  const file = h('input', { type: 'file', name: 'file', accept: '.csv,.xlsx,text/csv' });
  const modes = PEOPLE_MODES.map((mode, i) => h('label.radio',
    h('input', { type: 'radio', name: 'mode', value: mode, checked: i === 0 }), h('span', t(`admin.modes.${mode}`))));
  return uploadForm({
    className: 'people-import',
    heading: t('admin.people_heading'),
    hint: t('admin.people_hint'),
    fields: [
      fileField(file),
      h('div.field', h('span', t('admin.mode')), h('div.radios', modes)),
    ],
    file,
    send: (form) => {
      const mode = form.querySelector('input[name=mode]:checked').value;
      return api.upload('/api/import/people', {
        file: file.files[0], valid_only: mode === 'valid_only', dry_run: mode === 'dry_run',
      });
    },
  });
}

// 单位导入: the same modes and report as the people sheet, for two sheets — 单位信息 (POST
// /api/import/organisations) and 从业人员 (POST /api/import/employees, the employees of registered
// organisations); each sheet's template (header row and one example row, docs/import-template.md) is made here
// and saved as a UTF-8 CSV that Excel opens
const ORG_SHEETS = {
  organisations: {
    path: '/api/import/organisations',
    template: [
      ['统一社会信用代码', '单位名称', '单位类型', '九小场所', '重点单位', '标准地址编码', '地址', '单元', '楼层', '房号',
        '法定代表人', '负责人', '联系电话', '开业日期', '经营状态', '消防检查日期', '备注'],
      ['91370000MA3C4XKG19', '惠民便利店', '商店', '是', '否', '', '幸福路8号', '1', '1', '101',
        '王某', '王某', '13905431234', '2021-05-01', '营业', '2026-03-01', ''],
    ],
  },
  employees: {
    path: '/api/import/employees',
    template: [
      ['统一社会信用代码', '单位名称', '标准地址编码', '地址', '姓名', '公民身份号码', '岗位', '入职日期', '联系电话', '离职日期'],
      ['91370000MA3C4XKG19', '惠民便利店', '', '幸福路8号', '李某', '371602199001011234', '店员', '2024-03-01',
        '13905435678', ''],
    ],
  },
};

function downloadTemplate(rows, filename) {
  const text = rows.map((row) => row.join(',')).join('\r\n');
  const url = URL.createObjectURL(new Blob(['\ufeff', text, '\r\n'], { type: 'text/csv;charset=utf-8' }));
  const link = h('a', { href: url, download: filename });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function organisationsView() {
  const file = h('input', { type: 'file', name: 'file', accept: '.csv,.xlsx,text/csv' });
  const modes = PEOPLE_MODES.map((mode, i) => h('label.radio',
    h('input', { type: 'radio', name: 'mode', value: mode, checked: i === 0 }), h('span', t(`admin.modes.${mode}`))));
  const kind = h('select', { name: 'sheet' }, Object.keys(ORG_SHEETS).map((k) =>
    h('option', { value: k }, t(`admin.organisation_sheets.${k}`))));
  const hint = h('p.small.muted.sheet-hint', t('admin.organisations_hint'));
  const template = h('button.btn.btn-small.template-download', { type: 'button',
    onclick: () => downloadTemplate(ORG_SHEETS[kind.value].template, t(`admin.${kind.value}_template_file`)) },
  t('admin.organisations_template'));
  kind.addEventListener('change', () => {
    hint.textContent = t(`admin.${kind.value}_hint`);
    template.textContent = t(`admin.${kind.value}_template`);
  });
  return uploadForm({
    className: 'organisation-import',
    heading: t('admin.organisations_heading'),
    hint: null, // the chosen sheet's, below
    fields: [
      h('label.field', h('span', t('admin.organisation_sheet')), kind),
      hint,
      template,
      fileField(file),
      h('div.field', h('span', t('admin.mode')), h('div.radios', modes)),
    ],
    file,
    send: (form) => {
      const mode = form.querySelector('input[name=mode]:checked').value;
      return api.upload(ORG_SHEETS[kind.value].path, {
        file: file.files[0], valid_only: mode === 'valid_only', dry_run: mode === 'dry_run',
      });
    },
  });
}

// 边界导入
function boundariesView() {
  const file = h('input', { type: 'file', name: 'file', accept: '.geojson,.json,.zip,.kml' });
  const layer = h('select', { name: 'layer' }, LAYERS.map((l) => h('option', { value: l }, t(`admin.layers.${l}`))));
  const crs = h('select', { name: 'crs' }, h('option', { value: '' }, t('admin.crs_auto')),
    CRS.map((c) => h('option', { value: c }, t(`admin.crs_options.${c}`))));
  const repair = h('input', { type: 'checkbox', name: 'repair' });
  const validOnly = h('input', { type: 'checkbox', name: 'valid_only' });
  const dryRun = h('input', { type: 'checkbox', name: 'dry_run' });
  return uploadForm({
    className: 'boundary-import',
    heading: t('admin.boundaries_heading'),
    hint: t('admin.boundaries_hint'),
    fields: [
      fileField(file),
      h('div.field-row',
        h('label.field', h('span', t('admin.layer')), layer),
        h('label.field', h('span', t('admin.crs')), crs)),
      h('label.check', repair, h('span', t('admin.repair'))),
      h('label.check', validOnly, h('span', t('admin.boundaries_valid_only'))),
      h('label.check', dryRun, h('span', t('admin.boundaries_dry_run'))),
    ],
    file,
    unit: 'features',
    send: () => api.upload('/api/import/boundaries', {
      file: file.files[0], layer: layer.value, crs: crs.value, repair: repair.checked,
      valid_only: validOnly.checked, dry_run: dryRun.checked,
    }),
  });
}

function uploadForm({ className, heading, hint, fields, file, send, unit = 'rows' }) {
  const error = h('p.form-error', { role: 'alert' });
  const submit = h('button.btn.btn-primary', { type: 'submit' }, t('admin.upload'));
  const result = h('div.import-result');
  const form = h(`form.form.${className}`, { onsubmit: run, novalidate: true },
    h('h3.admin-heading', heading), hint ? h('p.small.muted', hint) : null, fields, error, submit);

  async function run(event) {
    event.preventDefault();
    clear(error);
    if (!file.files.length) { error.textContent = t('admin.need_file'); return; }
    submit.disabled = true;
    submit.textContent = t('admin.uploading');
    clear(result);
    try {
      clear(result, importReport(await send(form), { unit }));
    } catch (err) {
      clear(error, errorNode(err));
    } finally {
      submit.disabled = false;
      submit.textContent = t('admin.upload');
    }
  }
  return h('div', form, result);
}

// The report: outcome, counts, ignored columns and the problems (row · column · value · reason).
// unit 'rows' (people sheets) or 'features' (boundary files): the same report, counted by feature.
export function importReport(report, { unit = 'rows' } = {}) {
  const outcome = report.written ? ['ok', t('admin.written')]
    : report.dry_run ? ['info', t('admin.dry_run_done')] : ['warn', t('admin.not_written')];
  const u = (key) => t(`admin.units.${unit}.${key}`);
  const repaired = report.counts?.repaired?.geometries || 0;
  const tables = Object.entries(report.counts || {}).filter(([table]) => table !== 'repaired');
  const errors = report.errors || [];
  const skipped = report.mode === 'valid_only' && report.written && report.invalid_rows > 0;
  return h('section.import-report', { dataset: { written: String(Boolean(report.written)), mode: report.mode || '' } },
    h('h3.admin-heading', t('admin.report'), h(`span.badge.badge-${outcome[0]}`, outcome[1])),
    h('p.report-message', importSummary(report)),
    h('div.report-figures',
      figure(u('total'), report.rows), figure(u('valid'), report.valid_rows),
      figure(u('invalid'), report.invalid_rows, report.invalid_rows > 0),
      repaired ? figure(t('admin.repaired'), repaired) : null,
      report.seconds != null ? h('span.muted.small', t('admin.seconds', { n: report.seconds })) : null),
    skipped ? h('p.report-skipped', t(`admin.units.${unit}.skipped`, { n: report.invalid_rows })) : null,
    tables.length ? h('table.data-table.report-counts',
      h('thead', h('tr', h('th', t('admin.counts')),
        ['inserted', 'updated', 'unchanged'].map((k) => h('th.num', label('admin.count_outcome', k))))),
      h('tbody', tables.map(([table, n]) => h('tr', h('td', label('admin.count_table', table)),
        ['inserted', 'updated', 'unchanged'].map((k) => h('td.num', String(n[k] ?? 0))))))) : null,
    (report.ignored_columns || []).length
      ? h('p.small.muted', t('admin.ignored_columns', { cols: report.ignored_columns.join('、') })) : null,
    h('h4', t('admin.errors', { n: report.error_count })),
    problemTally(report.errors_by_reason),
    errors.length ? errorTable(errors, u('number'), unit) : h('p.muted.small', t('admin.no_errors')),
    report.errors_truncated ? h('p.small.muted', t('admin.errors_truncated', { n: errors.length })) : null);
}

// How many problems of each kind (errors_by_reason, by stable name), most frequent first, in Chinese.
function problemTally(byName) {
  const entries = Object.entries(byName || {});
  if (!entries.length) return null;
  return h('p.report-tally.small', h('span.muted', `${t('admin.problem_tally')}：`),
    entries.map(([name, n], i) => h('span.tally-item', { dataset: { problem: name } },
      i ? '；' : '', `${label('admin.problem_names', name)} ${Number(n).toLocaleString('zh-CN')}`)));
}

function errorTable(errors, rowHeading, unit) {
  // a boundary file's columns are its attribute keys: named in Chinese; a sheet's are its own headers
  const column = (name) => (unit === 'features' ? label('admin.boundary_columns', name) : name);
  const heading = (k) => (k === 'row' ? rowHeading : t(`admin.col_${k}`));
  return h('div.table-scroll', scrollable(t('admin.errors', { n: errors.length })), h('table.data-table.report-errors',
    h('thead', h('tr', ['row', 'column', 'value', 'reason'].map((k) => h(`th.col-${k}`, heading(k))))),
    h('tbody', errors.map((e) => h('tr.report-row', { dataset: { row: e.row } },
      h('td.num', String(e.row ?? '')), h('td', column(e.column || '')), h('td.mono', e.value ?? ''),
      h('td', rowProblemText(e)))))));
}

function figure(name, value, bad = false) {
  return h('span.figure', { class: bad ? 'bad' : null }, h('strong', String(value ?? 0)), h('span.muted.small', name));
}

// 审计日志: filters (user, action, object, outcome, time span), pages of AUDIT_PAGE rows, CSV export.
const AUDIT_PAGE = 100;
const OUTCOMES = ['ok', 'denied', 'failed', 'locked', 'rejected', 'dry_run', 'error'];

function auditView() {
  const input = (name, attrs = {}) => h('input', { name, autocomplete: 'off', ...attrs });
  const fields = {
    user: input('user', { placeholder: 'officer1' }),
    action: input('action', { list: 'audit-actions', placeholder: t('admin.audit_any') }),
    object_type: input('object_type', { placeholder: 'person' }),
    object_id: input('object_id'),
    outcome: h('select', { name: 'outcome' }, h('option', { value: '' }, t('admin.audit_any')),
      OUTCOMES.map((o) => h('option', { value: o }, auditOutcome(o)))),
    since: input('since', { type: 'datetime-local' }),
    until: input('until', { type: 'datetime-local' }),
  };
  const actions = h('datalist', { id: 'audit-actions' },
    Object.keys(t('admin.audit_actions')).map((code) => h('option', { value: code }, auditAction(code))));
  const result = h('div.audit-result');
  const status = h('p.small.muted.audit-export-status', { role: 'status' });
  const field = (key, text) => h('label.field', h('span', text), fields[key]);
  const exportButton = h('button.btn.audit-export', { type: 'button', onclick: exportCsv }, t('admin.audit_export'));
  const form = h('form.form.audit-filters', { onsubmit: (e) => { e.preventDefault(); load(0); } },
    h('div.field-row', field('user', t('admin.audit_user')), field('action', t('admin.audit_action')),
      field('outcome', t('admin.audit_outcome'))),
    h('div.field-row', field('object_type', t('admin.audit_object_type')),
      field('object_id', t('admin.audit_object_id'))),
    h('div.field-row', field('since', t('admin.audit_since')), field('until', t('admin.audit_until'))),
    h('div.form-actions', h('button.btn.btn-primary', { type: 'submit' }, t('admin.audit_search')), exportButton),
    actions, status);

  function filters() {
    const time = (node) => chinaIso(node.value); // China time, whatever the device's zone
    return {
      user: fields.user.value.trim(), action: fields.action.value.trim(), object_type: fields.object_type.value.trim(),
      object_id: fields.object_id.value.trim(), outcome: fields.outcome.value,
      since: time(fields.since), until: time(fields.until),
    };
  }

  async function load(offset) {
    clear(result, h('p.muted', t('common.loading')));
    try {
      const body = await api.get('/api/audit', { ...filters(), limit: AUDIT_PAGE, offset });
      clear(result, auditTable(body, load));
    } catch (err) {
      clear(result, err.status === 404 ? h('p.empty.audit-missing', t('admin.audit_missing'))
        : h('p.empty', errorNode(err)));
    }
  }

  async function exportCsv() {
    exportButton.disabled = true;
    clear(status, t('admin.audit_exporting'));
    try {
      const name = await download('/api/audit.csv', filters(), 'audit.csv');
      clear(status, t('admin.audit_exported', { name }));
    } catch (err) {
      clear(status, errorNode(err));
    } finally {
      exportButton.disabled = false;
    }
  }
  load(0);
  return h('div', h('h3.admin-heading', t('admin.audit_heading')), form, result);
}

// An action code in Chinese: the dictionary, then 'METHOD /path' (a refused request) by its verb, then the code.
export function auditAction(code) {
  const known = t('admin.audit_actions')[code];
  if (known) return known;
  const request = /^(GET|POST|PUT|PATCH|DELETE) (\S+)$/.exec(code || '');
  if (request) return t('admin.audit_request', { verb: t(`admin.audit_verbs.${request[1]}`), path: request[2] });
  if ((code || '').startsWith('dispute.status.')) {
    return t('admin.audit_dispute_status', { status: label('dispute.status', code.slice('dispute.status.'.length)) });
  }
  if ((code || '').startsWith('dispute.event.')) {
    return t('admin.audit_dispute_event', { kind: label('dispute.event_kind', code.slice('dispute.event.'.length)) });
  }
  return code || '';
}

function auditOutcome(outcome) {
  return label('admin.audit_outcomes', outcome);
}

function auditTable(body, load) {
  const rows = body.rows || [];
  if (!rows.length) return h('p.empty', t('admin.audit_empty'));
  const cols = ['at', 'user', 'action', 'object', 'outcome', 'reason', 'client'];
  const offset = body.offset || 0;
  const pager = h('div.audit-pager',
    h('button.btn.btn-small.audit-prev', { type: 'button', disabled: offset === 0,
      onclick: () => load(Math.max(0, offset - AUDIT_PAGE)) }, t('admin.audit_prev')),
    h('span.small.muted.audit-range', t('admin.audit_range',
      { from: offset + 1, to: offset + rows.length, total: body.total ?? rows.length })),
    h('button.btn.btn-small.audit-next', { type: 'button', disabled: body.next_offset == null,
      onclick: () => load(body.next_offset) }, t('admin.audit_next')));
  return h('div',
    pager,
    h('div.table-scroll', scrollable(t('admin.tab_audit')), h('table.data-table.audit-table',
      h('thead', h('tr', cols.map((c) => h('th', t(`admin.audit_cols.${c}`))))),
      h('tbody', rows.map((r) => h('tr', { class: r.outcome && r.outcome !== 'ok' ? `outcome-${r.outcome}` : null },
        h('td.nowrap', formatDateTime(r.at)),
        h('td', r.username || r.user_id || ''),
        h('td.audit-action', { title: r.action || '' }, auditAction(r.action)),
        h('td', [r.object_type ? label('admin.audit_objects', r.object_type) : null, r.object_id]
          .filter((v) => v != null && v !== '').join(' #')),
        h('td.audit-outcome', auditOutcome(r.outcome || '')),
        h('td.reason', auditReason(r)),
        h('td.muted.small', r.client_addr || '')))))));
}
