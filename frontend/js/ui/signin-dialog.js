// 重新登录 in place (issue 16): when the session can no longer be renewed, this dialog opens over the
// current screen; after signing in (the same user) the call that met the 401 is sent again and the form
// or sync goes on — nothing typed is lost. Resolves true once signed in; 退出登录 signs out instead.
import { login } from '../api.js';
import { t } from '../i18n/index.js';
import { h, clear } from './dom.js';
import { errorText } from './errors.js';

export function signInAgain(err, { username, onSignOut }) {
  return new Promise((resolve) => {
    const password = h('input', { name: 'password', type: 'password', autocomplete: 'current-password',
      required: true });
    const error = h('p.form-error', { role: 'alert' });
    const submit = h('button.btn.btn-primary', { type: 'submit' }, t('login.submit'));
    const leave = h('button.btn', { type: 'button', onclick: () => { dialog.close(); onSignOut?.(); resolve(false); } },
      t('session.sign_out'));
    const form = h('form.signin-again-form', { method: 'dialog', novalidate: true, onsubmit: send },
      h('h3.dialog-title', t('session.title')),
      h('p.small.muted', err?.code ? errorText(err) : t('login.expired')),
      h('p.small', t('session.hint')),
      h('label.field', h('span', t('login.username')),
        h('input', { name: 'username', value: username, readonly: true, autocomplete: 'username' })),
      h('label.field', h('span', t('login.password')), password),
      error,
      h('div.dialog-actions', leave, submit));
    const dialog = h('dialog.dialog.signin-again', { 'aria-label': t('session.title') }, form);
    dialog.addEventListener('cancel', (event) => event.preventDefault()); // Esc does not drop the work
    dialog.addEventListener('close', () => dialog.remove());
    document.body.append(dialog);
    dialog.showModal();
    password.focus();

    async function send(event) {
      event.preventDefault();
      if (!password.value) { password.focus(); return; }
      submit.disabled = true;
      clear(error);
      try {
        await login(username, password.value);
        dialog.close();
        resolve(true);
      } catch (e) {
        error.textContent = e.status === 401 ? t('login.wrong', { attempts: e.params?.attempts ?? 5,
          minutes: e.params?.minutes ?? 10 }) : errorText(e);
        password.select();
      } finally {
        submit.disabled = false;
      }
    }
  });
}
