// The screens of the app and who sees them. To add a screen: write js/screens/<id>.js exporting
//   mount(ctx) → optional cleanup function, where ctx = {
//     map,      the shared Leaflet map (js/map.js)
//     layers,   an L.layerGroup on that map, emptied automatically when the screen unmounts
//     panel,    the side panel (js/ui/panel.js): setTitle, setContent, open, close, onClose
//     toolbar,  an element in the top bar for the screen's own controls (e.g. the search box)
//     user,     GET /api/me ({username, display_name, role, station_id, beats})
//     config,   /config.json
//   }
// then add one entry below (its nav label lives in i18n/zh-CN.js under nav.<id>). The first screen
// the user's role may see is the landing screen; the URL is #/<id>.
export const SCREENS = [
  {
    id: 'map',
    label: 'nav.map',
    roles: ['officer', 'auxiliary', 'grid_member', 'station_chief', 'admin'],
    load: () => import('./map.js'),
  },
  {
    id: 'plan',
    label: 'nav.plan',
    roles: ['planner', 'station_chief'],
    load: () => import('./plan.js'),
  },
  {
    id: 'dashboard',
    label: 'nav.dashboard',
    roles: ['leader', 'station_chief', 'planner', 'admin'],
    load: () => import('./dashboard.js'),
  },
  {
    id: 'members',
    label: 'nav.members',
    roles: ['station_chief', 'admin'],
    load: () => import('./members.js'),
  },
  {
    id: 'admin',
    label: 'nav.admin',
    roles: ['admin'],
    load: () => import('./admin.js'),
  },
];

export function screensFor(role) {
  return SCREENS.filter((screen) => screen.roles.includes(role));
}
