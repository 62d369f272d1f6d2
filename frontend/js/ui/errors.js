// API errors for people: a Chinese sentence (a known server message, else the HTTP status; labels in
// i18n/zh-CN.js `errors`) with the server's own detail below it in small print, for the administrator.
import { t } from '../i18n/index.js';
import { h } from './dom.js';

let known = null;
function knownMessages() {
  known ??= (t('errors.known') || []).map(([pattern, text]) => [new RegExp(pattern, 'i'), text]);
  return known;
}

// The Chinese sentence for an error (ApiError, or any Error: its message is the detail).
export function errorText(err) {
  const detail = detailOf(err);
  if (detail) {
    for (const [pattern, text] of knownMessages()) if (pattern.test(detail)) return text;
    // Server messages that start with their own Chinese ("文件过大 the file is larger …"): that part.
    const own = /^([\u3400-\u9fff][^A-Za-z]*?)\s+[A-Za-z]/.exec(detail);
    if (own) return own[1];
  }
  const status = err?.status;
  if (status == null) return t('errors.status.other');
  const byStatus = t(`errors.status.${status}`);
  if (byStatus !== `errors.status.${status}`) return byStatus;
  return status >= 500 ? t('errors.status.500') : t('errors.status.other');
}

// <span class="api-error">中文<small>server detail</small></span>; `text` overrides the sentence and
// `wrap` ('section.key' with {detail}) puts it into a label.
export function errorNode(err, { text, wrap } = {}) {
  let sentence = text || errorText(err);
  if (wrap) sentence = t(wrap, { detail: sentence });
  const detail = detailOf(err);
  return h('span.api-error', h('span.api-error-text', sentence),
    detail && detail !== sentence ? h('small.api-error-detail', t('errors.detail', { detail })) : null);
}

function detailOf(err) {
  if (!err) return '';
  if (err.status === 0) return ''; // the network sentence says it all
  const detail = err.detail ?? err.message;
  return typeof detail === 'string' ? detail : '';
}
