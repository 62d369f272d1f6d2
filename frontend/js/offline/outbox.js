// The outbox: field writes (visits, disputes, dispute events, registrations and corrections) kept in
// IndexedDB until the server acknowledged them. Each item carries a client-made Idempotency-Key (UUID v4)
// that is sent, identical, every time the item is sent, so a replay after a crash (sent, but the answer
// never arrived) is recognised by the server. Items are sent in the order they were made; an item leaves
// the outbox only on a 2xx answer. A 4xx (other than 401) keeps it, marked failed with the server's
// reason, for the user to retry or discard — nothing is dropped silently. No connection, a 401 or a 5xx
// stops the run; the rest waits for the next one. Sync runs on `online`, at app start, on a timer and
// after each new item (never Background Sync).
// Photos are items too: a multipart `form` (the resized JPEG kept as a Blob) that follows the visit or
// dispute it belongs to (`after: {seq, field}`); when that item is answered, its server id is written
// into the photo's form before the item leaves the outbox, so the photo is sent next, with its own key.
// Items belong to the user who made them: they are listed and sent only for that user (js/main.js decides
// what sign-out does with them; docs/DECISIONS.md).
import { ApiError, request, token } from '../api.js';
import { idb } from './db.js';

const RECENT = 30;
const recent = []; // the latest sync results {seq, label, ok, status, code, at}
let chain = Promise.resolve();
let timer = null;
let userId = null; // items are sent only with the token of the user who made them

export function setOutboxUser(id) {
  userId = id;
}

export function uuid4() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function changed() {
  window.dispatchEvent(new CustomEvent('holomap:outbox'));
}

async function allItems() {
  try {
    return (await idb.all('outbox')).sort((a, b) => a.seq - b.seq);
  } catch (err) {
    return [];
  }
}

// The signed-in user's items, oldest first (another account's stay hidden and unsent).
export async function items() {
  return (await allItems()).filter((item) => item.user_id === userId);
}

// The visits waiting in the outbox for one household (its history shows them as 待发送), with their photos.
export async function queuedVisits(householdId) {
  const mine = await items();
  return mine.filter((i) => i.method === 'POST' && i.path === '/api/visits' && i.body?.household_id === householdId)
    .map((visit) => ({ ...visit, photos: mine.filter((p) => p.after?.seq === visit.seq && p.form?.file)
      .map((p) => p.form.file) }));
}

// The photos of a building waiting in the outbox (its 门头照 section shows them as 待发送).
export async function queuedBuildingPhotos(buildingId) {
  return (await items()).filter((i) => i.path === '/api/photos' && i.form?.file && i.form.building_id === buildingId)
    .map((i) => ({ seq: i.seq, status: i.status, file: i.form.file }));
}

export function results() {
  return recent.slice();
}

// Add a write to the outbox; the item (with its seq).
// form: multipart fields instead of a JSON body (Blob values as files); after: {seq, field}: sent once the
// item `seq` was answered, with that answer's id as `field`.
// edit: {form, household}: which form corrects the item when the server refuses it (ui/outbox-edit.js).
export async function enqueue(method, path, body, { label = '', form = null, after = null, edit = null } = {}) {
  const item = { key: uuid4(), method, path, body, form, after, edit, label, user_id: userId, status: 'pending',
    attempts: 0, created_at: new Date().toISOString(), error: null };
  item.seq = await idb.add('outbox', item);
  changed();
  return item;
}

async function sendOne(item) {
  item.attempts += 1;
  item.last_attempt_at = new Date().toISOString();
  await idb.put('outbox', item);
  const headers = { 'Idempotency-Key': item.key };
  if (!item.form) return request(item.method, item.path, { json: item.body, headers });
  const form = new FormData();
  for (const [name, value] of Object.entries(item.form)) {
    if (value == null) continue;
    if (value instanceof Blob) form.append(name, value, value.name || `${name}.jpg`);
    else form.append(name, String(value));
  }
  return request(item.method, item.path, { form, headers });
}

// The items waiting for `item`'s answer get its id (kept before `item` leaves the outbox: a crash in between
// replays `item` with its key, and the server answers the same id).
// `list`: the run's copies, updated too.
async function resolveFollowers(item, body, list) {
  for (const follower of list) {
    if (follower.after?.seq !== item.seq || follower.after.resolved) continue;
    const target = follower.form || follower.body;
    target[follower.after.field] = body?.id;
    follower.after.resolved = true;
    await idb.put('outbox', follower);
  }
}

// Whether an item still waits for the one it follows (which failed, or is still to be sent).
function waiting(item, byseq) {
  return item.after && !item.after.resolved && byseq.has(item.after.seq);
}

function remember(item, outcome) {
  recent.unshift({ seq: item.seq, label: item.label, at: new Date().toISOString(), ...outcome });
  recent.length = Math.min(recent.length, RECENT);
}

