// Map layers of the dashboard: incident cells coloured by count (heat), Gi* hot/cold classes, and the
// per-beat choropleth (incidents per 1,000 residents). All drawn from aggregate GeoJSON, never points.
import L from '../lib/leaflet.js';
import { t } from '../i18n/index.js';
import { h } from '../ui/dom.js';
import { classOf, jenks, quantiles, ranges, spread } from './classify.js';

const HEAT = ['#fee6ce', '#fdd0a2', '#fdae6b', '#fd8d3c', '#e6550d', '#a63603'];
const CLASS_COLOURS = {
  hot99: '#b2182b', hot95: '#ef8a62', hot90: '#fddbc7',
  cold90: '#d1e5f0', cold95: '#67a9cf', cold99: '#2166ac',
};
const CHOROPLETH = ['#eff3ff', '#c6dbef', '#9ecae1', '#6baed6', '#3182bd', '#08519c'];
const NO_DATA = '#d9d9d9';
const MAX_CLASSES = 6;

function count(n) { return String(n); }
function rate(r) { return r.toFixed(r < 10 ? 2 : 1); }

// Legend rows [colour, text] of classes with upper bounds `breaks` (integers: the next class starts at +1).
function classRows(breaks, colours, min, format, integers) {
  return ranges(breaks, min).map(([lower, upper], i) => {
    const from = i === 0 ? lower : integers ? lower + 1 : lower;
    return [colours[i], from === upper ? format(upper) : `${format(from)} – ${format(upper)}`];
  });
}

// Heat: quantile classes of the cells' counts (many skewed values), measure incidents per cell.
export function heatLayer(body) {
  const counts = body.features.map((f) => f.properties.count);
  const breaks = quantiles(counts, HEAT.length);
  const colours = spread(HEAT, breaks.length);
  const layer = L.geoJSON(body, {
    pane: 'areas',
    style: (f) => ({ color: '#7f2704', weight: 0.3, fillOpacity: 0.7,
      fillColor: colours[classOf(f.properties.count, breaks)] }),
    onEachFeature: (f, l) => l.bindTooltip(h('span', t('dashboard.cell_count', { n: f.properties.count }))),
  });
  layer.holomapLegend = {
    measure: t('dashboard.legend_heat_measure', { size: body.size_m, cell: t(`dashboard.${body.cell}`) }),
    rows: classRows(breaks, colours, Math.min(...counts, 1), count, true),
  };
  return layer;
}

export function hotspotLayer(body) {
  const layer = L.geoJSON(body, {
    pane: 'areas',
    filter: (f) => f.properties.class !== 'ns',
    style: (f) => ({ color: '#555', weight: 0.3, fillOpacity: 0.75, fillColor: CLASS_COLOURS[f.properties.class] }),
    onEachFeature: (f, l) => l.bindTooltip(h('span',
      `${t(`dashboard.classes.${f.properties.class}`)} · z=${f.properties.z} · ${t('dashboard.cell_count',
        { n: f.properties.count })}`)),
  });
  layer.holomapLegend = {
    measure: t('dashboard.legend_hotspots_measure'),
    rows: Object.entries(CLASS_COLOURS).map(([k, c]) => [c, `${t(`dashboard.classes.${k}`)}（${body.classes[k]}）`]),
  };
  return layer;
}

// Beats: natural breaks (Jenks) of the rate per 1,000 residents; up to six classes, so six beats with
// different rates get six shades. Beats without residents are grey.
export function beatsLayer(body) {
  const rates = body.features.map((f) => f.properties.rate_per_1000).filter((r) => r != null);
  const breaks = jenks(rates, MAX_CLASSES);
  const colours = spread(CHOROPLETH, breaks.length);
  const fill = (r) => (r == null ? NO_DATA : colours[classOf(r, breaks)]);
  const layer = L.geoJSON(body, {
    pane: 'areas',
    style: (f) => ({ color: '#08306b', weight: 1.2, fillOpacity: 0.65, fillColor: fill(f.properties.rate_per_1000) }),
    onEachFeature: (f, l) => {
      const p = f.properties;
      l.bindTooltip(h('div', h('strong', `${p.beat_name}（${p.code}）`),
        h('div', `${t('dashboard.incidents')}：${p.incidents}`),
        h('div', `${t('dashboard.rate')}：${p.rate_per_1000 ?? '—'}`)));
    },
  });
  const rows = classRows(breaks, colours, Math.min(...rates), rate, false);
  if (rates.length < body.features.length) rows.push([NO_DATA, t('dashboard.legend_no_residents')]);
  layer.holomapLegend = { measure: t('dashboard.legend_beats_measure'), rows };
  return layer;
}
