// 地图 (Map screen): the project's layers, click a building → lookup panel with the 楼盘表 and households,
// search → fly there and open the panel.
import L from '../lib/leaflet.js';
import { api } from '../api.js';
import { t } from '../i18n/index.js';
import { beatsLayer } from '../layers/beats.js';
import { buildingsLayer } from '../layers/buildings.js';
import { selectionLayer } from '../layers/selection.js';
import { villagesLayer } from '../layers/villages.js';
import { focusOn } from '../map.js';
import { renderBuilding } from '../ui/building-panel.js';
import { h } from '../ui/dom.js';
import { renderIntro } from '../ui/intro.js';
import { pointOf } from '../ui/format.js';
import { layerControl } from '../ui/layer-control.js';
import { createSearch } from '../ui/search.js';

// Other modules (issue 4's visit and dispute forms) add buttons to each household card through this hook.
const householdActionProviders = [];
export function addHouseholdActions(provider) {
  householdActionProviders.push(provider);
}

export function mount({ map, layers, panel, toolbar, user }) {
  const villages = villagesLayer().addTo(layers);
  const buildings = buildingsLayer().addTo(layers);
  const beats = beatsLayer({ ownCodes: user.beats || [] }).addTo(layers);
  const selection = selectionLayer().addTo(layers);
  const control = layerControl(map, [
    { name: t('map.layer_beats'), layer: beats, swatch: 'sw-beats' },
    { name: t('map.layer_villages'), layer: villages, swatch: 'sw-villages' },
    { name: t('map.layer_buildings'), layer: buildings, swatch: 'sw-buildings' },
  ], { onMyBeats: () => beats.ownBounds && map.fitBounds(beats.ownBounds, { padding: [20, 20] }) }).addTo(map);

  beats.ready.then(() => {
    if (!window.holomap.lastLookup) showIntro();
    if (beats.ownBounds && !map.holomapFocused) {
      map.holomapFocused = true;
      map.fitBounds(beats.ownBounds, { padding: [20, 20] });
    }
  }).catch(() => {});

  const search = createSearch({ onChoose: chooseResult });
  toolbar.append(search.element);
  showIntro();
  let sequence = 0;

  function showIntro() {
    panel.setTitle(t('panel.empty_title')).setContent(renderIntro({ user, beats: beats.properties || [] }));
    if (!isPhone()) panel.open();
  }

  async function lookupAt(latlng, { householdId = null } = {}) {
    const mine = ++sequence;
    selection.show(null, latlng);
    panel.setTitle(t('panel.title')).setContent(h('p.muted.loading', t('common.loading'))).open();
    let lookup;
    try {
      lookup = await api.get('/api/lookup', { lon: latlng.lng.toFixed(7), lat: latlng.lat.toFixed(7) });
    } catch (err) {
      if (mine !== sequence) return;
      selection.hide();
      panel.setContent(h('p.empty', lookupError(err)));
      return;
    }
    if (mine !== sequence) return;
    selection.show(lookup.building, latlng);
    const view = renderBuilding(lookup, { focusHouseholdId: householdId, householdActions });
    panel.setTitle(lookup.building?.address || t('panel.title')).setContent(view.node);
    if (householdId != null) view.focusHousehold(householdId);
    if (isPhone()) keepAboveSheet(map, latlng);
    const id = lookup.building?.id;
    if (id == null) return;
    api.get(`/api/buildings/${id}/floorplan`)
      .then((body) => mine === sequence && view.setFloorplan(body, (hid) => view.focusHousehold(hid)))
      .catch((err) => mine === sequence && view.floorplanFailed(t('common.error', { detail: err.detail })));
  }

  function householdActions(household) {
    return householdActionProviders.flatMap((provider) => provider(household, { map, panel, user, refresh }) || []);
  }

  function refresh() {
    const last = window.holomap.lastLookup;
    if (last) lookupAt(last.latlng, last.options);
  }

  function chooseResult(result) {
    const point = pointOf(result);
    if (!point) return;
    const kind = result.kind || result.type;
    const householdId = result.household_id ?? (kind === 'household' ? result.id : null);
    focusOn(map, point.lon, point.lat);
    remembered(L.latLng(point.lat, point.lon), { householdId });
  }

  function remembered(latlng, options = {}) {
    window.holomap.lastLookup = { latlng, options };
    return lookupAt(latlng, options);
  }

  const onClick = (e) => remembered(e.latlng);
  map.on('click', onClick);
  const stopIntro = panel.onClose(() => { selection.hide(); sequence++; });
  window.holomap.lookupAt = (lon, lat, options) => remembered(L.latLng(lat, lon), options);

  return () => {
    map.off('click', onClick);
    control.remove();
    stopIntro();
    delete window.holomap.lookupAt;
  };
}

const isPhone = () => window.matchMedia('(max-width: 767px)').matches;

// On a phone the bottom sheet covers the lower part of the map: move the building into the upper part.
function keepAboveSheet(map, latlng) {
  const move = () => {
    const y = map.latLngToContainerPoint(latlng).y;
    const target = map.getSize().y * 0.2;
    if (Math.abs(y - target) > 20) map.panBy([0, y - target]);
  };
  if (map._animatingZoom || map._flyToFrame) map.once('moveend', move);
  else move();
}

function lookupError(err) {
  if (err.status === 0) return t('common.network');
  if (err.status === 404) return t('map.no_building', { detail: err.detail });
  if (err.status === 403) return t('common.forbidden', { detail: err.detail });
  return t('common.error', { detail: err.detail });
}
