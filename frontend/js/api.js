// The one fetch wrapper: bearer token from sessionStorage, JSON in and out, errors as ApiError with the
// server's {detail, code, params}.
// Sliding session (issue 16): a 401 first renews the session (POST /api/auth/refresh, the refresh token
// used once) and retries; when that is refused, the sign-in dialog registered with onSessionExpired opens
// over the current screen and the call is retried after signing in — nothing typed is lost. Without a
// dialog (the boot), a 401 clears the token and sends the user back to the login page.
// Every POST/PUT/PATCH carries an Idempotency-Key (one per call, the same on its retry).
const TOKEN_KEY = 'holomap.token';
const REFRESH_KEY = 'holomap.refresh';
const EXPIRES_KEY = 'holomap.token_expires'; // ms since the epoch
const LOCKS_KEY = 'holomap.session_locks'; // ms: the refresh token locks unused after this

export class ApiError extends Error {
  // status (0: no connection), the server's English detail, its stable code and params (docs/ERRORS.md),
  // and for request validation (code request.validation) errors: [{field, code, params, message}].
  constructor(status, detail, { code = null, params = {}, errors = [] } = {}) {
    super(detail);
    this.status = status;
    this.detail = detail;
    this.code = code;
    this.params = params;
    this.errors = errors;
  }
}

export const token = {
  get: () => sessionStorage.getItem(TOKEN_KEY),
  set: (value) => sessionStorage.setItem(TOKEN_KEY, value),
  clear: () => {
    for (const key of [TOKEN_KEY, REFRESH_KEY, EXPIRES_KEY, LOCKS_KEY]) sessionStorage.removeItem(key);
  },
};

// Keep what a sign-in, a password change or a refresh answered (api/auth/schemas.py Token).
export function storeSession(body) {
  const now = Date.now();
  token.set(body.access_token);
  sessionStorage.setItem(EXPIRES_KEY, String(now + body.expires_in * 1000));
  if (body.refresh_token) {
    sessionStorage.setItem(REFRESH_KEY, body.refresh_token);
    sessionStorage.setItem(LOCKS_KEY, String(now + (body.refresh_expires_in ?? 0) * 1000));
  } else {
    sessionStorage.removeItem(REFRESH_KEY);
  }
}

