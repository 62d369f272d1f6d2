// 警务区: current beats from GET /api/beats (GeoJSON with code, name, kind, members); labels at their
// centres; the user's own beats (property in_scope, else code in /api/me beats) outlined strongly.
import L from '../lib/leaflet.js';
import { api } from '../api.js';
import { t } from '../i18n/index.js';
import { h } from '../ui/dom.js';

export function beatsLayer({ ownCodes = [] } = {}) {
  const own = new Set(ownCodes);
  const isOwn = (p) => (p.in_scope != null ? Boolean(p.in_scope) : own.has(p.code));
  const group = L.featureGroup();
  const outlines = L.geoJSON(null, {
    pane: 'outlines',
    interactive: false,
    style: (feature) => (isOwn(feature.properties)
      ? { color: '#d6336c', weight: 4, opacity: 0.95, fill: false }
      : { color: '#3b5b8c', weight: 2, opacity: 0.8, dashArray: '6 4', fill: false }),
  }).addTo(group);
  const labels = L.layerGroup().addTo(group);
  group.ownBounds = null;
  group.ready = api.get('/api/beats').then((collection) => {
    outlines.addData(collection);
    group.properties = (collection.features || []).map((f) => f.properties);
    let ownBounds = null;
    outlines.eachLayer((layer) => {
      const { code, name } = layer.feature.properties;
      const mine = isOwn(layer.feature.properties);
      labels.addLayer(L.marker(labelPoint(layer), {
        pane: 'outlines',
        interactive: false,
        keyboard: false,
        icon: L.divIcon({
          className: `beat-label${mine ? ' beat-label-own' : ''}`,
          html: h('span', t('map.beat_label', { code, name })),
          iconSize: null,
        }),
      }));
      if (mine) ownBounds = ownBounds ? ownBounds.extend(layer.getBounds()) : L.latLngBounds(layer.getBounds());
    });
    group.ownBounds = ownBounds;
    return group;
  });
  return group;
}

// The centre of the largest ring's bounding box: good enough for compact beats, and cheap.
function labelPoint(layer) {
  const latlngs = layer.getLatLngs();
  let best = null;
  let bestArea = -1;
  const visit = (rings) => {
    if (rings.length && rings[0] instanceof L.LatLng) {
      const b = L.latLngBounds(rings);
      const area = (b.getNorth() - b.getSouth()) * (b.getEast() - b.getWest());
      if (area > bestArea) { bestArea = area; best = b; }
    } else rings.forEach(visit);
  };
  visit(latlngs);
  return best ? best.getCenter() : layer.getBounds().getCenter();
}
