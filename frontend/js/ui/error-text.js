// The Chinese text of an API error, chosen by the server's stable `code` (i18n/zh-CN/base.js `errors.codes`,
// docs/ERRORS.md) with {name} filled from its `params`; request validation lists each field by
// pydantic's error type (`errors.fields`). An unknown code falls back to a sentence per HTTP status.
// Pure (no DOM): unit-tested by frontend/tests/error-text.test.mjs.
import { fill, labels } from '../i18n/index.js';

const catalog = labels.errors; // in the base part: loaded with the page

// A label by dotted path ('dispute.status'), or undefined (also when its screen's part is not loaded:
// then the raw value is shown).
function section(path) {
  return path.split('.').reduce((node, part) => (node == null ? undefined : node[part]), labels);
}

// params as text: labelled values (param_labels) and lists joined with 、.
function shown(code, params) {
  const sections = catalog.param_labels[code] || {};
  const out = {};
  for (const [name, value] of Object.entries(params || {})) {
    const names = sections[name] ? section(sections[name]) || {} : {};
    const one = (v) => (v != null && typeof names[v] === 'string' ? names[v] : String(v));
    out[name] = Array.isArray(value) ? value.map(one).join('、') : one(value);
  }
  return out;
}

// The last named segment of a dotted field ('query.reason' → 'reason', 'tags.0' → 'tags').
function fieldName(field) {
  const parts = String(field || '').split('.').filter((p) => p && !/^\d+$/.test(p));
  return parts.length ? parts[parts.length - 1] : '';
}

// One line per invalid field: '理由：至少 2 个字'.
export function fieldText(problem, fieldLabels = {}) {
  const template = catalog.fields[problem?.code] ?? catalog.fields.other;
  const text = fill(template, problem?.params || {});
  const name = fieldName(problem?.field);
  if (!name || ['query', 'path', 'body', 'header', 'form'].includes(name)) return text;
  const label = fieldLabels[name] || catalog.field_names[name] || name;
  return fill(catalog.field_line, { field: label, text });
}

// The status sentence: errors.status.<status>, 5xx → 500's, else 'other'.
export function statusText(status) {
  if (status == null) return catalog.status.other;
  if (typeof catalog.status[status] === 'string') return catalog.status[status];
  return status >= 500 ? catalog.status[500] : catalog.status.other;
}

// The Chinese sentence for an error: an ApiError ({status, code, params, errors}) or any Error.
export function errorText(err, { fieldLabels } = {}) {
  if (err?.status === 0) return catalog.status[0];
  const code = err?.code;
  if (code === 'request.validation' && Array.isArray(err.errors) && err.errors.length) {
    return err.errors.map((problem) => fieldText(problem, fieldLabels)).join('；');
  }
  if (code && typeof catalog.codes[code] === 'string') return fill(catalog.codes[code], shown(code, err.params));
  return statusText(err?.status);
}
