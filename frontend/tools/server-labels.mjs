// The part of i18n/zh-CN.js the server words itself (the audit CSV's 说明, actions, objects and outcomes, an
// import report's problem names), as JSON: `node frontend/tools/server-labels.mjs > api/labels_zh.json`.
// tests/audit/test_csv_chinese.py checks that api/labels_zh.json is what this prints. The dictionary is
// js/i18n/zh-CN.js: every part of js/i18n/zh-CN/ merged.
import labels from '../js/i18n/zh-CN.js';

export const SECTIONS = [
  'admin.audit_actions', 'admin.audit_outcomes', 'admin.audit_objects', 'admin.audit_reasons',
  'admin.audit_request', 'admin.audit_verbs', 'admin.audit_dispute_event', 'admin.audit_dispute_status',
  'admin.count_table', 'admin.count_outcome', 'admin.row_problems', 'admin.problem_names',
  'role', 'tags', 'map.duty', 'dispute.status', 'dispute.event_kind', 'plan.invalid_reasons', 'errors',
  'quality.checks', 'quality.thresholds', 'quality.none_disabled',
];

const get = (path) => path.split('.').reduce((node, part) => (node == null ? undefined : node[part]), labels);

export function serverLabels() {
  const out = {};
  for (const path of SECTIONS) {
    const parts = path.split('.');
    let node = out;
    for (const part of parts.slice(0, -1)) node = node[part] ??= {};
    node[parts.at(-1)] = get(path);
  }
  // the error codes in code order: the same file whichever part of the dictionary holds a code
  out.errors = { ...out.errors, codes: Object.fromEntries(Object.entries(out.errors.codes).sort(([a], [b]) => (a < b ? -1 : 1))) };
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(`${JSON.stringify(serverLabels(), null, 1)}\n`);
}
