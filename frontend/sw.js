// The service worker: the app shell (HTML, JS modules, CSS, vendor files, icons) from a versioned cache so
// the app starts with the network off, and the map tiles the offline pack cached (js/offline/tiles.js).
// The server fills SHELL and VERSION when it serves this file (api/offline/shell.py): VERSION is a hash of
// the shell's files, so a release changes this file's bytes, the browser installs the new worker, which
// caches the new shell, then waits: the page offers "有新版本可用 · 立即更新" (js/main.js) and asks it to
// take over ('skip-waiting'); it deletes the old caches on activation. The first install activates at once.
// API calls are not handled here: the app reads the offline pack from IndexedDB and queues writes in its
// outbox (js/offline/). No Background Sync: the app syncs itself (on `online`, at start, on a timer).
const VERSION = 'dev';
const SHELL = [];
const SHELL_CACHE = `holomap-shell-${VERSION}`;
const TILE_CACHE = 'holomap-tiles'; // filled by the page when a pack is downloaded; wiped with the pack

// A versioned address (/r/<version>/…, api/frontend.py) names one file's bytes for good: the copy the page
// already has in the HTTP cache is the right one, so the install does not download it a second time (issue
// 22); the page and the manifest are asked again (revalidated).
self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(SHELL_CACHE)
    .then((cache) => cache.addAll(SHELL.map((url) => new Request(url,
      { cache: url.startsWith('/r/') ? 'default' : 'no-cache' })))));
});

self.addEventListener('message', (event) => {
  if (event.data?.type === 'skip-waiting') self.skipWaiting();
});

self.addEventListener('activate', (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((k) => k.startsWith('holomap-shell-') && k !== SHELL_CACHE)
      .map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === 'navigate') {
    // the page itself: the network (a new release's HTML), the cached shell when offline
    event.respondWith(fetch(request).catch(() => caches.match('/', { cacheName: SHELL_CACHE })
      .then((hit) => hit || Response.error())));
    return;
  }
  if (url.pathname.startsWith('/tiles/')) {
    event.respondWith(fetch(request).catch(() => caches.match(url.origin + url.pathname, { cacheName: TILE_CACHE })
      .then((hit) => hit || new Response(null, { status: 204 }))));
    return;
  }
  if (url.pathname === '/config.json') {
    event.respondWith(fetch(request).then((response) => {
      if (response.ok) {
        const copy = response.clone();
        caches.open(SHELL_CACHE).then((cache) => cache.put('/config.json', copy));
      }
      return response;
    }).catch(() => caches.match('/config.json', { cacheName: SHELL_CACHE }).then((hit) => hit || Response.error())));
    return;
  }
  if (url.pathname.startsWith('/api/') || url.pathname.startsWith('/ogc/')) return;
  // shell files: this release's copy (they change only with VERSION)
  event.respondWith(caches.match(url.pathname, { cacheName: SHELL_CACHE })
    .then((hit) => hit || fetch(request)));
});
