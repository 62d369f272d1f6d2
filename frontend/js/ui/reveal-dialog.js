// 查看完整身份证号: a small modal asking why (the reason goes to the audit log), then
// POST /api/persons/{id}/reveal {reason}. The full number is shown in this dialog only, never in the
// household card, and is gone once the dialog closes (the element is removed).
import { api } from '../api.js';
import { t } from '../i18n/index.js';
import { h, clear } from './dom.js';
import { errorNode } from './errors.js';

export function openRevealDialog(person) {
  const reason = h('textarea', { name: 'reason', rows: 2, maxlength: 500, required: true,
    placeholder: t('person.reveal_reason_placeholder') });
  const error = h('p.form-error', { role: 'alert' });
  const submit = h('button.btn.btn-primary', { type: 'submit' }, t('person.reveal_submit'));
  const cancel = h('button.btn', { type: 'button', onclick: () => dialog.close() }, t('common.cancel'));
  const body = h('div.reveal-body',
    h('p.small.muted', t('person.reveal_hint')),
    h('label.field', h('span', t('person.reveal_reason')), reason),
    error,
    h('div.dialog-actions', cancel, submit));
  const form = h('form.reveal-form', { method: 'dialog', novalidate: true, onsubmit: send },
    h('h3.dialog-title', t('person.reveal_title')),
    h('p.reveal-who', h('strong', person.name || ''), ' ', h('span.person-id', person.id_number_masked || '')),
    body);
  const dialog = h('dialog.dialog.reveal-dialog', { 'aria-label': t('person.reveal_title') }, form);
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  reason.focus();

  async function send(event) {
    event.preventDefault();
    const text = reason.value.trim();
    if (text.length < 2) { error.textContent = t('person.reveal_need_reason'); reason.focus(); return; }
    submit.disabled = true;
    clear(error);
    try {
      const revealed = await api.post(`/api/persons/${person.id}/reveal`, { reason: text });
      clear(body,
        h('p.small.muted', t('person.reveal_result')),
        h('p.reveal-number', revealed.id_number),
        h('p.small.muted', t('person.reveal_logged')),
        h('div.dialog-actions', h('button.btn.btn-primary', { type: 'button', onclick: () => dialog.close() },
          t('common.close'))));
    } catch (err) {
      clear(error, errorNode(err));
      submit.disabled = false;
    }
  }
  return dialog;
}
