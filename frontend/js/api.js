// The one fetch wrapper: bearer token from sessionStorage, JSON in and out, errors as ApiError with the
// server's {detail, code, params}; a 401 clears the token and sends the user back to the login page.
const TOKEN_KEY = 'holomap.token';

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
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

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
  const init = { method, headers: { Accept: 'application/json', ...authHeaders(), ...headers }, signal };
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
  if (response.status === 401 && token.get()) {
    token.clear();
    window.dispatchEvent(new CustomEvent('holomap:unauthorized', { detail: { code: body?.code ?? null } }));
  }
  if (!response.ok) throw errorOf(body, response);
  return body;
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
  token.set(body.access_token);
  return body;
}

export function logout() {
  token.clear();
}
