// The app frame: top bar (brand, the screen tabs the user may see, the screen's toolbar, user and logout),
// the side panel and the map area. On a phone the tabs do not fit (a chief has five screens): there they are
// a menu naming the current screen (css/app.css shows one or the other by width). Between a phone and a wide
// desktop (a tablet, a narrow window) whether the tabs fit depends on the role's screens and the screen's
// toolbar: the bar measures itself and, when its tools would be squeezed, turns tight (`topbar-tight`: the
// menu instead of the tabs, the short brand, icon-only tool buttons) on one row.
import { t, label } from '../i18n/index.js';
import { asset, h, clear, icon } from './dom.js';
import { createPanel } from './panel.js';

export function createShell(root, { user, screens, onLogout, status = null }) {
  const tab = (kind) => (screen) => h(kind, { href: `#/${screen.id}`, dataset: { screen: screen.id } }, t(screen.label));
  const tabs = screens.map(tab('a.nav-tab'));
  const current = h('span.nav-menu-current');
  const menu = h('details.nav-menu',
    h('summary', { 'aria-label': t('shell.screens'), title: t('shell.screens') }, current, icon('chevron', 14)),
    h('div.nav-menu-list', screens.map(tab('a.nav-menu-item'))));
  const menuTabs = [...menu.querySelectorAll('.nav-menu-item')];
  menu.addEventListener('click', (e) => { if (e.target.closest('a.nav-menu-item')) menu.open = false; });
  document.addEventListener('click', (e) => { if (menu.open && !menu.contains(e.target)) menu.open = false; });
  const toolbar = h('div.topbar-tools');
  const panelToggle = h('button.icon-btn.panel-toggle', { type: 'button', title: t('shell.toggle_panel'),
    'aria-label': t('shell.toggle_panel') }, icon('menu'));
  const who = user.display_name || user.username;
  const topbar = h('header.topbar',
    panelToggle,
    h('div.brand', h('img', { src: asset('img/favicon.svg'), alt: '', width: 28, height: 28 }),
      h('span.brand-name', t('app.title')), h('span.brand-short', t('app.short'))),
    h('nav.nav', { 'aria-label': t('shell.screens') }, tabs),
    screens.length > 1 ? menu : null,
    toolbar,
    status,
    h('div.user', h('span.user-chip', { title: user.username }, icon('user', 16),
      h('span.user-name', who), h('span.user-role', label('role', user.role))),
    h('button.icon-btn', { type: 'button', title: t('shell.logout'), 'aria-label': t('shell.logout'),
      onclick: onLogout, class: 'logout' }, icon('logout'))));
  fitTopbar(topbar, toolbar);
  const mapElement = h('div.map', { id: 'map', role: 'application' });
  const workspace = h('main.workspace', mapElement);
  clear(root, h('div.shell', topbar, workspace));
  const panel = createPanel(workspace);
  panelToggle.addEventListener('click', () => panel.toggle());

  return {
    mapElement,
    workspace,
    toolbar,
    panel,
    setActive(id) {
      [...tabs, ...menuTabs].forEach((node) => node.classList.toggle('active', node.dataset.screen === id));
      current.textContent = t(screens.find((screen) => screen.id === id)?.label || '');
      root.dataset.screen = id;
    },
  };
}

// the narrowest the search may get before the bar turns tight (a name or a plate and its results stay readable)
const SEARCH_MIN_PX = 180;

// Tight when, laid out wide, the bar overflows, its tools overflow their room or the search gets narrower than
// SEARCH_MIN_PX; measured again when the bar changes size or a screen puts other tools in it.
function fitTopbar(topbar, toolbar) {
  const fit = () => {
    topbar.classList.remove('topbar-tight');
    if (!topbar.isConnected || topbar.clientWidth === 0) return;
    const search = toolbar.querySelector('.search');
    const tight = topbar.scrollWidth > topbar.clientWidth + 1 || toolbar.scrollWidth > toolbar.clientWidth + 1
      || (search !== null && search.getBoundingClientRect().width < SEARCH_MIN_PX);
    topbar.classList.toggle('topbar-tight', tight);
  };
  if (typeof ResizeObserver === 'function') new ResizeObserver(fit).observe(topbar);
  if (typeof MutationObserver === 'function') new MutationObserver(fit).observe(toolbar, { childList: true });
  requestAnimationFrame(fit);
}
