// 村/社区: village and community areas as vector tiles: a light tint and a dashed edge.
import { vectorTiles } from './tiles.js';

export function villagesLayer() {
  return vectorTiles('villages', {
    pane: 'areas',
    style: (properties) => ({
      fill: true,
      fillColor: properties.kind === 'community' ? '#dfe9f5' : '#e6efdc',
      fillOpacity: 0.55,
      color: '#7f9a6e',
      weight: 1,
      dashArray: '3 3',
      opacity: 0.8,
    }),
  });
}
