// 实有房屋: building footprints as vector tiles, shaded by kind. Below zoom 14 the API aggregates buildings
// to one point per grid cell (property `buildings`, a count): drawn as dots sized by that count.
import { vectorTiles } from './tiles.js';

const FILL = {
  residential: '#f3d7a6', commercial: '#c9d7f2', mixed: '#e7cde8', public: '#cfe8d3',
  industrial: '#d9d4cc', farm: '#ead9b8',
};

function style(properties) {
  if (properties.buildings != null) {
    return { radius: Math.min(7, 1.5 + Math.sqrt(properties.buildings) / 2), fill: true, fillColor: '#c08a3e',
      fillOpacity: 0.55, stroke: false };
  }
  return { fill: true, fillColor: FILL[properties.kind] || '#eed9b6', fillOpacity: 0.9, color: '#9a7a4a',
    weight: 0.8, opacity: 0.9 };
}

export function buildingsLayer() {
  return vectorTiles('buildings', { pane: 'buildings', minZoom: 11, style });
}
