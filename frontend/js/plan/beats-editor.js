// The beats of one plan on the map, editable with Leaflet-Geoman: vertex drag → live stats (debounced
// POST /api/beats/stats), drop → PUT with If-Match (412 → reload), undo/redo of saved boundaries.
import L from '../lib/leaflet.js';
import { api } from '../api.js';
import { t } from '../i18n/index.js';
import { h, toast } from '../ui/dom.js';
import { errorNode } from '../ui/errors.js';

const COLORS = ['#1c7ed6', '#e8590c', '#2b8a3e', '#ae3ec9', '#f08c00', '#0b7285', '#c92a2a', '#5c940d'];
const STATS_DELAY_MS = 150;

export function beatsEditor({ map, layers, plan, editable, onStats, onSaved, onSelect }) {
  const group = L.featureGroup().addTo(layers);
  const byId = new Map(); // beat id → {layer, feature}
  const undo = [];
  const redo = [];
  let timer = null;
  let inflight = null;

  function styleFor(index, props) {
    return { color: COLORS[index % COLORS.length], weight: props.locked ? 4 : 2, fillOpacity: 0.12,
      dashArray: props.locked ? '2 6' : null };
  }

  function load(collection) {
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
    });
  }

  function wire(layer, feature) {
    layer.on('pm:markerdrag pm:vertexadded pm:vertexremoved', () => liveStats(layer, feature));
    layer.on('pm:edit', () => save(feature.id, layer.toGeoJSON().geometry, { record: true }));
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

  async function save(beatId, geometry, { record = false } = {}) {
    const entry = byId.get(beatId);
    if (!entry) return;
    const props = entry.feature.properties;
    const before = entry.feature.geometry;
    try {
      const updated = await api.put(`/api/plans/${plan.id}/beats/${beatId}`, { geometry },
        { headers: { 'If-Match': `"${props.version}"` } });
      if (record) { undo.push({ beatId, geometry: before }); redo.length = 0; }
      entry.feature.geometry = updated.geometry;
      Object.assign(props, updated.properties);
      onSaved?.(updated);
    } catch (err) {
      if (err.status === 412) toast(errorNode(err, { text: t('plan.stale') }), 'error', 6000);
      else toast(errorNode(err, err.status === 422 ? { wrap: 'plan.invalid_shape' } : {}), 'error', 6000);
      onSaved?.(null, err);
    }
  }

  async function step(from, to) {
    const last = from.pop();
    if (!last) return;
    const entry = byId.get(last.beatId);
    to.push({ beatId: last.beatId, geometry: entry.feature.geometry });
    await save(last.beatId, last.geometry);
  }

  return {
    group,
    load,
    bounds: () => (group.getLayers().length ? group.getBounds() : null),
    setEditing(on) {
      for (const { layer, feature } of byId.values()) {
        if (on && !feature.properties.locked) layer.pm?.enable({ allowSelfIntersection: false, snappable: true });
        else layer.pm?.disable();
      }
    },
    undo: () => step(undo, redo),
    redo: () => step(redo, undo),
    canUndo: () => undo.length > 0,
    canRedo: () => redo.length > 0,
    highlight(beatId) {
      for (const [id, { layer }] of byId) layer.setStyle({ weight: id === beatId ? 5 : 2 });
    },
    layerOf: (beatId) => byId.get(beatId)?.layer,
  };
}
