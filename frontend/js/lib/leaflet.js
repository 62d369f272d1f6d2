// Leaflet and its plugins are loaded as plain scripts by index.html (the one place for them);
// modules take the global from here so that every import of Leaflet reads the same way.
const L = window.L;
if (!L) throw new Error('Leaflet was not loaded: check the <script> tags in index.html');
export default L;
