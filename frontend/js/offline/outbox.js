// The outbox: field writes (visits, disputes, dispute events, registrations and corrections) kept in
// IndexedDB until the server acknowledged them. Each item carries a client-made Idempotency-Key (UUID v4)
// that is sent, identical, every time the item is sent, so a replay after a crash (sent, but the answer
// never arrived) is recognised by the server. Items are sent in the order they were made; an item leaves
// the outbox only on a 2xx answer. A 4xx (other than 401) keeps it, marked failed with the server's
// reason, for the user to retry or discard — nothing is dropped silently. No connection, a 401 or a 5xx
// stops the run; the rest waits for the next one. Sync runs on `online`, at app start, on a timer and
// after each new item (never Background Sync).
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

export async function items() {
  try {
    return (await idb.all('outbox')).sort((a, b) => a.seq - b.seq);
  } catch (err) {
    return [];
  }
}

export function results() {
  return recent.slice();
}

// Add a write to the outbox; the item (with its seq).
export async function enqueue(method, path, body, { label = '' } = {}) {
  const item = { key: uuid4(), method, path, body, label, user_id: userId, status: 'pending', attempts: 0,
    created_at: new Date().toISOString(), error: null };
  item.seq = await idb.add('outbox', item);
  changed();
  return item;
}

async function sendOne(item) {
  item.attempts += 1;
  item.last_attempt_at = new Date().toISOString();
  await idb.put('outbox', item);
  return request(item.method, item.path, { json: item.body, headers: { 'Idempotency-Key': item.key } });
}

function remember(item, outcome) {
  recent.unshift({ seq: item.seq, label: item.label, at: new Date().toISOString(), ...outcome });
  recent.length = Math.min(recent.length, RECENT);
}

// One pass over the outbox, in order. → {sent, failed, stopped}
async function run({ only = null } = {}) {
  const summary = { sent: 0, failed: 0, stopped: null, answers: new Map() };
  if (!navigator.onLine || !token.get()) return { ...summary, stopped: 'offline' };
  for (const item of await items()) {
    if (item.status === 'failed' && item.seq !== only) continue; // waits for the user: retry or discard
    if (item.user_id !== userId) continue; // another account's work: sent when that user signs in
    try {
      const body = await sendOne(item);
      await idb.del('outbox', item.seq);
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
export async function fieldWrite(method, path, body, { label = '' } = {}) {
  const item = await enqueue(method, path, body, { label });
  const summary = await sync();
  const answer = summary.answers.get(item.seq);
  if (answer?.ok) return answer.body;
  if (answer && !answer.retry) {
    await idb.del('outbox', item.seq);
    recent.shift();
    changed();
    throw answer.error;
  }
  return null;
}

export async function retry(seq) {
  const item = await idb.get('outbox', seq);
  if (!item) return null;
  item.status = 'pending';
  await idb.put('outbox', item);
  return sync();
}

// Discard an item the user chose to give up (a failed one, after reading the server's reason).
export async function discard(seq) {
  await idb.del('outbox', seq);
  changed();
}

export async function clearOutbox() {
  try { await idb.clear('outbox'); } catch (err) { /* no database */ }
  changed();
}

// Sync now, whenever the connection comes back, and every `everyMs`.
export function startSync({ everyMs = 30000 } = {}) {
  window.addEventListener('online', () => sync());
  if (timer) clearInterval(timer);
  timer = setInterval(() => sync(), everyMs);
  return sync();
}
