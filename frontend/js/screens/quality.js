// 数据质量: GET /api/quality (each check with records failing, the score against the 95% goal, per-beat
// scores, the weekly trend); users with `quality.items` open a check → GET /api/quality/{check} → its items,
// and a click flies the map there and marks the place ("在地图中处理" opens it on the map screen to fix).
// Leaders and planners see the scores only (aggregates).
import { api } from '../api.js';
import { can } from '../auth/capabilities.js';
import { label, t } from '../i18n/index.js';
import { h, clear } from '../ui/dom.js';
import { errorNode } from '../ui/errors.js';
import L from '../lib/leaflet.js';

// the checks counted with a threshold of the settings (board.days), to say it under the check's name
const THRESHOLD = { person_permit_expiring: 'expiring', person_visa_expiring: 'expiring',
  household_not_visited: 'visit', organisation_fire_check_overdue: 'fire_check' };
const pct = (score) => `${(score * 100).toFixed(1)}%`;

export async function mount({ map, layers, panel, user }) {
  const host = h('div.quality');
  panel.setTitle(t('quality.title')).setContent(host).open();
  // leaders (the bureau) pick a station; chiefs and planners see their own, personal roles their beats
  const picker = can('bureau.read') && !can('person.read') ? await stationPicker(user.station_id, load) : null;
  const boardHost = h('div.quality-board');
  clear(host, picker, boardHost);
  const itemsHost = h('div.quality-items');
  await load(picker ? Number(picker.querySelector('select').value) || user.station_id : user.station_id);

  async function load(stationId) {
    clear(boardHost, h('p.muted', t('common.loading')));
    let board;
    try {
      board = await api.get('/api/quality', can('person.read') ? {} : { station_id: stationId });
    } catch (err) {
      clear(boardHost, h('p.empty', errorNode(err)));
      return;
    }
    clear(itemsHost);
    clear(boardHost,
      h('p.quality-score', { dataset: { score: board.score } },
        t('quality.score', { score: pct(board.score), goal: pct(board.goal) }),
        board.score >= board.goal ? h('span.badge', t('quality.goal_met')) : h('span.badge.badge-warn', t('quality.below_goal'))),
      board.trend.length > 1 ? h('p.small.muted', t('quality.trend', {
        weeks: board.trend.map((p) => pct(p.score)).join(' → ') })) : null,
      h('ul.quality-checks', board.checks.map((c) => h('li.quality-check', { dataset: { check: c.code } },
        h('span.check-name', label('quality.checks', c.code),
          THRESHOLD[c.code] ? h('small.check-threshold',
            t(`quality.threshold_line.${THRESHOLD[c.code]}`, { n: board.days[THRESHOLD[c.code]] })) : null),
        h('span.check-count', t('quality.failing', { n: c.failing, total: c.checked })),
        c.failing && can('quality.items')
          ? h('button.btn.btn-small', { type: 'button', onclick: () => openCheck(c.code) }, t('quality.show_items'))
          : null))),
      board.beats.length > 1 ? h('section.panel-section', h('h3', t('quality.beats')),
        h('ul.quality-beats', board.beats.map((b) => h('li', `${b.code} ${b.name}：${pct(b.score)}`)))) : null,
      itemsHost);
  }

  async function openCheck(code) {
    clear(itemsHost, h('p.muted', t('common.loading')));
    let body;
    try {
      body = await api.get(`/api/quality/${encodeURIComponent(code)}`);
    } catch (err) {
      clear(itemsHost, h('p.empty', errorNode(err)));
      return;
    }
    clear(itemsHost, h('section.panel-section', h('h3', label('quality.checks', code)),
      h('ul.quality-item-list', body.items.map((item) => h('li.quality-item', {
        dataset: { item: item.id }, onclick: () => flyTo(item) },
      h('span.item-label', item.label), item.detail ? h('span.muted.small', item.detail) : null,
      h('button.btn.btn-small', { type: 'button', onclick: (e) => { e.stopPropagation(); openOnMap(item); } },
        t('quality.fix_on_map')))))));
  }

  function flyTo(item) {
    layers.clearLayers();
    L.circleMarker([item.lat, item.lon], { radius: 12, color: '#d9480f', weight: 3, fill: false }).addTo(layers);
    map.holomapFocused = true;
    map.setView([item.lat, item.lon], 18, { animate: false });
    window.holomap.qualityFocus = item;
  }

  function openOnMap(item) {
    flyTo(item);
    location.hash = '#/map';
    const started = Date.now();
    const wait = () => {
      // a household's item opens its building with that household's card in focus (to fix it there)
      if (window.holomap.lookupAt) window.holomap.lookupAt(item.lon, item.lat, { householdId: item.household_id });
      else if (Date.now() - started < 10000) setTimeout(wait, 100);
    };
    wait();
  }
}

// The stations of the bureau (the OGC stations collection: non-personal), as a select that reloads the board.
async function stationPicker(own, onPick) {
  let stations = [];
  try {
    const collection = await api.get('/ogc/collections/stations/items', { f: 'json', limit: 1000 });
    stations = collection.features.map((f) => ({ id: Number(f.id ?? f.properties.id), code: f.properties.code,
      name: f.properties.name }));
  } catch {
    return null;
  }
  if (!stations.length) return null;
  stations.sort((a, b) => String(a.code).localeCompare(String(b.code)));
  const select = h('select', { name: 'station_id', onchange: (e) => onPick(Number(e.target.value)) },
    stations.map((st) => h('option', { value: st.id, selected: st.id === own }, `${st.code} ${st.name}`)));
  return h('label.field.quality-station', h('span', t('quality.station')), select);
}
