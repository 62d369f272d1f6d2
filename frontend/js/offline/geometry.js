// Pure geometry of the offline pack (no DOM): which building a tap is on, tiles over a bounding box.
// Unit-tested by frontend/tests/offline-geometry.test.mjs.

// Ray casting over one ring ([[lon, lat], …]).
function inRing(ring, x, y) {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

function inPolygon(rings, x, y) {
  return rings.length > 0 && inRing(rings[0], x, y) && !rings.slice(1).some((hole) => inRing(hole, x, y));
}

export function contains(geometry, lon, lat) {
  if (!geometry) return false;
  if (geometry.type === 'Polygon') return inPolygon(geometry.coordinates, lon, lat);
  if (geometry.type === 'MultiPolygon') return geometry.coordinates.some((p) => inPolygon(p, lon, lat));
  return false;
}

// Metres between two WGS84 points (haversine).
export function metres(lon1, lat1, lon2, lat2) {
  const r = 6371008.8;
  const rad = Math.PI / 180;
  const dLat = (lat2 - lat1) * rad;
  const dLon = (lon2 - lon1) * rad;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * r * Math.asin(Math.min(1, Math.sqrt(a)));
}

// Metres from a point to a polygon's outline (0 inside), by the nearest segment on a local plane.
export function distanceTo(geometry, lon, lat) {
  if (contains(geometry, lon, lat)) return 0;
  const polygons = geometry?.type === 'Polygon' ? [geometry.coordinates]
    : geometry?.type === 'MultiPolygon' ? geometry.coordinates : [];
  const kx = 111320 * Math.cos((lat * Math.PI) / 180);
  const ky = 110540;
  let best = Infinity;
  for (const rings of polygons) {
    for (const ring of rings) {
      for (let i = 1; i < ring.length; i++) {
        const ax = (ring[i - 1][0] - lon) * kx; const ay = (ring[i - 1][1] - lat) * ky;
        const bx = (ring[i][0] - lon) * kx; const by = (ring[i][1] - lat) * ky;
        const dx = bx - ax; const dy = by - ay;
        const len = dx * dx + dy * dy;
        const t = len ? Math.max(0, Math.min(1, -(ax * dx + ay * dy) / len)) : 0;
        best = Math.min(best, Math.hypot(ax + t * dx, ay + t * dy));
      }
    }
  }
  return best;
}

// The pack's building at a point: the one containing it, else the nearest within radius metres.
export function buildingAt(buildings, lon, lat, radius = 30) {
  let nearest = null;
  let nearestM = Infinity;
  for (const entry of buildings) {
    const b = entry.building;
    if (metres(lon, lat, b.lon, b.lat) > radius + 2000) continue; // cheap cut before the outline
    if (contains(entry.footprint, lon, lat)) return entry;
    const d = distanceTo(entry.footprint, lon, lat);
    if (d <= radius && d < nearestM) { nearest = entry; nearestM = d; }
  }
  return nearest;
}

// Slippy-map tile numbers of a lon/lat at zoom z.
export function tileOf(lon, lat, z) {
  const n = 2 ** z;
  const x = Math.floor(((lon + 180) / 360) * n);
  const r = (lat * Math.PI) / 180;
  const y = Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * n);
  return [Math.min(n - 1, Math.max(0, x)), Math.min(n - 1, Math.max(0, y))];
}

// Every tile [z, x, y] covering bbox [west, south, east, north] from zMin to zMax; the highest zooms are
// dropped while the count exceeds `limit` (the list says which zooms it kept).
export function tilesOver(bbox, { zMin = 12, zMax = 17, limit = 4000 } = {}) {
  const [west, south, east, north] = bbox;
  for (let top = zMax; top >= zMin; top--) {
    const tiles = [];
    for (let z = zMin; z <= top; z++) {
      const [x0, y0] = tileOf(west, north, z);
      const [x1, y1] = tileOf(east, south, z);
      for (let x = x0; x <= x1; x++) for (let y = y0; y <= y1; y++) tiles.push([z, x, y]);
    }
    if (tiles.length <= limit || top === zMin) return { tiles: tiles.slice(0, limit), zMax: top };
  }
  return { tiles: [], zMax: zMin };
}

// The 楼盘表 document of a pack building (GET /api/buildings/{id}/floorplan's shape), from its households.
const GRADES = ['red', 'orange', 'yellow', 'green'];
const FLAGS = {
  floating: (p) => ['temporary', 'floating'].includes(p.residency),
  foreign: (p) => p.residency === 'foreign',
  key_person: (p) => (p.tags || []).includes('key_person'),
  elderly_alone: (p) => (p.tags || []).includes('elderly_alone'),
  left_behind_child: (p) => (p.tags || []).includes('left_behind_child'),
};

export function floorplanOf(entry, today = new Date()) {
  const rooms = entry.households.map((hh) => {
    const last = (hh.visits || []).map((v) => v.visited_at).sort().pop() || null;
    const grades = (hh.open_disputes || []).map((d) => d.grade).filter((g) => GRADES.includes(g))
      .sort((a, b) => GRADES.indexOf(a) - GRADES.indexOf(b));
    return {
      household_id: hh.id, unit: hh.unit, floor: hh.floor, room: hh.room, kind: hh.kind,
      residents: (hh.residents || []).length,
      flags: Object.keys(FLAGS).filter((flag) => (hh.residents || []).some(FLAGS[flag])),
      last_visit_at: last,
      days_since_visit: last ? Math.floor((today - new Date(last)) / 86400000) : null,
      dispute_colour: grades[0] || null,
    };
  });
  rooms.sort((a, b) => a.unit - b.unit || b.floor - a.floor || String(a.room).localeCompare(String(b.room)));
  // the 楼盘表's organisations (FloorplanOrganisation): the lookup's, with the number of current employees
  const organisations = (entry.organisations || []).map((o) => ({
    organisation_id: o.id, name: o.name, kind: o.kind, small_venue: o.small_venue, key_unit: o.key_unit,
    status: o.status, unit: o.unit, floor: o.floor, room: o.room, employees: o.employees.length,
  }));
  return { building: entry.building, rooms, organisations };
}

// Metres from a fix to a building's point (its centroid): what the form shows before the server measures
// the distance to the footprint (the visit form's GPS check, js/offline/gps.js's fix).
export function distanceToBuilding(fix, building) {
  if (!fix || building?.lon == null || building?.lat == null) return null;
  return Math.round(metres(fix.lon, fix.lat, Number(building.lon), Number(building.lat)));
}
