// 派出所辖区: the station outline from the OGC API (a non-personal layer), drawn as a soft mask edge.
import L from '../lib/leaflet.js';
import { api } from '../api.js';

export function stationLayer() {
  const layer = L.geoJSON(null, {
    pane: 'areas',
    interactive: false,
    style: { color: '#0f2a4a', weight: 3, opacity: 0.85, fill: true, fillColor: '#ffffff', fillOpacity: 0.35,
      dashArray: '8 4' },
  });
  layer.ready = api.get('/ogc/collections/stations/items', { f: 'json', limit: 50 })
    .then((collection) => {
      layer.addData(collection);
      const bounds = layer.getBounds();
      return bounds.isValid() ? bounds : null;
    })
    .catch(() => null);
  return layer;
}
