// Boot: config → login (if no valid token) → /api/me → shell, shared map and the screen router (#/<id>).
import L from './lib/leaflet.js';
import { api, keepSessionAlive, logout, onSessionExpired, setOfflineAnswer, token } from './api.js';
import { setCapabilities } from './auth/capabilities.js';
import { loadLabels, t } from './i18n/index.js';
import { createMap } from './map.js';
import { clearOutbox, items, setOutboxUser, startSync, sync } from './offline/outbox.js';
import { answerOffline, loadPack, wipePack } from './offline/pack.js';
import { visibleScreens } from './screens/index.js';
import { watchDateInputs } from './ui/date-input.js';
import { h, clear, toast } from './ui/dom.js';
import { errorText } from './ui/errors.js';
import { showLogin } from './ui/login.js';
import { offlineStatus } from './ui/offline-status.js';
import { createShell } from './ui/shell.js';

const root = document.getElementById('app');
watchDateInputs(document.body);  // dates in Chinese beside every native date input
// For tests and debugging from the console: window.holomap.map, .user, .screen; .module('offline/db.js')
// imports a module of the page's own release (its versioned address, the instance the page uses).
window.holomap = { module: (path) => import(new URL(path, import.meta.url).href) };

// The service worker keeps the app shell so that the app starts with the network off (sw.js). A new
// release's worker installs in the background and waits: "有新版本可用 · 立即更新" lets the user choose
// the moment (a form being typed is kept as a draft), then the page reloads on the new shell.
function registerWorker() {
  if (!('serviceWorker' in navigator)) return;
  navigator.serviceWorker.register('/sw.js').then((registration) => {
    const offer = () => registration.waiting && navigator.serviceWorker.controller && offerUpdate(registration.waiting);
    offer();
    registration.addEventListener('updatefound', () => {
      const installing = registration.installing;
      installing?.addEventListener('statechange', () => { if (installing.state === 'installed') offer(); });
    });
    window.holomap.checkForUpdate = () => registration.update().then(offer);
  }).catch((err) => console.warn('service worker', err));
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    if (updating) location.reload(); // (the first install's claim is no update: nothing to reload)
  });
}

let updating = false;
let workerRegistered = false;
function offerUpdate(worker) {
  if (document.querySelector('.update-banner')) return;
  const banner = h('div.update-banner', { role: 'status' }, h('span', t('offline.update_ready')),
    h('button.btn.btn-small', { type: 'button', dataset: { action: 'update' }, onclick: () => {
      updating = true;
      worker.postMessage({ type: 'skip-waiting' });
    } }, t('offline.update_now')));
  document.body.append(banner);
}

async function boot() {
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
  // Sign-out leaves no personal data on the device: the pack is wiped, and unsent outbox items are sent
  // first or given up on purpose (docs/DECISIONS.md) — never left behind silently.
  const signOut = async () => {
    const unsent = (await items()).length;
    if (unsent) {
      const { unsentDialog } = await import('./ui/signout-dialog.js');
      const choice = await unsentDialog(unsent);
      if (choice === 'cancel') return;
      if (choice === 'sync') {
        await sync();
        const left = (await items()).length;
        if (left) { // refused or not answered: the user sees them in 待同步
          toast(t('offline.signout_still', { n: left }), 'error');
          await showOffline();
          return;
        }
      } else {
        await clearOutbox();
      }
    }
    await wipePack();
    await logout();
    location.hash = '';
    location.reload();
  };
  // from now on an ended session is renewed, or signed in again in place, without leaving the screen
  // (the dialogs' modules are imported when one opens: issue 22, the first load's bytes)
  onSessionExpired((err) => import('./ui/signin-dialog.js')
    .then(({ signInAgain }) => signInAgain(err, { username: user.username, onSignOut: signOut }), () => false));
  keepSessionAlive();
  setOutboxUser(user.id);
  let shell = null;
  // 离线工作's panel, its module imported when first opened
  const showOffline = () => import('./ui/offline-panel.js').then(({ offlineView }) => shell.panel
    .setTitle(t('offline.title')).setContent(offlineView({ user, config })).open())
    .catch((err) => toast(errorText(err), 'error'));
  const status = offlineStatus({ onOpen: showOffline });
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
    // the offline shell is installed once the first screen is up, not in competition with it (issue 22)
    if (!workerRegistered) {
      workerRegistered = true;
      registerWorker();
    }
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
    const [module] = await Promise.all([screen.load(), loadLabels(...screen.labels)]); // its labels alongside
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
