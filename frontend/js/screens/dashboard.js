// Dashboard 数据研判: incident heat/hotspots/beat choropleth on the map; in the panel the filters,
// summary and period comparison, monthly series, hour × weekday matrix, beats and officer statistics.
// Aggregates only (GET /api/analytics/*). State for tests: window.holomap.dashboard.
import { api, download } from '../api.js';
import { can } from '../auth/capabilities.js';
import { t } from '../i18n/index.js';
import { asset, h, clear } from '../ui/dom.js';
import { errorNode } from '../ui/errors.js';
import { formatPeriod } from '../ui/format.js';
import { createFilters } from '../dashboard/filters.js';
import { decodeCells, decodeFeatures } from '../dashboard/compact.js';
import { beatsLayer, heatLayer, hotspotLayer } from '../dashboard/layers.js';
import { emergingLayer, emergingLegend, fetchEmerging } from '../dashboard/emerging.js';
import { createNearRepeat } from '../dashboard/nearrepeat.js';
import { repeatsPanel } from '../dashboard/repeats.js';
import {
  beatsTable, comparisonTable, matrixTable, monthlyBars, officersTable, summary,
} from '../dashboard/charts.js';


function ensureStylesheet() {
  if (document.querySelector('link[data-dashboard]')) return;
  document.head.append(h('link', { rel: 'stylesheet', href: asset('css/dashboard.css'), dataset: { dashboard: '1' } }));
}

// 近重复预警 for leaders: counts only (zones in force, households in them, issued in the period; per station
// and category), never a zone or a place.
function warningsSummary(w) {
  const line = h('p.dash-note', { 'data-testid': 'warnings-summary' },
    w.active || w.issued ? t('warnings.summary', w) : t('warnings.none'));
  if (!w.groups.length) return line;
  return [line, h('table.dash-table', h('thead', h('tr', h('th', t('dashboard.station')),
    h('th', t('dashboard.category')), h('th.num', t('warnings.active')), h('th.num', t('warnings.households_col')),
    h('th.num', t('warnings.issued')))),
  h('tbody', w.groups.map((g) => h('tr', h('td', g.station_name), h('td', t(`dashboard.categories.${g.category}`)),
    h('td.num', String(g.active)), h('td.num', String(g.households)), h('td.num', String(g.issued))))))];
}

function section(title, body) {
  return h('section.dash-section', h('h3', title), body);
}

