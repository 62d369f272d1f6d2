// The offline beat pack: downloaded from GET /api/offline/pack (progress by bytes), kept in IndexedDB with
// the signed-in user's /api/me answer, wiped at expiry, at sign-out and when an online start finds the
// session ended (account disabled, password changed, signed out elsewhere). While the network is off the
// app's GET requests for lookup, 楼盘表, beats, worklist, a household's visits, the disputes layer, a
// dispute's detail and search are answered from it (answerOffline, called by api.js) — masked data only,
// as the pack holds; the map tiles of the beats are kept in the service worker's cache.
import { authHeaders, ApiError } from '../api.js';
import { askPersistence, idb } from './db.js';

export const PACK_VERSION = 1;
export const TILE_CACHE = 'holomap-tiles';
const TILE_LAYERS = ['beats', 'villages', 'buildings'];
let current; // the loaded pack (undefined: not read yet, null: none)

function expired(pack) {
  return !pack || pack.version !== PACK_VERSION || !(new Date(pack.expires_at) > new Date());
}

// The stored pack, or null (an expired or outdated one is wiped on the way).
// The pack's geometry (the building under a point, its 楼盘表, the tiles over the beats) is imported with a
// pack (found at start, or downloaded), not on every first load (issue 22); the service worker keeps it.
let geometry = null;
async function withGeometry() {
  geometry ??= await import('./geometry.js');
  return geometry;
}

export async function loadPack() {
  if (current !== undefined) {
    if (current && expired(current)) await wipePack();
    return current;
  }
  let pack = null;
  try {
    pack = (await idb.get('pack', 'current')) || null;
  } catch (err) {
    pack = null;
  }
  current = pack;
  if (pack && expired(pack)) await wipePack();
  if (current) await withGeometry().catch(() => null); // (then the pack cannot answer: the network does)
  return current;
}

export function packNow() {
  return current || null;
}

export async function wipePack() {
  current = null;
  try { await idb.del('pack', 'current'); } catch (err) { /* no database: nothing to wipe */ }
  try { if (window.caches) await caches.delete(TILE_CACHE); } catch (err) { /* no cache storage */ }
  window.dispatchEvent(new CustomEvent('holomap:pack'));
}

// Download and store the pack: onProgress(received, total) as the bytes arrive. → {pack, bytes, ms}
export async function downloadPack(me, { onProgress = () => {} } = {}) {
  const started = performance.now();
  let response;
  try {
    response = await fetch('/api/offline/pack', { headers: { Accept: 'application/json', ...authHeaders() } });
  } catch (err) {
    throw new ApiError(0, 'network');
  }
  if (!response.ok) {
    const body = await response.json().catch(() => null);
    throw new ApiError(response.status, body?.detail || String(response.status), { code: body?.code, params: body?.params || {} });
  }
  const total = Number(response.headers.get('X-Holomap-Pack-Bytes')) || 0;
  const reader = response.body.getReader();
  const chunks = [];
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    received += value.length;
    onProgress(received, total);
  }
  const bytes = new Uint8Array(received);
  let at = 0;
  for (const chunk of chunks) { bytes.set(chunk, at); at += chunk.length; }
  const pack = JSON.parse(new TextDecoder().decode(bytes));
  pack.me = me;
  pack.bytes = received;
  pack.downloaded_at = new Date().toISOString();
  await idb.put('pack', pack, 'current');
  await withGeometry();
  current = pack;
  await askPersistence();
  window.dispatchEvent(new CustomEvent('holomap:pack'));
  return { pack, bytes: received, ms: performance.now() - started };
}

