// Vector tiles from /tiles/{layer}/{z}/{x}/{y}.mvt (leaflet.vectorgrid, canvas). Tiles are drawn without
// interactivity: VectorGrid 1.3's canvas click handler calls L.DomEvent.fakeStop, which Leaflet 1.9
// no longer has, so clicks go to the map and the screen looks the building up by position instead.
import L from '../lib/leaflet.js';
import { authHeaders } from '../api.js';

export function vectorTiles(layer, { style, pane, minZoom = 0, maxNativeZoom = 20 } = {}) {
  const styleFor = typeof style === 'function' ? style : () => style;
  // The MVT layer name inside the tile is not assumed: every layer in it gets this style.
  const styles = new Proxy({}, { get: () => styleFor });
  return L.vectorGrid.protobuf(`/tiles/${layer}/{z}/{x}/{y}.mvt`, {
    rendererFactory: L.canvas.tile,
    vectorTileLayerStyles: styles,
    interactive: false,
    pane,
    minZoom,
    maxNativeZoom,
    maxZoom: 22,
    // Tiles are non-personal, but send the bearer token in case the API asks for one.
    fetchOptions: { headers: authHeaders(), credentials: 'same-origin' },
  });
}
