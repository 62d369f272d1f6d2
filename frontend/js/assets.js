// Addresses of the app's own files (css, img), resolved against this module's own address: under a
// release's versioned prefix (/r/<version>/js/assets.js, api/frontend.py) they carry the same version, so
// they are the files of the page's release and the service worker's shell has them.
const ROOT = new URL('../', import.meta.url);

/** `asset('css/plan.css')` → `/r/<version>/css/plan.css` (or `/css/plan.css` on an unversioned page). */
export const asset = (path) => new URL(path, ROOT).pathname;

/** An ES module of the app, the same instance the page uses (`module('offline/db.js')`: tests, console). */
export const module = (path) => import(new URL(`js/${path}`, ROOT).href);