// Cache the beats' map tiles (z12–z17 over the beats' box, at most `limit` per layer). → {tiles, bytes}
export async function cacheTiles(pack, { onProgress = () => {}, limit = 1500 } = {}) {
  if (!pack?.bbox || !window.caches) return { tiles: 0, bytes: 0, zMax: null };
  const { tilesOver } = await withGeometry();
  const { tiles, zMax } = tilesOver(pack.bbox, { zMin: 12, zMax: 17, limit });
  const urls = TILE_LAYERS.flatMap((layer) => tiles.map(([z, x, y]) => `/tiles/${layer}/${z}/${x}/${y}.mvt`));
  const cache = await caches.open(TILE_CACHE);
  let done = 0;
  let bytes = 0;
  const queue = [...urls];
  async function worker() {
    while (queue.length) {
      const url = queue.shift();
      try {
        const response = await fetch(url, { headers: authHeaders(), credentials: 'same-origin' });
        if (response.ok) {
          const body = await response.arrayBuffer();
          bytes += body.byteLength;
          await cache.put(url, new Response(body, { status: response.status,
            headers: { 'Content-Type': response.headers.get('Content-Type') || 'application/x-protobuf' } }));
        }
      } catch (err) { /* a tile that failed stays uncached: the map shows it blank offline */ }
      onProgress(++done, urls.length);
    }
  }
  await Promise.all([worker(), worker(), worker(), worker()]);
  current && Object.assign(current, { tile_count: urls.length, tile_bytes: bytes, tile_zmax: zMax });
  if (current) await idb.put('pack', current, 'current');
  return { tiles: urls.length, bytes, zMax };
}

function notInPack(lon, lat) {
  return new ApiError(404, 'no building of the offline pack here', { code: 'lookup.no_building',
    params: { lon, lat } });
}

function entryById(pack, id) {
  return pack.buildings.find((b) => String(b.building.id) === String(id));
}

function householdById(pack, id) {
  for (const entry of pack.buildings) {
    const found = entry.households.find((hh) => String(hh.id) === String(id));
    if (found) return found;
  }
  return null;
}

// The answer of a GET from the pack while offline, or undefined when the pack cannot answer it.
export function answerOffline(path, params = {}) {
  const pack = current;
  if (!pack || expired(pack) || !geometry) return undefined;
  const { buildingAt, floorplanOf } = geometry;
  if (path === '/api/lookup') {
    const lon = Number(params.lon);
    const lat = Number(params.lat);
    const entry = buildingAt(pack.buildings, lon, lat);
    if (!entry) throw notInPack(lon, lat);
    return { building: entry.building, households: entry.households, organisations: entry.organisations,
      incidents_nearby: [], offline: true };
  }
  let m = path.match(/^\/api\/buildings\/(\d+)\/floorplan$/);
  if (m) {
    const entry = entryById(pack, m[1]);
    if (!entry) throw new ApiError(404, 'not in the offline pack', { code: 'building.not_in_scope' });
    return floorplanOf(entry);
  }
  m = path.match(/^\/api\/buildings\/(\d+)\/households$/);
  if (m) { // the next households of a lookup answered online (the pack's building has them all)
    const entry = entryById(pack, m[1]);
    if (!entry) throw new ApiError(404, 'not in the offline pack', { code: 'building.not_in_scope' });
    const offset = Number(params.offset) || 0;
    const limit = Number(params.limit) || 100;
    return { building_id: entry.building.id, offset, limit, total: entry.households.length,
      households: entry.households.slice(offset, offset + limit) };
  }
  m = path.match(/^\/api\/households\/(\d+)\/visits$/);
  if (m) {
    const hh = householdById(pack, m[1]);
    if (!hh) return undefined;
    return { total: hh.visits.length, visits: hh.visits.map((v) => ({ ...v, user_name: v.by, editable: false })) };
  }
  if (path === '/api/beats') {
    return { type: 'FeatureCollection', features: pack.beats.map((b) => ({ type: 'Feature', id: b.id,
      geometry: b.geometry, properties: { id: b.id, code: b.code, name: b.name, in_scope: true, members: [] } })) };
  }
  if (path === '/api/disputes') {
    const list = openDisputes(pack);
    return { total: list.length, disputes: list };
  }
  m = path.match(/^\/api\/disputes\/(\d+)$/);
  if (m) {
    const found = openDisputes(pack).find((d) => String(d.id) === m[1]);
    if (!found) throw new ApiError(404, 'not in the offline pack', { code: 'dispute.not_in_scope', params: { dispute_id: Number(m[1]) } });
    return found;
  }
  if (path === '/api/search') return { q: params.q, results: searchPack(pack, String(params.q || '').trim()) };
  if (path === '/api/worklist') return pack.worklist;
  if (path === '/api/me') return pack.me;
  return undefined;
}

