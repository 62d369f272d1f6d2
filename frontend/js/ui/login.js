// The login page: username/password → POST /api/auth/token (form-encoded); resolves when signed in.
// A sign-in with an administrator's one-time password asks for a new password at once
// (POST /api/auth/password with the one-time password as the current one): its token allows nothing else.
import { api, login, storeSession } from '../api.js';
import { t } from '../i18n/index.js';
import { asset, h, clear } from './dom.js';
import { errorNode } from './errors.js';
import { checkRequired } from './form-check.js';

export function showLogin(root, { message } = {}) {
  return new Promise((resolve) => {
    const error = h('p.login-error', { role: 'alert' }, message || '');
    const username = h('input', { name: 'username', autocomplete: 'username', required: true,
      autocapitalize: 'none', spellcheck: 'false' });
    const password = h('input', { name: 'password', type: 'password', autocomplete: 'current-password',
      required: true });
    const button = h('button.btn.btn-primary.btn-block', { type: 'submit' }, t('login.submit'));
    const form = h('form.login-card', { novalidate: true, onsubmit: submit },
      h('div.login-brand', h('img', { src: asset('img/favicon.svg'), alt: '', width: 48, height: 48 }),
        h('div', h('h1', t('app.title')), h('p.muted', t('login.subtitle')))),
      h('label.field', h('span', t('login.username')), username),
      h('label.field', h('span', t('login.password')), password),
      error, button,
      h('p.login-footer', t('login.footer')));
    clear(root, h('div.login-page', form));
    username.focus();

    async function submit(event) {
      event.preventDefault();
      error.textContent = '';
      if (!checkRequired(form)) return;
      button.disabled = true;
      button.textContent = t('login.busy');
      error.textContent = '';
      try {
        const body = await login(username.value.trim(), password.value);
        if (body.must_change_password) await changePassword(root, username.value.trim(), password.value);
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

// The new-password card; resolves once the new password is set (and the new token stored).
function changePassword(root, username, oneTime) {
  return new Promise((resolve) => {
    const error = h('p.login-error', { role: 'alert' });
    const first = h('input', { name: 'new_password', type: 'password', autocomplete: 'new-password', required: true });
    const second = h('input', { name: 'new_password_again', type: 'password', autocomplete: 'new-password',
      required: true });
    const button = h('button.btn.btn-primary.btn-block', { type: 'submit' }, t('login.change_submit'));
    const form = h('form.login-card.password-change', { novalidate: true, onsubmit: submit },
      h('div.login-brand', h('img', { src: asset('img/favicon.svg'), alt: '', width: 48, height: 48 }),
        h('div', h('h1', t('login.change_heading')), h('p.muted', username))),
      h('p.small.muted', t('login.change_hint')),
      h('label.field', h('span', t('login.new_password')), first),
      h('label.field', h('span', t('login.new_password_again')), second),
      h('p.small.muted', t('login.password_rule')),
      error, button);
    clear(root, h('div.login-page', form));
    first.focus();

    async function submit(event) {
      event.preventDefault();
      clear(error);
      if (!first.value) return;
      if (first.value !== second.value) { error.textContent = t('login.mismatch'); return; }
      button.disabled = true;
      button.textContent = t('login.change_busy');
      try {
        const body = await api.post('/api/auth/password', { old_password: oneTime, new_password: first.value });
        storeSession(body);
        resolve();
      } catch (err) {
        clear(error, errorNode(err));
        first.select();
      } finally {
        button.disabled = false;
        button.textContent = t('login.change_submit');
      }
    }
  });
}
