// 近重复预警区: the near-repeat warning zones in force touching the user's beats (GET /api/warnings), drawn as
// dashed circles with the category, the expiry and the households in them; a click opens the 走访提醒 with
// the category's pre-written prevention message. Expired zones are not sent by the server. State for tests:
// window.holomap.warnings.
import L from '../lib/leaflet.js';
import { api } from '../api.js';
import { t } from '../i18n/index.js';
import { h } from '../ui/dom.js';
import { formatDateTime } from '../ui/format.js';

export const WARNING_COLOUR = '#c92a2a';

// One sentence of a zone: 盗窃近重复预警：300 米内、至 12月27日 05:18 …
export function warningTitle(w) {
  return t('warnings.title_one', { category: t(`dashboard.categories.${w.category}`), m: w.radius_m,
    until: formatDateTime(w.expires_at) });
}

export function warningReminder(w) {
  return h('div.warning-reminder', { 'data-testid': 'warning-reminder' },
    h('strong', warningTitle(w)),
    h('div.small', t('warnings.households', { n: w.households, beats: w.beats.join('、') })),
    h('div.small', h('b', t('warnings.action')), t(`warnings.messages.${w.category}`)));
}

export function warningsLayer({ onChoose = null } = {}) {
  const group = L.featureGroup();
  const state = window.holomap.warnings = { loaded: false, count: 0, ids: [], drawn: 0 };
  group.reload = () => api.get('/api/warnings').then((body) => {
    group.clearLayers();
    for (const f of body.features) {
      const w = f.properties;
      L.geoJSON(f, { pane: 'selection', className: 'warning-zone', style: { color: WARNING_COLOUR, weight: 2,
        dashArray: '6 4', fillColor: WARNING_COLOUR, fillOpacity: 0.12 } })
        .bindTooltip(h('span', warningTitle(w)), { sticky: true })
        .on('click', (e) => { L.DomEvent.stop(e); if (onChoose) onChoose(w); })
        .addTo(group);
    }
    Object.assign(state, { loaded: true, count: body.features.length, ids: body.features.map((f) => f.properties.id),
      drawn: group.getLayers().length });
  }).catch(() => { group.clearLayers(); Object.assign(state, { loaded: true, count: 0, ids: [], drawn: 0 }); });
  return group;
}
