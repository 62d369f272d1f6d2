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

function adminNote(err) {
  if (!err || err.status === 0) return null;
  const detail = err.detail ?? err.message;
  if (typeof detail !== 'string' || !detail) return null;
  return err.code ? `${detail} [${err.code}]` : detail;
}
