// 新兴热点 (emerging hot spots) on the dashboard map: the heat map's cells coloured by their category over
// weeks or months (new, consecutive, intensifying, persistent, diminishing, sporadic, oscillating,
// historical and the cold mirrors; cells without a pattern are not drawn), and in the panel a legend
// explaining each category with its count. GET /api/analytics/emerging answers `status: running` with its
// progress while the cube is computed: fetchEmerging asks again until it is done. Aggregates only.
import L from '../lib/leaflet.js';
import { api } from '../api.js';
import { t } from '../i18n/index.js';
import { h } from '../ui/dom.js';

const POLL_MS = 1000;
export const HOT = ['new', 'consecutive', 'intensifying', 'persistent', 'diminishing', 'sporadic', 'oscillating',
  'historical'];
export const COLOURS = {
  new: '#fee08b', consecutive: '#fdae61', intensifying: '#d7191c', persistent: '#a50f15',
  diminishing: '#f4a582', sporadic: '#ef6548', oscillating: '#c51b7d', historical: '#8c6d31',
  cold_new: '#deebf7', cold_consecutive: '#9ecae1', cold_intensifying: '#08519c', cold_persistent: '#2171b5',
  cold_diminishing: '#6baed6', cold_sporadic: '#4292c6', cold_oscillating: '#6a51a3', cold_historical: '#636363',
};

function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => { clearTimeout(timer); reject(new DOMException('aborted', 'AbortError')); });
  });
}

export async function fetchEmerging(query, { signal, onProgress }) {
  for (;;) {
    const body = await api.get('/api/analytics/emerging', query, { signal });
    if (body.status === 'done') return body;
    onProgress?.(Math.round(body.progress * 100));
    await sleep(POLL_MS, signal);
  }
}

function shownClasses(body) {
  // the eight hot categories always (the standard legend), cold ones only when present
  return [...HOT, ...HOT.map((c) => `cold_${c}`).filter((c) => body.classes[c] > 0)];
}

export function emergingLayer(body) {
  const steps = body.steps.length;
  const layer = L.geoJSON(body, {
    pane: 'areas',
    style: (f) => ({ color: '#555', weight: 0.4, fillOpacity: 0.8, fillColor: COLOURS[f.properties.class] }),
    onEachFeature: (f, l) => {
      const p = f.properties;
      l.bindTooltip(h('span', t('emerging.cell_title', { label: t(`emerging.classes.${p.class}`), count: p.count,
        hot: p.hot_steps, steps, trend: p.trend_z })));
    },
  });
  layer.holomapLegend = {
    measure: t('emerging.measure', { size: body.size_m, cell: t(`dashboard.${body.cell}`), steps,
      step: t(`emerging.step_units.${body.step}`) }),
    rows: [...shownClasses(body).map((c) => [COLOURS[c], `${t(`emerging.classes.${c}`)}（${body.classes[c]}）`]),
      ['transparent', t('emerging.none')]],
  };
  return layer;
}

// The panel's legend: each category, its colour, its count and what it means.
export function emergingLegend(body) {
  const first = body.steps[0];
  const last = body.steps[body.steps.length - 1];
  const explain = (c) => (c.startsWith('cold_') ? t('emerging.explain.cold') : t(`emerging.explain.${c}`));
  return h('div.emerging', { 'data-testid': 'emerging-legend' },
    h('p.dash-note', t('emerging.intro')),
    h('p.dash-note', { role: 'status' }, t('emerging.summary', { cells: body.cells_in_extent,
      steps: body.steps.length, first: first.start, last: last.end, shown: body.features.length })),
    h('table.dash-table',
      h('tbody', [...shownClasses(body).map((c) => h('tr', { dataset: { class: c } },
        h('th', { scope: 'row' }, h('i.emerging-swatch', { style: { background: COLOURS[c] } }),
          t(`emerging.classes.${c}`)),
        h('td.num', String(body.classes[c])),
        h('td', explain(c)))),
      h('tr', { dataset: { class: 'none' } }, h('th', { scope: 'row' }, h('i.emerging-swatch'), t('emerging.none')),
        h('td.num', '—'), h('td', t('emerging.none_explain')))])));
}
