// The beats of one plan on the map, editable with Leaflet-Geoman: vertex drag → live stats (debounced
// POST /api/beats/stats), drop → PUT with If-Match (412 → reload). The server applies a drawn boundary to
// the plan's units, so the neighbours change with it (no overlap, no gap); undo/redo are server steps.
// Each beat's code is drawn at its pole of inaccessibility (properties.label), inside the beat.
import L from '../lib/leaflet.js';
import { api } from '../api.js';
import { t } from '../i18n/index.js';
import { h, toast } from '../ui/dom.js';
import { errorNode } from '../ui/errors.js';

const COLORS = ['#1c7ed6', '#e8590c', '#2b8a3e', '#ae3ec9', '#f08c00', '#0b7285', '#c92a2a', '#5c940d'];
const STATS_DELAY_MS = 150;
// workload choropleth: five sequential classes (light → dark), quantile breaks over the plan's beats
import { SHADES } from './shades.js';

export { SHADES };

export function quantileBreaks(values, classes = SHADES.length) {
  const sorted = values.map(Number).filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (!sorted.length) return [];
  const breaks = [];
  for (let i = 1; i < classes; i += 1) breaks.push(sorted[Math.min(sorted.length - 1, Math.floor((i * sorted.length) / classes))]);
  return [...new Set(breaks)];
}

export function beatsEditor({ layers, plan, editable, onStats, onSaved, onSelect }) {
  const group = L.featureGroup().addTo(layers);
  const byId = new Map(); // beat id → {layer, feature}
  let timer = null;
  let inflight = null;
  let current = null;

  let shade = null; // {metric, breaks} of the workload choropleth, or null

  function styleFor(index, props) {
    const base = { color: COLORS[index % COLORS.length], weight: props.locked ? 4 : 2, fillOpacity: 0.12,
      dashArray: props.locked ? '2 6' : null };
    if (!shade) return base;
    const value = Number(props.stats?.[shade.metric] ?? 0);
    const cls = shade.breaks.filter((b) => value > b).length;
    return { ...base, fillColor: SHADES[cls], fillOpacity: 0.6 };
  }

  function load(collection) {
    current = collection;
    group.clearLayers();
    byId.clear();
    collection.features.forEach((feature, index) => {
      const geo = L.geoJSON(feature, { style: () => styleFor(index, feature.properties), pmIgnore: !editable });
      geo.eachLayer((layer) => {
        layer.feature = feature;
        layer.bindTooltip(h('span', `${feature.properties.code} ${feature.properties.name}`), { sticky: true });
        layer.on('click', () => onSelect?.(feature));
        if (editable) wire(layer, feature);
        group.addLayer(layer);
        byId.set(feature.id, { layer, feature });
      });
      const at = feature.properties.label;
      if (at) {
        group.addLayer(L.marker([at[1], at[0]], {
          interactive: false, pmIgnore: true, keyboard: false,
          icon: L.divIcon({ className: 'beat-code-label', html: '', iconSize: null }),
        }).on('add', (e) => {
          const el = e.target.getElement();
          if (el) el.replaceChildren(h('span', { 'data-beat-label': feature.properties.code }, feature.properties.code));
        }));
      }
    });
  }

  // Geoman's vertex and midpoint handles are focusable buttons without a name: give each one its name
  // (its beat and what dragging it does), again whenever Geoman makes new handles.
  function nameHandles(layer, feature) {
    const handles = layer.pm?._markerGroup?.getLayers() || [];  // Geoman keeps them in this group
    let n = 0;
    for (const marker of handles) {
      const el = marker.getElement?.();
      if (!el) continue;
      const middle = el.classList.contains('marker-icon-middle');
      if (!middle) n += 1;
      el.setAttribute('aria-label', middle ? t('plan.handle_middle', { code: feature.properties.code })
        : t('plan.handle_vertex', { code: feature.properties.code, n }));
    }
  }

  function wire(layer, feature) {
    layer.on('pm:enable pm:vertexadded pm:vertexremoved pm:markerdragend', () => nameHandles(layer, feature));
    layer.on('pm:markerdrag pm:vertexadded pm:vertexremoved', () => liveStats(layer, feature));
    layer.on('pm:edit', () => save(feature.id, layer.toGeoJSON().geometry));
  }

  function liveStats(layer, feature) {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      inflight?.abort();
      inflight = new AbortController();
      try {
        const stats = await api.post('/api/beats/stats', layer.toGeoJSON().geometry, { signal: inflight.signal });
        onStats?.(feature, stats, null);
      } catch (err) {
        if (err.name !== 'AbortError') onStats?.(feature, null, err);
      }
    }, STATS_DELAY_MS);
  }

  async function save(beatId, geometry) {
    const entry = byId.get(beatId);
    if (!entry) return;
    const props = entry.feature.properties;
    try {
      const updated = await api.put(`/api/plans/${plan.id}/beats/${beatId}`, { geometry },
        { headers: { 'If-Match': `"${props.version}"` } });
      entry.feature.geometry = updated.geometry;
      Object.assign(props, updated.properties);
      onSaved?.(updated);
    } catch (err) {
      if (err.status === 412) toast(errorNode(err, { text: t('plan.stale') }), 'error', 6000);
      else toast(errorNode(err, err.status === 422 ? { wrap: 'plan.invalid_shape' } : {}), 'error', 6000);
      onSaved?.(null, err);
    }
  }

  return {
    group,
    load,
    bounds: () => (group.getLayers().length ? group.getBounds() : null),
    setEditing(on) {
      for (const { layer, feature } of byId.values()) {
        if (!(layer instanceof L.Polygon)) continue;
        if (on && !feature.properties.locked) {
          layer.pm?.enable({ allowSelfIntersection: false, snappable: true });
          nameHandles(layer, feature);
        } else layer.pm?.disable();
      }
    },
    highlight(beatId) {
      for (const [id, { layer }] of byId) layer.setStyle({ weight: id === beatId ? 5 : 2 });
    },
    layerOf: (beatId) => byId.get(beatId)?.layer,
    shading: () => shade,
    // fill beats by households / residents / incidents_12m (null: plain); returns the breaks for a legend
    setChoropleth(metric) {
      shade = metric && current
        ? { metric, breaks: quantileBreaks(current.features.map((f) => f.properties.stats?.[metric] ?? 0)) } : null;
      if (current) load(current);
      return shade;
    },
  };
}
