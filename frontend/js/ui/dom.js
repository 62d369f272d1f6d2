// h('div.card', {onclick, title}, child, …): small element builder. Text children are set as text,
// never as HTML, so data from the server cannot inject markup.
export function h(spec, attrs, ...children) {
  const [tag, ...classes] = spec.split('.');
  const node = document.createElement(tag || 'div');
  if (classes.length) node.className = classes.join(' ');
  if (attrs && (typeof attrs !== 'object' || attrs instanceof Node || Array.isArray(attrs))) {
    children.unshift(attrs);
    attrs = null;
  }
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value == null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') node.addEventListener(key.slice(2), value);
    else if (key === 'class') node.className += (node.className ? ' ' : '') + value;
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key === 'style' && typeof value === 'object') Object.assign(node.style, value);
    else if (value === true) node.setAttribute(key, '');
    else node.setAttribute(key, value);
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child == null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

// Attributes of a box that scrolls (a wide table): keyboard users reach it to scroll it with the arrow keys,
// screen readers hear it as a named region. h('div.table-scroll', scrollable('审计日志'), table).
export function scrollable(label) {
  return { tabindex: '0', role: 'region', 'aria-label': label };
}

export function clear(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}

// A tiny svg icon set (stroke icons), so no icon font or image request is needed.
const ICONS = {
  search: 'M11 4a7 7 0 1 0 0 14 7 7 0 0 0 0-14zM21 21l-4.3-4.3',
  close: 'M6 6l12 12M18 6L6 18',
  menu: 'M4 6h16M4 12h16M4 18h16',
  list: 'M9 6h11M9 12h11M9 18h11M4 5v2M4 11v2M4 17v2',
  chevron: 'M15 6l-6 6 6 6',
  layers: 'M12 3l9 5-9 5-9-5zM3 13l9 5 9-5',
  locate: 'M12 8a4 4 0 1 0 0 8 4 4 0 0 0 0-8zM12 2v3M12 19v3M2 12h3M19 12h3',
  home: 'M3 11l9-7 9 7v9a1 1 0 0 1-1 1h-5v-6H9v6H4a1 1 0 0 1-1-1z',
  logout: 'M15 4h4a1 1 0 0 1 1 1v14a1 1 0 0 1-1 1h-4M10 8l-4 4 4 4M6 12h10',
  user: 'M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8zM4 21c0-4 4-6 8-6s8 2 8 6',
  target: 'M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18zM12 9a3 3 0 1 0 0 6 3 3 0 0 0 0-6z',
};

export function icon(name, size = 18) {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('width', size);
  svg.setAttribute('height', size);
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('class', 'icon');
  const path = document.createElementNS(ns, 'path');
  path.setAttribute('d', ICONS[name] || '');
  svg.append(path);
  return svg;
}

export function toast(message, kind = 'info', ms = 3500) {
  let host = document.querySelector('.toasts');
  if (!host) host = document.body.appendChild(h('div.toasts', { role: 'status' }));
  const node = h(`div.toast.toast-${kind}`, message);
  host.append(node);
  setTimeout(() => node.remove(), ms);
}

// Addresses of the app's own files (css, img), resolved against this module's own address: under a release's
// versioned prefix (/r/<version>/js/ui/dom.js, api/frontend.py) they carry the same version, so they are the
// files of the page's release and the service worker's shell has them.
const APP_ROOT = new URL('../../', import.meta.url);

/** `asset('css/plan.css')` → `/r/<version>/css/plan.css` (or `/css/plan.css` on an unversioned page). */
export const asset = (path) => new URL(path, APP_ROOT).pathname;
