// Leaflet plugins that only one screen needs, loaded when it opens (issue 22: Leaflet-Geoman is 320 KB of the
// first load, for the plan screen only; Leaflet.VectorGrid 48 KB, for the map screen's vector tiles). Their tags sit in index.html's <template id="lazy-plugins"> — still
// the one place for plugins, and there the server gives them their versioned addresses (api/frontend.py);
// loadPlugin('geoman') copies that plugin's tags into <head> and resolves when its scripts have run.
const loading = new Map();

export function loadPlugin(name) {
  if (!loading.has(name)) loading.set(name, addTags(name));
  return loading.get(name);
}

function addTags(name) {
  const template = document.getElementById('lazy-plugins');
  const tags = template ? [...template.content.querySelectorAll(`[data-plugin="${name}"]`)] : [];
  if (!tags.length) return Promise.reject(new Error(`no plugin ${name} in index.html`));
  return Promise.all(tags.map((tag) => new Promise((resolve, reject) => {
    // a fresh element (a script copied out of a template would not run)
    const node = document.createElement(tag.localName);
    for (const { name: attr, value } of tag.attributes) node.setAttribute(attr, value);
    if (node.localName === 'script') node.async = false; // in the template's order
    node.addEventListener('load', resolve, { once: true });
    node.addEventListener('error', () => {
      loading.delete(name); // a later attempt may succeed (the network came back)
      node.remove();
      reject(new Error(`plugin ${name}: ${tag.getAttribute('src') || tag.getAttribute('href')} did not load`));
    }, { once: true });
    document.head.append(node);
  })));
}
