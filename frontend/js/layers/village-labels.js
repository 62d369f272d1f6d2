// 村/社区名称: the names of the villages and communities in view, from the OGC API
// (/ogc/collections/villages/items?bbox=…), shown from zoom 14 on. Each village is fetched once (kept by
// id); a new request only when the view leaves the padded area fetched last. The name sits at the
// polygon's pole of inaccessibility (inside the area, away from its edges), not at a centroid that a
// crescent-shaped village would put outside itself.
import L from '../lib/leaflet.js';
import { api } from '../api.js';
import { h } from '../ui/dom.js';

const PAGE = 1000;

export function villageLabelsLayer({ minZoom = 14 } = {}) {
  const group = L.layerGroup();
  const known = new Map(); // id → marker
  let fetched = null; // L.LatLngBounds covered by the last request
  let controller = null;
  let map = null;

  const update = () => {
    if (!map) return;
    const visible = map.getZoom() >= minZoom;
    map.getContainer().classList.toggle('village-labels-hidden', !visible);
    if (!visible) return;
    const view = map.getBounds();
    if (fetched && fetched.contains(view)) return;
    load(view.pad(0.5));
  };

  async function load(bounds) {
    controller?.abort();
    controller = new AbortController();
    const bbox = [bounds.getWest(), bounds.getSouth(), bounds.getEast(), bounds.getNorth()]
      .map((v) => v.toFixed(5)).join(',');
    try {
      let offset = 0;
      for (;;) {
        const page = await api.get('/ogc/collections/villages/items', { bbox, limit: PAGE, offset, f: 'json' },
          { signal: controller.signal });
        for (const feature of page.features || []) add(feature);
        offset += PAGE;
        if ((page.features || []).length < PAGE) break;
      }
      fetched = bounds;
    } catch (err) {
      if (err.name !== 'AbortError') fetched = null;
    }
  }

  function add(feature) {
    const props = feature.properties || {};
    const id = feature.id;
    if (known.has(id) || !props.name || !feature.geometry) return;
    const point = labelPoint(feature.geometry);
    if (!point) return;
    const icon = L.divIcon({
      className: `village-label village-label-${props.kind === 'community' ? 'community' : 'village'}`,
      html: h('span', props.name), // an element, not HTML text: names cannot inject markup
      iconSize: null,
    });
    const marker = L.marker([point[1], point[0]], { icon, interactive: false, keyboard: false, pane: 'labels' });
    known.set(id, marker);
    group.addLayer(marker);
  }

  group.on('add', () => {
    map = group._map;
    if (!map.getPane('labels')) {
      map.createPane('labels').style.zIndex = 440; // above beat outlines, below the selection
      map.getPane('labels').style.pointerEvents = 'none';
    }
    map.on('moveend zoomend', update);
    update();
  });
  group.on('remove', () => {
    map?.off('moveend zoomend', update);
    map?.getContainer().classList.remove('village-labels-hidden');
    controller?.abort();
    map = null;
  });
  return group;
}

// [lon, lat] inside the largest polygon, as far from its edges as a coarse grid search then two
// refinements find (good to a few metres for a village; distances in a local, cos(lat)-scaled plane).
export function labelPoint(geometry) {
  const polygons = geometry.type === 'Polygon' ? [geometry.coordinates]
    : geometry.type === 'MultiPolygon' ? geometry.coordinates : [];
  let best = null;
  let bestArea = 0;
  for (const rings of polygons) {
    const area = Math.abs(ringArea(rings[0] || []));
    if (area > bestArea) { bestArea = area; best = rings; }
  }
  if (!best) return null;
  const outer = best[0];
  let [minX, minY, maxX, maxY] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const [x, y] of outer) {
    minX = Math.min(minX, x); minY = Math.min(minY, y); maxX = Math.max(maxX, x); maxY = Math.max(maxY, y);
  }
  const k = Math.cos(((minY + maxY) / 2) * Math.PI / 180);
  let centre = [(minX + maxX) / 2, (minY + maxY) / 2];
  let score = inside(best, centre) ? edgeDistance(best, centre, k) : -1;
  let [w, hgt] = [maxX - minX, maxY - minY];
  let origin = [minX, minY];
  for (let round = 0; round < 3; round++) {
    const n = 12;
    for (let i = 0; i <= n; i++) {
      for (let j = 0; j <= n; j++) {
        const p = [origin[0] + (w * i) / n, origin[1] + (hgt * j) / n];
        if (!inside(best, p)) continue;
        const d = edgeDistance(best, p, k);
        if (d > score) { score = d; centre = p; }
      }
    }
    w /= 4; hgt /= 4;
    origin = [centre[0] - w / 2, centre[1] - hgt / 2];
  }
  return score >= 0 ? centre : outer[0];
}

function ringArea(ring) {
  let sum = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    sum += (ring[j][0] - ring[i][0]) * (ring[j][1] + ring[i][1]);
  }
  return sum / 2;
}

function inside(rings, [x, y]) {
  let within = false;
  for (const ring of rings) {
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [xi, yi] = ring[i];
      const [xj, yj] = ring[j];
      if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) within = !within;
    }
  }
  return within;
}

function edgeDistance(rings, [x, y], k) {
  let min = Infinity;
  for (const ring of rings) {
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      min = Math.min(min, segmentDistance(x * k, y, ring[j][0] * k, ring[j][1], ring[i][0] * k, ring[i][1]));
    }
  }
  return min;
}

function segmentDistance(px, py, ax, ay, bx, by) {
  const dx = bx - ax;
  const dy = by - ay;
  const len = dx * dx + dy * dy;
  const s = len ? Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / len)) : 0;
  return Math.hypot(px - (ax + s * dx), py - (ay + s * dy));
}
