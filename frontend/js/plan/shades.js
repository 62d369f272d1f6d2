// The workload choropleth's five shades (light → dark), shared by the map layer and its legend; no Leaflet here,
// so the panel views stay importable without a map (node's unit tests import them).
export const SHADES = ['#fff5eb', '#fdd0a2', '#fd8d3c', '#d94801', '#7f2704'];
