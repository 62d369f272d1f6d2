// Boot: config → login (if no valid token) → /api/me → shell, shared map and the screen router (#/<id>).
import L from './lib/leaflet.js';
import { api, keepSessionAlive, logout, onSessionExpired, setOfflineAnswer, token } from './api.js';
import { setCapabilities } from './auth/capabilities.js';
import { t } from './i18n/index.js';
import { createMap } from './map.js';
import { setOutboxUser, startSync } from './offline/outbox.js';
import { answerOffline, loadPack, wipePack } from './offline/pack.js';
import { visibleScreens } from './screens/index.js';
import { watchDateInputs } from './ui/date-input.js';
import { h, clear } from './ui/dom.js';
import { errorText } from './ui/errors.js';
import { showLogin } from './ui/login.js';
import { offlineStatus, offlineView } from './ui/offline-panel.js';
import { signInAgain } from './ui/signin-dialog.js';
import { createShell } from './ui/shell.js';

const root = document.getElementById('app');
watchDateInputs(document.body);  // dates in Chinese beside every native date input
// For tests and debugging from the console: window.holomap.map, .user, .screen.
window.holomap = {};

// The service worker keeps the app shell so that the app starts with the network off (sw.js).
function registerWorker() {
  if (!('serviceWorker' in navigator)) return;
  navigator.serviceWorker.register('/sw.js').catch((err) => console.warn('service worker', err));
}

async function boot() {
  registerWorker();
  let message = sessionStorage.getItem('holomap.notice');
  sessionStorage.removeItem('holomap.notice');
  const config = await fetch('/config.json').then((r) => r.json()).catch(() => ({}));
  // The offline beat pack answers GET requests while the network is off (expired packs are wiped here).
  const pack = await loadPack();
  setOfflineAnswer(answerOffline);
  let user = null;
  if (token.get()) {
    user = await api.get('/api/me').catch(async (err) => {
      // signed out elsewhere, password changed or account disabled: the device keeps nothing of it
      if (err.code === 'auth.session_ended') await wipePack();
      return null;
    });
  } else if (navigator.onLine === false && pack?.me) {
    user = pack.me; // no network, no session: the signed-in user of the pack works offline until it expires
  }
  while (!user) {
    await showLogin(root, { message });
    user = await api.get('/api/me').catch((err) => { message = errorText(err); return null; });
  }
  if (pack && String(pack.user.id) !== String(user.id)) await wipePack(); // another account's pack
  start(user, config);
}

function start(user, config) {
  setCapabilities(user);
  const screens = visibleScreens();
  const signOut = async () => {
    await wipePack(); // sign-out leaves no personal data on the device (the outbox keeps unsent work)
    await logout();
    location.hash = '';
    location.reload();
  };
  // from now on an ended session is renewed, or signed in again in place, without leaving the screen
  onSessionExpired((err) => signInAgain(err, { username: user.username, onSignOut: signOut }));
  keepSessionAlive();
  setOutboxUser(user.id);
  let shell = null;
  const status = offlineStatus({ onOpen: () => shell.panel.setTitle(t('offline.title'))
    .setContent(offlineView({ user })).open() });
  shell = createShell(root, { user, screens, status, onLogout: signOut });
  startSync();
  const map = createMap(shell.mapElement, config);
  shell.workspace.addEventListener('holomap:layout', () => setTimeout(() => map.invalidateSize(), 260));
  Object.assign(window.holomap, { map, user, config, panel: shell.panel });
  let current = null;

  async function route() {
    const wanted = location.hash.replace(/^#\/?/, '').split('/')[0];
    const screen = screens.find((s) => s.id === wanted) || screens[0];
    if (!screen) {
      shell.panel.setTitle(t('shell.screen_missing')).open();
      return;
    }
    if (current?.id === screen.id) return;
    if (current) current.teardown();
    shell.setActive(screen.id);
    current = await mountScreen(screen, { map, user, config, panel: shell.panel, toolbar: shell.toolbar });
    window.holomap.screen = screen.id;
    document.body.dataset.ready = screen.id;
  }
  window.addEventListener('hashchange', route);
  route();
}

async function mountScreen(screen, base) {
  const layers = L.layerGroup().addTo(base.map);
  base.panel.reset();
  clear(base.toolbar);
  const ctx = { ...base, layers };
  let cleanup = null;
  try {
    const module = await screen.load();
    cleanup = await module.mount(ctx);
  } catch (err) {
    console.error(err);
    base.panel.setTitle(t(screen.label)).setContent(h('p.empty', t('shell.screen_missing'))).open();
  }
  return {
    id: screen.id,
    teardown() {
      if (typeof cleanup === 'function') cleanup();
      layers.remove();
      base.panel.reset();
      clear(base.toolbar);
    },
  };
}

window.addEventListener('holomap:unauthorized', async (event) => {
  // Token expired or revoked and not renewed: back to the login page, then resume on the same screen (#/<id>).
  // A session ended by the server (account disabled, password changed, signed out elsewhere) also wipes
  // the offline pack, before the page goes.
  const code = event.detail?.code;
  if (code === 'auth.session_ended') await wipePack();
  sessionStorage.setItem('holomap.notice', code ? errorText({ code, params: {} }) : t('login.expired'));
  location.reload();
});

window.addEventListener('online', () => {
  // started offline without a session: sign in now, so the outbox can be sent
  if (!token.get() && window.holomap.user) {
    sessionStorage.setItem('holomap.notice', t('login.expired'));
    location.reload();
  }
});

boot();
