// A small Leaflet control: toggle the screen's overlays, jump to the user's own beats, show my location.
import L from '../lib/leaflet.js';
import { t } from '../i18n/index.js';
import { h, icon } from './dom.js';

export function layerControl(map, overlays, { onMyBeats, onMyLocation } = {}) {
  const Control = L.Control.extend({
    options: { position: 'topright' },
    onAdd() {
      const rows = overlays.map(({ name, layer, swatch }) => {
        const box = h('input', { type: 'checkbox', checked: map.hasLayer(layer) });
        box.addEventListener('change', () => (box.checked ? map.addLayer(layer) : map.removeLayer(layer)));
        return h('label.lc-row', box, h(`span.lc-swatch.${swatch}`), h('span', name));
      });
      const list = h('div.lc-list', { hidden: true }, h('div.lc-title', t('map.layers')), rows);
      const toggle = h('button.lc-btn', { type: 'button', title: t('map.layers'), 'aria-label': t('map.layers'),
        onclick: () => { list.hidden = !list.hidden; } }, icon('layers'));
      const mine = onMyBeats ? h('button.lc-btn', { type: 'button', title: t('map.my_beats'),
        'aria-label': t('map.my_beats'), onclick: onMyBeats }, icon('target')) : null;
      // "my location" is its own control: where the officer is, not where the beats are
      const here = onMyLocation ? h('button.lc-btn.my-location', { type: 'button', title: t('offline.my_location'),
        'aria-label': t('offline.my_location'), onclick: onMyLocation }, icon('locate')) : null;
      const element = h('div.leaflet-bar.layer-control', toggle, mine, here, list);
      L.DomEvent.disableClickPropagation(element);
      L.DomEvent.disableScrollPropagation(element);
      return element;
    },
  });
  return new Control();
}
