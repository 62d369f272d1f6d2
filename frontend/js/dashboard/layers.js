// Map layers of the dashboard: incident cells coloured by count (heat), Gi* hot/cold classes, and the
// per-beat choropleth (incidents per 1,000 residents). All drawn from aggregate GeoJSON, never points.
import L from '../lib/leaflet.js';
import { t } from '../i18n/index.js';
import { h } from '../ui/dom.js';

const HEAT = ['#fff5eb', '#fdd0a2', '#fdae6b', '#fd8d3c', '#f16913', '#d94801', '#8c2d04'];
const CLASS_COLOURS = {
  hot99: '#b2182b', hot95: '#ef8a62', hot90: '#fddbc7',
  cold90: '#d1e5f0', cold95: '#67a9cf', cold99: '#2166ac',
};
const CHOROPLETH = ['#f7fbff', '#c6dbef', '#6baed6', '#2171b5', '#08306b'];

function ramp(colours, value, max) {
  if (!max || value <= 0) return colours[0];
  // square-root scale: a few very busy cells should not wash out the rest
  const k = Math.min(colours.length - 1, Math.ceil(Math.sqrt(value / max) * (colours.length - 1)));
  return colours[k];
}

export function heatLayer(body) {
  const max = body.max || 1;
  return L.geoJSON(body, {
    pane: 'areas',
    style: (f) => ({ color: '#8c2d04', weight: 0.3, fillOpacity: 0.7,
      fillColor: ramp(HEAT, f.properties.count, max) }),
    onEachFeature: (f, layer) => layer.bindTooltip(h('span', t('dashboard.cell_count', { n: f.properties.count }))),
  });
}

export function hotspotLayer(body) {
  return L.geoJSON(body, {
    pane: 'areas',
    filter: (f) => f.properties.class !== 'ns',
    style: (f) => ({ color: '#555', weight: 0.3, fillOpacity: 0.75, fillColor: CLASS_COLOURS[f.properties.class] }),
    onEachFeature: (f, layer) => layer.bindTooltip(h('span',
      `${t(`dashboard.classes.${f.properties.class}`)} · z=${f.properties.z} · ${t('dashboard.cell_count',
        { n: f.properties.count })}`)),
  });
}

export function beatsLayer(body) {
  const rates = body.features.map((f) => f.properties.rate_per_1000 || 0);
  const max = Math.max(1, ...rates);
  return L.geoJSON(body, {
    pane: 'areas',
    style: (f) => ({ color: '#08306b', weight: 1.2, fillOpacity: 0.6,
      fillColor: ramp(CHOROPLETH, f.properties.rate_per_1000 || 0, max) }),
    onEachFeature: (f, layer) => {
      const p = f.properties;
      layer.bindTooltip(h('div', h('strong', `${p.beat_name}（${p.code}）`),
        h('div', `${t('dashboard.incidents')}：${p.incidents}`),
        h('div', `${t('dashboard.rate')}：${p.rate_per_1000 ?? '—'}`)));
    },
  });
}

export function legend(layerId) {
  const entries = layerId === 'hotspots'
    ? Object.entries(CLASS_COLOURS).map(([k, c]) => [c, t(`dashboard.classes.${k}`)])
    : layerId === 'beats'
      ? [[CHOROPLETH[1], t('dashboard.legend_low')], [CHOROPLETH[4], t('dashboard.legend_high')]]
      : [[HEAT[1], t('dashboard.legend_low')], [HEAT[6], t('dashboard.legend_high')]];
  return entries;
}
