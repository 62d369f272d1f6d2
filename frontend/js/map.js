// The one Leaflet map of the app, shared by every screen: basemap (only when configured), the station
// outline as context, scale bar. Screens add their own layers on mount and remove them on unmount.
import L from './lib/leaflet.js';
import { stationLayer } from './layers/station.js';

// Centre of the demo district until the station outline has loaded (Binzhou, Shandong).
const DEFAULT_VIEW = { center: [37.4, 118.0], zoom: 13 };

export function createMap(element, config) {
  const map = L.map(element, {
    zoomControl: false,
    preferCanvas: true,
    attributionControl: Boolean(config.basemap_url),
    minZoom: 5,
    maxZoom: 20,
    zoomSnap: 0.5,
  }).setView(DEFAULT_VIEW.center, DEFAULT_VIEW.zoom);
  map.attributionControl?.setPrefix(false);
  L.control.zoom({ position: 'bottomright', zoomInTitle: '放大', zoomOutTitle: '缩小' }).addTo(map);
  L.control.scale({ position: 'bottomleft', imperial: false }).addTo(map);
  // Panes keep the drawing order whatever order screens add layers in.
  pane(map, 'areas', 350);       // station, villages, beats (fills)
  pane(map, 'buildings', 380);   // building tiles
  pane(map, 'outlines', 420);    // beat outlines and labels above buildings
  pane(map, 'selection', 630);   // the selected building
  if (config.basemap_url) {
    L.tileLayer(config.basemap_url, { attribution: config.basemap_attribution || '', maxZoom: 20 }).addTo(map);
  } else {
    element.classList.add('no-basemap');
  }
  const station = stationLayer().addTo(map);
  station.ready.then((bounds) => {
    // Fit the station unless the user (or a screen, through focusOn) already chose a place.
    if (bounds && !map.holomapFocused) map.fitBounds(bounds, { padding: [16, 16] });
  });
  map.on('dragstart', () => { map.holomapFocused = true; });
  return map;
}

function pane(map, name, zIndex) {
  map.createPane(name).style.zIndex = zIndex;
}

// Fly to a point (WGS84 lon/lat) at a street-level zoom; remembered so the initial fit does not undo it.
export function focusOn(map, lon, lat, zoom = 18) {
  map.holomapFocused = true;
  map.flyTo([lat, lon], Math.max(zoom, map.getZoom()), { duration: 0.6 });
}
