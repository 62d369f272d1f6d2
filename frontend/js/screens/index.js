// The screens of the app and who sees them. To add a screen: write js/screens/<id>.js exporting
//   mount(ctx) → optional cleanup function, where ctx = {
//     map,      the shared Leaflet map (js/map.js)
//     layers,   an L.layerGroup on that map, emptied automatically when the screen unmounts
//     panel,    the side panel (js/ui/panel.js): setTitle, setContent, open, close, onClose
//     toolbar,  an element in the top bar for the screen's own controls (e.g. the search box)
//     user,     GET /api/me ({username, display_name, role, station_id, beats, capabilities});
//               ask can('…') of js/auth/capabilities.js, never the role
//     config,   /config.json
//   }
// then add one entry below (its nav label lives in i18n/zh-CN/base.js under nav.<id>) with the capabilities
// that show it (any of them; api/auth/capabilities.py) and the label parts it loads before it mounts
// (`labels`, i18n/index.js PARTS; frontend/tests/label-parts.test.mjs checks they hold every label its
// modules name). The first screen the user may see is the landing screen; the URL is #/<id>.
import { can } from '../auth/capabilities.js';
import { loadPlugin } from '../lib/plugins.js';

export const SCREENS = [
  {
    id: 'map',
    label: 'nav.map',
    caps: ['map.view'],
    labels: ['map'],
    load: () => loadPlugin('vectorgrid').then(() => import('./map.js')), // Leaflet.VectorGrid: its tiles
  },
  {
    id: 'plan',
    label: 'nav.plan',
    caps: ['plan.edit'],
    labels: ['plan'],
    load: () => loadPlugin('geoman').then(() => import('./plan.js')), // Leaflet-Geoman: this screen only
  },
  {
    id: 'dashboard',
    label: 'nav.dashboard',
    caps: ['dashboard.view'],
    labels: ['dashboard'],
    load: () => import('./dashboard.js'),
  },
  {
    id: 'report',
    label: 'nav.report',
    caps: ['report.weekly'],
    labels: ['dashboard', 'report'],
    load: () => import('./report.js'),
  },
  {
    id: 'members',
    label: 'nav.members',
    caps: ['beat.members.assign'],
    labels: ['members'],
    load: () => import('./members.js'),
  },
  {
    id: 'quality',
    label: 'nav.quality',
    caps: ['quality.read'],
    labels: ['map', 'quality'],
    load: () => import('./quality.js'),
  },
  {
    id: 'admin',
    label: 'nav.admin',
    caps: ['import.run', 'audit.read'],
    labels: ['map', 'plan', 'quality', 'admin'],
    load: () => import('./admin.js'),
  },
];

export function visibleScreens() {
  return SCREENS.filter((screen) => screen.caps.some((cap) => can(cap)));
}
