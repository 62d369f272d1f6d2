// The app frame: top bar (brand, the screen tabs the user may see, the screen's toolbar, user and logout),
// the side panel and the map area.
import { t, label } from '../i18n/index.js';
import { asset, h, clear, icon } from './dom.js';
import { createPanel } from './panel.js';

export function createShell(root, { user, screens, onLogout, status = null }) {
  const tabs = screens.map((screen) => h('a.nav-tab', { href: `#/${screen.id}`, dataset: { screen: screen.id } },
    t(screen.label)));
  const toolbar = h('div.topbar-tools');
  const panelToggle = h('button.icon-btn.panel-toggle', { type: 'button', title: t('shell.toggle_panel'),
    'aria-label': t('shell.toggle_panel') }, icon('menu'));
  const who = user.display_name || user.username;
  const topbar = h('header.topbar',
    panelToggle,
    h('div.brand', h('img', { src: asset('img/favicon.svg'), alt: '', width: 28, height: 28 }),
      h('span.brand-name', t('app.title')), h('span.brand-short', t('app.short'))),
    h('nav.nav', { 'aria-label': 'screens' }, tabs),
    toolbar,
    status,
    h('div.user', h('span.user-chip', { title: user.username }, icon('user', 16),
      h('span.user-name', who), h('span.user-role', label('role', user.role))),
    h('button.icon-btn', { type: 'button', title: t('shell.logout'), 'aria-label': t('shell.logout'),
      onclick: onLogout, class: 'logout' }, icon('logout'))));
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
      tabs.forEach((tab) => tab.classList.toggle('active', tab.dataset.screen === id));
      root.dataset.screen = id;
    },
  };
}
