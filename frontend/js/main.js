// Boot: config → login (if no valid token) → /api/me → shell, shared map and the screen router (#/<id>).
import L from './lib/leaflet.js';
import { api, keepSessionAlive, logout, onSessionExpired, token } from './api.js';
import { setCapabilities } from './auth/capabilities.js';
import { t } from './i18n/index.js';
import { createMap } from './map.js';
import { visibleScreens } from './screens/index.js';
import { watchDateInputs } from './ui/date-input.js';
import { h, clear } from './ui/dom.js';
import { errorText } from './ui/errors.js';
import { showLogin } from './ui/login.js';
import { signInAgain } from './ui/signin-dialog.js';
import { createShell } from './ui/shell.js';

const root = document.getElementById('app');
watchDateInputs(document.body);  // dates in Chinese beside every native date input
// For tests and debugging from the console: window.holomap.map, .user, .screen.
window.holomap = {};

async function boot() {
  let message = sessionStorage.getItem('holomap.notice');
  sessionStorage.removeItem('holomap.notice');
  const config = await fetch('/config.json').then((r) => r.json()).catch(() => ({}));
  let user = null;
  if (token.get()) user = await api.get('/api/me').catch(() => null);
  while (!user) {
    await showLogin(root, { message });
    user = await api.get('/api/me').catch((err) => { message = errorText(err); return null; });
  }
  start(user, config);
}

function start(user, config) {
  setCapabilities(user);
  const screens = visibleScreens();
  const signOut = () => logout().then(() => { location.hash = ''; location.reload(); });
  // from now on an ended session is renewed, or signed in again in place, without leaving the screen
  onSessionExpired((err) => signInAgain(err, { username: user.username, onSignOut: signOut }));
  keepSessionAlive();
  const shell = createShell(root, { user, screens, onLogout: signOut });
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

window.addEventListener('holomap:unauthorized', (event) => {
  // Token expired or revoked and not renewed: back to the login page, then resume on the same screen (#/<id>).
  const code = event.detail?.code;
  sessionStorage.setItem('holomap.notice', code ? errorText({ code, params: {} }) : t('login.expired'));
  location.reload();
});

boot();