export async function mount(ctx) {
  ensureStylesheet();
  const { map, layers, panel } = ctx;
  const state = window.holomap.dashboard = { loading: false, total: null, cells: 0, layer: 'heat', requests: 0 };
  const results = h('div.dash-results', h('p.empty', t('common.loading')));
  const legendBox = h('div.dash-legend.leaflet-bar', { 'data-testid': 'map-legend' });
  let controller = null;
  let fitted = false;

  const filters = createFilters({ onChange: (params, layerId) => load(params, layerId) });
  const exportStatus = h('span.dash-note', { role: 'status' });
  const exportButton = h('button.dash-chip', { type: 'button', 'data-testid': 'dashboard-xlsx', onclick: exportXlsx },
    t('dashboard.export_xlsx'));
  const printButton = h('button.dash-chip', { type: 'button', 'data-testid': 'dashboard-print',
    onclick: () => window.print() }, t('dashboard.print'));
  const actions = h('div.dash-row.dash-actions', exportButton, printButton, exportStatus);
  const printTitle = h('h2.dash-print-title', t('dashboard.title'));
  const nearRepeat = createNearRepeat({ params: () => filters.params() });
  state.nearRepeat = nearRepeat.state;
  panel.setTitle(t('dashboard.title')).setContent(printTitle, filters.element, actions, results,
    section(t('near_repeat.title'), nearRepeat.element)).open();
  document.body.classList.add('dashboard-screen');

  async function exportXlsx() {
    exportButton.disabled = true;
    clear(exportStatus, t('dashboard.exporting'));
    const { cell: _c, size_m: _s, step: _st, ...common } = filters.params();
    try {
      const name = await download('/api/analytics/report.xlsx', common, 'holomap-analytics.xlsx');
      clear(exportStatus, t('dashboard.exported', { name }));
    } catch (err) {
      clear(exportStatus, errorNode(err));
    } finally {
      exportButton.disabled = false;
    }
  }
  map.getContainer().append(legendBox);

  async function load(params, layerId) {
    controller?.abort();
    controller = new AbortController();
    const { signal } = controller;
    state.loading = true;
    document.body.dataset.dashboard = 'loading';
    filters.showError('');
    const { cell, size_m: sizeM, step, ...common } = params;
    try {
      // the beats layer is drawn from the table's own answer (one call, not the same one twice)
      // the map answers in their compact form (a third of the bytes), decoded to GeoJSON (dashboard/compact.js)
      const compact = { format: 'compact' };
      const onProgress = (pct) => clear(legendBox, h('span', { role: 'status' }, t('emerging.running', { pct })));
      const mapCall = layerId === 'hotspots'
        ? api.get('/api/analytics/hotspots', { ...common, cell, size_m: sizeM, ...compact }, { signal })
          .then(decodeCells)
        : layerId === 'emerging' ? fetchEmerging({ ...common, cell, size_m: sizeM, step }, { signal, onProgress })
          : null;
      const [heat, compare, matrix, beats, officers, layerBody, repeats, warned] = await Promise.all([
        api.get('/api/analytics/heat', { ...common, cell, size_m: sizeM, ...compact }, { signal }).then(decodeCells),
        api.get('/api/analytics/compare', common, { signal }),
        api.get('/api/analytics/matrix', common, { signal }),
        api.get('/api/analytics/beats', { ...common, ...compact }, { signal }).then(decodeFeatures),
        can('analytics.officers')
          ? api.get('/api/analytics/officers', { start: common.start, end: common.end }, { signal }) : null,
        mapCall,
        api.get('/api/analytics/repeat-locations', common, { signal }),
        api.get('/api/analytics/warnings', common, { signal }),
      ]);
      draw(layerId, layerId === 'hotspots' || layerId === 'emerging' ? layerBody : layerId === 'beats' ? beats : heat);
      clear(printTitle, t('dashboard.print_title', { period: formatPeriod(compare.current) }));
      clear(results,
        summary(compare, heat),
        layerId === 'emerging' ? section(t('emerging.title'), emergingLegend(layerBody)) : null,
        section(t('dashboard.comparison'), [comparisonTable(compare), monthlyBars(compare)]),
        section(t('dashboard.matrix'), matrixTable(matrix)),
        section(t('dashboard.beats'), beatsTable(beats)),
        section(t('repeats.title'), repeatsPanel(repeats, {
          more: (offset) => api.get('/api/analytics/repeat-locations', { ...common, offset, limit: repeats.limit }),
          open: (id) => api.get(`/api/analytics/repeat-locations/${id}`, common),
        })),
        section(t('warnings.layer'), warningsSummary(warned)),
        officers ? section(t('dashboard.officers'), officersTable(officers)) : null);
      state.emerging = layerId === 'emerging' ? layerBody.classes : null;
      Object.assign(state, { total: heat.total, cells: heat.features.length, layer: layerId,
        requests: state.requests + 1, params });
      document.body.dataset.dashboard = 'ready';
    } catch (err) {
      if (err.name === 'AbortError') return;
      filters.showError(errorNode(err));
      document.body.dataset.dashboard = 'error';
    } finally {
      state.loading = false;
    }
  }

  function draw(layerId, body) {
    layers.clearLayers();
    const layer = layerId === 'hotspots' ? hotspotLayer(body) : layerId === 'emerging' ? emergingLayer(body)
      : layerId === 'beats' ? beatsLayer(body) : heatLayer(body);
    layer.addTo(layers);
    state.mapFeatures = body.features.length;
    const { measure, rows } = layer.holomapLegend;
    state.legend = rows.map(([, text]) => text);
    clear(legendBox, h('strong', t(`dashboard.layers.${layerId}`)), h('div.dash-measure', measure),
      rows.map(([colour, text]) => h('div', h('i', { style: { background: colour } }), text)));
    const bounds = layer.getBounds();
    if (!fitted && bounds.isValid()) {
      map.holomapFocused = true;
      map.fitBounds(bounds, { padding: [16, 16] });
      fitted = true;
    }
  }

  load(filters.params(), filters.layer());
  return () => {
    controller?.abort();
    legendBox.remove();
    document.body.classList.remove('dashboard-screen');
    delete document.body.dataset.dashboard;
  };
}
