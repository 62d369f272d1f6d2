// Leaflet and its plugins are loaded as plain scripts by index.html (the one place for them);
// modules take the global from here so that every import of Leaflet reads the same way.
const L = window.L;
if (!L) throw new Error('Leaflet was not loaded: check the <script> tags in index.html');

// Data never reaches HTML parsing. Leaflet puts a *string* tooltip/popup content or divIcon `html`
// through innerHTML; call sites pass elements (ui/dom.js h()), and this guard turns any string that
// still arrives into text, so a dispute title like `<img src=x onerror=…>` shows as those characters.
function asText(content) {
  if (typeof content !== 'string') return content;
  const span = document.createElement('span');
  span.textContent = content;
  return span;
}

const setContent = L.DivOverlay.prototype.setContent;
L.DivOverlay.prototype.setContent = function setTextContent(content) {
  const safe = typeof content === 'function' ? (layer) => asText(content(layer)) : asText(content);
  return setContent.call(this, safe);
};

const createIcon = L.DivIcon.prototype.createIcon;
L.DivIcon.prototype.createIcon = function createTextIcon(oldIcon) {
  const { html } = this.options;
  if (typeof html !== 'string' || html === '') return createIcon.call(this, oldIcon);
  this.options.html = asText(html); // a fresh element per marker, as a string would have been
  try {
    return createIcon.call(this, oldIcon);
  } finally {
    this.options.html = html;
  }
};

export default L;