let refreshing = null;
// Renew the session once (concurrent callers share one request): true when renewed.
export function refreshSession() {
  const refresh = sessionStorage.getItem(REFRESH_KEY);
  if (!refresh) return Promise.resolve(false);
  refreshing ??= (async () => {
    try {
      const response = await fetch('/api/auth/refresh', { method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify({ refresh_token: refresh }) });
      if (!response.ok) {
        sessionStorage.removeItem(REFRESH_KEY); // refused: used up, idle-locked or ended
        return false;
      }
      storeSession(await response.json());
      return true;
    } catch (err) {
      return false;
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

let reauthenticate = null;
let reauthenticating = null;
// fn(error) → Promise<boolean>: the in-place sign-in dialog (ui/signin-dialog.js), true once signed in.
export function onSessionExpired(fn) {
  reauthenticate = fn;
}

function signInAgain(err) {
  if (!reauthenticate) return Promise.resolve(false);
  reauthenticating ??= reauthenticate(err).finally(() => { reauthenticating = null; });
  return reauthenticating;
}

// While the user works, renew the session before the access token expires or the refresh token locks;
// an idle user is left to lock (the server's idle rule), and signs in again in place.
let lastActivity = Date.now();
export function keepSessionAlive({ every = 30000, margin = 120000 } = {}) {
  const mark = () => { lastActivity = Date.now(); };
  for (const type of ['pointerdown', 'keydown', 'input']) window.addEventListener(type, mark, { passive: true, capture: true });
  return setInterval(() => {
    const now = Date.now();
    const expires = Number(sessionStorage.getItem(EXPIRES_KEY) || 0);
    const locks = Number(sessionStorage.getItem(LOCKS_KEY) || 0);
    const due = Math.min(expires || Infinity, locks || Infinity) - margin;
    const renewedAt = Number(sessionStorage.getItem('holomap.renewed_at') || 0);
    if (now >= due && lastActivity > renewedAt && sessionStorage.getItem(REFRESH_KEY)) {
      sessionStorage.setItem('holomap.renewed_at', String(now));
      refreshSession();
    }
  }, every);
}

function idempotencyKey() {
  if (globalThis.crypto?.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16)); // UUID v4 outside secure contexts
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function authHeaders() {
  const value = token.get();
  return value ? { Authorization: `Bearer ${value}` } : {};
}

function withQuery(path, params) {
  if (!params) return path;
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value == null || value === '') continue;
    for (const item of Array.isArray(value) ? value : [value]) query.append(key, item);
  }
  const text = query.toString();
  return text ? `${path}${path.includes('?') ? '&' : '?'}${text}` : path;
}

function detailOf(body, response) {
  if (body && typeof body.detail === 'string') return body.detail;
  return `${response.status} ${response.statusText}`;
}

function errorOf(body, response) {
  const fields = body && typeof body === 'object' ? body : {};
  return new ApiError(response.status, detailOf(body, response), {
    code: typeof fields.code === 'string' ? fields.code : null,
    params: fields.params && typeof fields.params === 'object' ? fields.params : {},
    errors: Array.isArray(fields.errors) ? fields.errors : [],
  });
}

// While offline, GET requests the offline beat pack can answer are answered from it
// (offline/pack.js answerOffline: lookup, 楼盘表, beats, worklist, a household's visits, /api/me).
let offlineAnswer = null;
export function setOfflineAnswer(answer) {
  offlineAnswer = answer;
}

function fromPack(method, path, params) {
  return method === 'GET' && offlineAnswer ? offlineAnswer(path, params || {}) : undefined;
}

export async function request(method, path, { params, json, form, headers, signal } = {}) {
  if (navigator.onLine === false) {
    const answer = fromPack(method, path, params);
    if (answer !== undefined) return answer;
  }
  const extra = { ...headers };
  if (['POST', 'PUT', 'PATCH'].includes(method) && !Object.keys(extra).some((k) => k.toLowerCase() === 'idempotency-key')) {
    extra['Idempotency-Key'] = idempotencyKey();
  }
  for (let attempt = 0; ; attempt += 1) {
    const init = { method, headers: { Accept: 'application/json', ...authHeaders(), ...extra }, signal };
    if (json !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(json);
    } else if (form instanceof FormData) {
      init.body = form; // multipart (file uploads): the browser sets Content-Type with the boundary
    } else if (form !== undefined) {
      init.body = new URLSearchParams(form);
    }
    let response;
    try {
      response = await fetch(withQuery(path, params), init);
    } catch (err) {
      if (err.name === 'AbortError') throw err;
      const answer = fromPack(method, path, params);
      if (answer !== undefined) return answer;
      throw new ApiError(0, 'network');
    }
    const type = response.headers.get('content-type') || '';
    const body = type.includes('json') ? await response.json().catch(() => null) : null;
    if (response.status === 401 && token.get() && !path.startsWith('/api/auth/')) {
      const error = errorOf(body, response);
      if (attempt < 2 && (await refreshSession() || await signInAgain(error))) continue; // the same call again
      token.clear();
      window.dispatchEvent(new CustomEvent('holomap:unauthorized', { detail: { code: error.code } }));
    }
    if (!response.ok) throw errorOf(body, response);
    return body;
  }
}

export const api = {
  get: (path, params, opts) => request('GET', path, { params, ...opts }),
  post: (path, json, opts) => request('POST', path, { json, ...opts }),
  put: (path, json, opts) => request('PUT', path, { json, ...opts }),
  patch: (path, json, opts) => request('PATCH', path, { json, ...opts }),
  del: (path, opts) => request('DELETE', path, opts),
  // upload('/api/import/people', {file, dry_run: true}): multipart form; File/Blob values as files.
  upload: (path, fields, opts) => {
    const form = new FormData();
    for (const [key, value] of Object.entries(fields)) {
      if (value == null || value === '') continue;
      if (value instanceof Blob) form.append(key, value, value.name || key);
      else form.append(key, String(value));
    }
    return request('POST', path, { form, ...opts });
  },
};

// download('/api/audit.csv', params, 'audit.csv'): a file fetched with the token, saved by the browser.
export async function download(path, params, filename) {
  let response;
  try {
    response = await fetch(withQuery(path, params), { headers: { ...authHeaders() } });
  } catch (err) {
    throw new ApiError(0, 'network');
  }
  if (!response.ok) throw errorOf(await response.json().catch(() => null), response);
  const disposition = response.headers.get('content-disposition') || '';
  const name = (disposition.match(/filename="([^"]+)"/) || [])[1] || filename;
  const url = URL.createObjectURL(await response.blob());
  const link = Object.assign(document.createElement('a'), { href: url, download: name });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
  return name;
}

export async function login(username, password) {
  const body = await request('POST', '/api/auth/token', { form: { username, password } });
  storeSession(body);
  return body;
}

// Sign out: the server revokes the token and its session (best effort), then forget them here.
export async function logout() {
  if (token.get()) await fetch('/api/auth/logout', { method: 'POST', headers: authHeaders() }).catch(() => null);
  token.clear();
}
