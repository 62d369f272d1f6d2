// t('section.key', {param}) → the zh-CN label; a missing key shows itself so gaps are visible.
// The dictionary comes in parts (./zh-CN/<part>.js, issue 22): `base` (sign-in, shell, errors, offline
// panel: every screen) is loaded with this module; a screen's own parts are loaded before it mounts
// (`labels` of its entry in js/screens/index.js, by loadLabels). A module that opens another screen's
// form or dialog awaits loadLabels('<part>') first. frontend/tests/label-parts.test.mjs checks that every
// label a screen's modules name is in the parts that screen loads.
import base from './zh-CN/base.js';

// The parts a screen may load. Literal import()s, so the file crawler (bench/screens.py) and the service
// worker's shell (every file under js/, api/offline/shell.py) know them.
export const PARTS = {
  map: () => import('./zh-CN/map.js'),
  plan: () => import('./zh-CN/plan.js'),
  dashboard: () => import('./zh-CN/dashboard.js'),
  report: () => import('./zh-CN/report.js'),
  quality: () => import('./zh-CN/quality.js'),
  admin: () => import('./zh-CN/admin.js'),
  members: () => import('./zh-CN/members.js'),
};

// The labels loaded so far, one object: the parts merged at any depth (a section split over parts, such as
// dashboard.categories in base or errors.codes of a screen's API in its part, is merged key by key).
export const labels = {};
const loaded = new Map();

const isObject = (value) => value !== null && typeof value === 'object';

export function mergeLabels(target, part) {
  for (const [key, value] of Object.entries(part)) {
    if (isObject(value)) mergeLabels(isObject(target[key]) ? target[key] : (target[key] = {}), value);
    else target[key] = value;
  }
  return target;
}

mergeLabels(labels, base);

// Load parts by name ('map', 'dashboard', …); resolves when their labels are in `labels`.
export function loadLabels(...names) {
  return Promise.all(names.map((name) => {
    if (!PARTS[name]) return Promise.reject(new Error(`no label part ${name}`));
    if (!loaded.has(name)) {
      loaded.set(name, PARTS[name]().then((m) => { mergeLabels(labels, m.default); }, (err) => {
        loaded.delete(name); // a later attempt may succeed (the network came back)
        throw err;
      }));
    }
    return loaded.get(name);
  }));
}

export function t(key, params) {
  const value = key.split('.').reduce((node, part) => (node == null ? undefined : node[part]), labels);
  if (value == null) return key;
  if (typeof value !== 'string') return value;
  return params ? fill(value, params) : value;
}

// '{name}' placeholders of a label filled from params (unknown names stay as they are).
export function fill(text, params) {
  return text.replace(/\{(\w+)\}/g, (m, name) => (params && name in params ? String(params[name]) : m));
}

// A label for a domain value, falling back to the raw value (e.g. tag('key_person') → 重点人员).
export function label(section, value) {
  const found = t(`${section}.${value}`);
  return found === `${section}.${value}` ? String(value) : found;
}