// The open disputes of the pack's households, once each, on their household's building (the layer's dot
// sits there online too), with what the pack knows: no parties or timeline offline; the moves and events
// the pack's `dispute_rules` allow for its status and level (the server's lifecycle and the user's
// capabilities at download). A move or event recorded offline is queued; the server checks it again when it
// arrives (a refusal keeps it in the outbox for the user).
function openDisputes(pack) {
  const rules = pack.dispute_rules || {}; // a pack downloaded before the rules were carried: no actions
  const seen = new Map();
  for (const entry of pack.buildings) {
    for (const hh of entry.households) {
      for (const d of hh.open_disputes || []) {
        if (seen.has(d.id)) continue;
        seen.set(d.id, { ...d, lon: entry.building.lon, lat: entry.building.lat, household_id: hh.id,
          summary: null, parties: [], events: [], photo_ids: [],
          allowed_transitions: rules[d.status]?.[d.level]?.transitions || [],
          allowed_events: rules[d.status]?.[d.level]?.events || [],
          overdue: false, offline: true });
      }
    }
  }
  return [...seen.values()];
}

function roomOf(hh) {
  return `${hh.unit ?? 1}单元${hh.room ?? ''}`;
}

// Search in the pack as /api/search answers (residents by name, households by room or 户号, vehicles by the
// masked plate's visible part, buildings by address, organisations by name): exact, then prefix, then
// contains; at most 20. ID numbers are masked in the pack, so they are not searchable offline.
export function searchPack(pack, q) {
  if (q.length < 2) throw new ApiError(422, 'type at least 2 characters to search', { code: 'search.too_short', params: { min: 2 } });
  const hits = [];
  const rank = (text) => {
    if (!text) return null;
    const value = String(text);
    if (value === q) return 0;
    if (value.startsWith(q)) return 1;
    return value.includes(q) ? 2 : null;
  };
  const add = (type, id, label, detail, entry, householdId, r) => {
    if (r == null) return;
    hits.push({ type, id, label, detail, household_id: householdId, building_id: entry.building.id, rank: r,
      lon: entry.building.lon, lat: entry.building.lat });
  };
  for (const entry of pack.buildings) {
    const address = entry.building.address || '';
    add('building', entry.building.id, address, null, entry, null, rank(address));
    for (const hh of entry.households) {
      const room = roomOf(hh);
      const r = [rank(room), rank(`${address}${room}`), rank(hh.hukou_no)].filter((x) => x != null);
      add('household', hh.id, `${address} ${room}`, hh.hukou_no || null, entry, hh.id, r.length ? Math.min(...r) : null);
      for (const p of hh.residents || []) {
        add('person', p.id, p.name, `${p.id_number_masked || ''} · ${address} ${room}`, entry, hh.id, rank(p.name));
      }
      for (const v of hh.vehicles || []) {
        const visible = String(v.plate_masked || '').split('*').filter(Boolean);
        const r2 = visible.map(rank).filter((x) => x != null);
        add('vehicle', v.id, v.plate_masked, `${address} ${room}`, entry, hh.id, r2.length ? Math.max(1, Math.min(...r2)) : null);
      }
    }
    for (const o of entry.organisations || []) add('organisation', o.id, o.name, address, entry, null, rank(o.name));
  }
  return hits.sort((a, b) => a.rank - b.rank || a.label.localeCompare(b.label, 'zh-CN')).slice(0, 20);
}