// One pass over the outbox, in order. → {sent, failed, stopped}
async function run({ only = null } = {}) {
  const summary = { sent: 0, failed: 0, stopped: null, answers: new Map() };
  if (!navigator.onLine || !token.get()) return { ...summary, stopped: 'offline' };
  const list = await items(); // another account's work is sent when that user signs in
  const byseq = new Set(list.map((i) => i.seq));
  for (const item of list) {
    if (item.status === 'failed' && item.seq !== only) continue; // waits for the user: retry or discard
    if (waiting(item, byseq)) continue; // its visit or dispute is refused: corrected first
    try {
      const body = await sendOne(item);
      await resolveFollowers(item, body, list);
      await idb.del('outbox', item.seq);
      byseq.delete(item.seq);
      summary.sent += 1;
      summary.answers.set(item.seq, { ok: true, body });
      remember(item, { ok: true, status: 200 });
    } catch (err) {
      const status = err instanceof ApiError ? err.status : 0;
      if (status === 0 || status === 401 || status === 408 || status === 429 || status >= 500) {
        summary.stopped = status === 0 ? 'offline' : String(status);
        summary.answers.set(item.seq, { ok: false, error: err, retry: true });
        break; // the rest keeps its order and waits for the next run
      }
      item.status = 'failed';
      item.error = { status, code: err.code, params: err.params, detail: err.detail, errors: err.errors };
      await idb.put('outbox', item);
      summary.failed += 1;
      summary.answers.set(item.seq, { ok: false, error: err });
      remember(item, { ok: false, status, code: err.code });
    }
  }
  changed();
  return summary;
}

// Run a sync after the ones already running (one at a time).
export function sync(options) {
  const next = chain.then(() => run(options));
  chain = next.catch(() => {});
  return next;
}

// A field write through the outbox. Online: sent now (after older items), the server's answer returned; a
// 4xx is thrown to the form for correction there and the item leaves the outbox (the form keeps the input).
// Offline (or no answer): the item stays queued and null is returned.
// photos: [{path, field, blob, label}] sent right after the write, each with its own key, with the write's
// id as `field` (queued with it when offline). The answer (online) is the write's, with `photos_queued`:
// how many photos are still waiting (a refused photo stays in the outbox with its reason).
export async function fieldWrite(method, path, body, { label = '', photos = [], edit = null } = {}) {
  const item = await enqueue(method, path, body, { label, edit });
  const followers = [];
  for (const photo of photos) {
    followers.push(await enqueue('POST', photo.path, null, { label: photo.label,
      form: { file: photo.blob, [photo.field]: null }, after: { seq: item.seq, field: photo.field } }));
  }
  const summary = await sync();
  const answer = summary.answers.get(item.seq);
  if (answer?.ok) {
    const left = followers.filter((f) => !summary.answers.get(f.seq)?.ok).length;
    return answer.body && typeof answer.body === 'object' ? { ...answer.body, photos_queued: left } : answer.body;
  }
  if (answer && !answer.retry) {
    for (const doomed of [item, ...followers]) await idb.del('outbox', doomed.seq); // the form keeps them
    recent.shift();
    changed();
    throw answer.error;
  }
  return null;
}

// Photos of something already on the server (a building's 门头照): each an outbox item with its own key,
// `field` = id. Sent now when online. → {sent, queued, refused: [{index, error}]}: a refused photo (4xx)
// leaves the outbox and is handed back to the form (it still holds the picture); the others are sent or
// wait for the connection like any write.
export async function sendPhotos(photos, id) {
  const queued = [];
  for (const photo of photos) {
    queued.push(await enqueue('POST', photo.path, null, { label: photo.label,
      form: { file: photo.blob, [photo.field]: id } }));
  }
  const summary = await sync();
  const outcome = { sent: 0, queued: 0, refused: [] };
  for (const [index, item] of queued.entries()) {
    const answer = summary.answers.get(item.seq);
    if (answer?.ok) outcome.sent += 1;
    else if (answer && !answer.retry) {
      await idb.del('outbox', item.seq);
      const shown = recent.findIndex((r) => r.seq === item.seq);
      if (shown >= 0) recent.splice(shown, 1); // the form shows the reason
      outcome.refused.push({ index, error: answer.error });
    } else outcome.queued += 1;
  }
  if (outcome.refused.length) changed();
  return outcome;
}

export async function retry(seq) {
  const item = await idb.get('outbox', seq);
  if (!item) return null;
  item.status = 'pending';
  await idb.put('outbox', item);
  return sync();
}

// A refused item corrected in its form: the new body, sent now with a new key (the refused request stored
// no key: a rolled-back write leaves none). → the server's answer; a new refusal is thrown (the item stays,
// failed, with the new reason); null when it could not be sent (it waits, pending).
export async function correctItem(seq, body) {
  const item = await idb.get('outbox', seq);
  if (!item) return null;
  Object.assign(item, { body, key: uuid4(), status: 'pending', error: null });
  await idb.put('outbox', item);
  changed();
  const answer = (await sync()).answers.get(seq);
  if (answer?.ok) return answer.body;
  if (answer && !answer.retry) throw answer.error;
  return null;
}

// Discard an item the user chose to give up (a failed one, after reading the server's reason).
// Its photos go with it (they cannot be sent without it).
export async function discard(seq) {
  for (const follower of await allItems()) {
    if (follower.after?.seq === seq && !follower.after.resolved) await idb.del('outbox', follower.seq);
  }
  await idb.del('outbox', seq);
  changed();
}

// Delete the signed-in user's items (sign-out chose to give them up); another account's are left alone.
export async function clearOutbox() {
  try {
    for (const item of await items()) await idb.del('outbox', item.seq);
  } catch (err) { /* no database */ }
  changed();
}

// Sync now, whenever the connection comes back, and every `everyMs`.
export function startSync({ everyMs = 30000 } = {}) {
  window.addEventListener('online', () => sync());
  if (timer) clearInterval(timer);
  timer = setInterval(() => sync(), everyMs);
  return sync();
}
