// The login page: username/password → POST /api/auth/token (form-encoded); resolves when signed in.
import { login } from '../api.js';
import { t } from '../i18n/index.js';
import { h, clear } from './dom.js';
import { errorNode } from './errors.js';

export function showLogin(root, { message } = {}) {
  return new Promise((resolve) => {
    const error = h('p.login-error', { role: 'alert' }, message || '');
    const username = h('input', { name: 'username', autocomplete: 'username', required: true,
      autocapitalize: 'none', spellcheck: 'false' });
    const password = h('input', { name: 'password', type: 'password', autocomplete: 'current-password',
      required: true });
    const button = h('button.btn.btn-primary.btn-block', { type: 'submit' }, t('login.submit'));
    const form = h('form.login-card', { novalidate: true, onsubmit: submit },
      h('div.login-brand', h('img', { src: '/img/favicon.svg', alt: '', width: 48, height: 48 }),
        h('div', h('h1', t('app.title')), h('p.muted', t('login.subtitle')))),
      h('label.field', h('span', t('login.username')), username),
      h('label.field', h('span', t('login.password')), password),
      error, button,
      h('p.login-footer', t('login.footer')));
    clear(root, h('div.login-page', form));
    username.focus();

    async function submit(event) {
      event.preventDefault();
      if (!username.value || !password.value) return;
      button.disabled = true;
      button.textContent = t('login.busy');
      error.textContent = '';
      try {
        await login(username.value.trim(), password.value);
        resolve();
      } catch (err) {
        clear(error, loginError(err));
        password.select();
      } finally {
        button.disabled = false;
        button.textContent = t('login.submit');
      }
    }
  });
}

function loginError(err) {
  // one answer for unknown user, wrong password and locked account (the server does not tell them apart);
  // the lock rule's numbers come with the answer's params
  if (err.status === 401) {
    const params = err.params || {};
    return t('login.wrong', { attempts: params.attempts ?? 5, minutes: params.minutes ?? 10 });
  }
  return errorNode(err, { wrap: 'login.failed' });
}
