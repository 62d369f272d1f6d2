// The Chinese sentence for an accounts / membership / password error by its stable code
// (i18n accounts.codes), else the shared error display.
import { t } from '../i18n/index.js';
import { h } from './dom.js';
import { errorNode } from './errors.js';

export function codeNode(err) {
  const key = err?.code ? `accounts.codes.${err.code}` : null;
  const text = key ? t(key, err.params || {}) : null;
  if (key && typeof text === 'string' && text !== key) return h('span.api-error', h('span.api-error-text', text));
  return errorNode(err);
}
