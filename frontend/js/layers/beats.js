// 警务区: current beats from GET /api/beats (GeoJSON with code, name, kind, members); labels at the point the
// server puts inside each beat (properties.label); the user's own beats (property in_scope, else code in
// /api/me beats) outlined strongly.
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
      const [lon, lat] = layer.feature.properties.label || [];
      labels.addLayer(L.marker(lat != null ? L.latLng(lat, lon) : layer.getBounds().getCenter(), {
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
