// A rule-check finding of a plan in Chinese (plan.problem_text of i18n/zh-CN/plan.js). Pure (no DOM, no Leaflet):
// unit-tested by frontend/tests/audit-reason.test.mjs.
import { fill, label, t } from '../i18n/index.js';

// A finding's sentence in Chinese from its kind and params (the server's `message` only when the kind is new).
export function problemText(p) {
  const params = { ...(p.params || {}) };
  const key = p.kind === 'sizing' ? `sizing_${params.rule}` : p.kind;
  const template = t(`plan.problem_text.${key}`);
  if (template === `plan.problem_text.${key}`) return p.message || '';
  if (Array.isArray(params.beats)) params.beats = params.beats.join('、');
  if (p.kind === 'invalid') {
    params.beat = params.beat || t('plan.jurisdiction');
    const reason = String(params.reason || '').replace(/\[.*$/, '').trim();
    params.reason = label('plan.invalid_reasons', reason);
  }
  if (p.kind === 'imbalance') params.kind = params.beat_kind === 'all' ? '' : t(`plan.kind_${params.beat_kind}`);
  for (const k of ['area_m2', 'residents', 'households']) {
    if (typeof params[k] === 'number') params[k] = params[k].toLocaleString('zh-CN');
  }
  return fill(template, params);
}
