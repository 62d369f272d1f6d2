// API errors for people: the Chinese sentence of the error's code (./error-text.js). The server's English
// detail is not shown; it sits in the title attribute (a tooltip) for the administrator.
import { t } from '../i18n/index.js';
import { h } from './dom.js';
import { errorText } from './error-text.js';

export { errorText };

// <span class="api-error">中文</span>; `text` overrides the sentence, `wrap` ('section.key' with
// {detail}) puts it into a label, `fieldLabels` names a form's fields ({reason: '理由'}).
export function errorNode(err, { text, wrap, fieldLabels } = {}) {
  let sentence = text || errorText(err, { fieldLabels });
  if (wrap) sentence = t(wrap, { detail: sentence });
  return h('span.api-error', { title: adminNote(err) }, h('span.api-error-text', sentence));
}

// A form's field labels by input name ({title: '纠纷标题'}), read from its <label class="field"><span>.
export function fieldLabelsOf(form) {
  const labels = {};
  for (const field of form?.querySelectorAll?.('label.field') || []) {
    const input = field.querySelector('input[name], select[name], textarea[name]');
    const text = field.querySelector('span')?.textContent?.trim();
    if (input && text) labels[input.name] = text;
  }
  return labels;
}

function adminNote(err) {
  if (!err || err.status === 0) return null;
  const detail = err.detail ?? err.message;
  if (typeof detail !== 'string' || !detail) return null;
  return err.code ? `${detail} [${err.code}]` : detail;
}
