// The selected building: a ring at the point at once, then its footprint from the OGC API
// (/ogc/collections/buildings/items/{id}, a non-personal layer) when that arrives.
import L from '../lib/leaflet.js';
import { api } from '../api.js';

const RING = { pane: 'selection', interactive: false, radius: 12, color: '#1c7ed6', weight: 3,
  fillColor: '#4dabf7', fillOpacity: 0.3 };
const FOOTPRINT = { pane: 'selection', interactive: false, color: '#1c7ed6', weight: 3, fillColor: '#4dabf7',
  fillOpacity: 0.45 };

export function selectionLayer() {
  const group = L.layerGroup();
  let shown = null;
  group.show = (building, latlng) => {
    group.clearLayers();
    shown = building?.id ?? null;
    if (latlng) L.circleMarker(latlng, RING).addTo(group);
    if (building?.id == null) return;
    const id = building.id;
    api.get(`/ogc/collections/buildings/items/${id}`, { f: 'json' }).then((feature) => {
      if (shown !== id || !feature?.geometry) return;
      group.clearLayers();
      L.geoJSON(feature.geometry, { ...FOOTPRINT }).addTo(group);
    }).catch(() => {});
  };
  group.hide = () => { shown = null; group.clearLayers(); };
  return group;
}
