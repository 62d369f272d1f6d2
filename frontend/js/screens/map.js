// 地图 (Map screen): the project's layers; click a building → lookup panel with the 楼盘表 and households;
// search → fly there and open the panel; field work: record a visit, report a dispute, the dispute
// timeline, a disputes layer and the worklist.
import L from '../lib/leaflet.js';
import { api } from '../api.js';
import { can } from '../auth/capabilities.js';
import { t } from '../i18n/index.js';
import { beatsLayer } from '../layers/beats.js';
import { buildingsLayer } from '../layers/buildings.js';
import { disputesLayer } from '../layers/disputes.js';
import { warningReminder, warningsLayer } from '../layers/warnings.js';
import { selectionLayer } from '../layers/selection.js';
import { villageLabelsLayer } from '../layers/village-labels.js';
import { villagesLayer } from '../layers/villages.js';
import { loadPlugin } from '../lib/plugins.js';
import { focusOn } from '../map.js';
import { clear, h, icon, toast } from '../ui/dom.js';
import { freshFix } from '../offline/gps.js';
import { errorNode } from '../ui/errors.js';
import { formatDateTime, pointOf } from '../ui/format.js';
import { packNow } from '../offline/pack.js';
import { renderIntro } from '../ui/intro.js';
import { layerControl } from '../ui/layer-control.js';
import { createSearch } from '../ui/search.js';

// The forms and dialogs of the field work open on a user's action: their modules are imported then, not with
// the map (issue 22: the first load's bytes); the service worker's shell has them for offline use. So are
// the building's panel (楼盘表, households, organisations: asked alongside the first lookup), the incident
// form and 我的任务.
const buildingPanel = () => Promise.all([import('../ui/building-panel.js'),
  loadPlugin('floorplan').catch(() => null)]).then(([module]) => module); // with the 楼盘表's stylesheet
const incidentForms = () => import('../ui/incident-form.js');
const worklistViews = () => import('../ui/worklist.js');
const visitForms = () => import('../ui/visit-form.js');
const disputeForms = () => import('../ui/dispute-form.js');
const collectionForms = () => import('../ui/collection-forms.js');

export function mount({ map, layers, panel, toolbar, user }) {
  const villages = villagesLayer().addTo(layers);
  const villageLabels = villageLabelsLayer().addTo(layers);
  const buildings = buildingsLayer().addTo(layers);
  const beats = beatsLayer({ ownCodes: user.beats || [] }).addTo(layers);
  // Roles without personal data (admin) get the map layers only: no disputes, worklist or 楼盘表 requests
  // that the API would refuse.
  const personal = can('person.read');
  const disputes = disputesLayer({ onChoose: (d) => lookupAt(L.latLng(d.lat, d.lon), { disputeId: d.id }) });
  if (personal) disputes.addTo(layers);
  const selection = selectionLayer().addTo(layers);
  if (personal) disputes.reload();
  // 近重复预警区 of the own beats (issue 21): a click shows its 走访提醒
  const warned = can('warning.read');
  const warnings = warningsLayer({ onChoose: showWarning });
  if (warned) warnings.addTo(layers).reload();
  const control = layerControl(map, [
    { name: t('map.layer_beats'), layer: beats, swatch: 'sw-beats' },
    { name: t('map.layer_villages'), layer: villages, swatch: 'sw-villages' },
    { name: t('map.layer_village_labels'), layer: villageLabels, swatch: 'sw-village-labels' },
    { name: t('map.layer_buildings'), layer: buildings, swatch: 'sw-buildings' },
    personal ? { name: t('map.layer_disputes'), layer: disputes, swatch: 'sw-disputes' } : null,
    warned ? { name: t('map.layer_warnings'), layer: warnings, swatch: 'sw-warnings' } : null,
  ].filter(Boolean), { onMyBeats: () => beats.ownBounds && map.fitBounds(beats.ownBounds, { padding: [20, 20] }),
    onMyLocation: showMyLocation }).addTo(map);
  const myLocation = L.layerGroup().addTo(layers);
  const incidentPlace = L.layerGroup().addTo(layers); // the place chosen in the 登记警情 form
  let picking = null; // set by the form's 地图点选: the next map click gives the place instead of a lookup

  // 我的位置: a fresh fix, drawn with its accuracy circle; the map flies there.
  async function showMyLocation() {
    toast(t('offline.locating'));
    const fix = await freshFix();
    myLocation.clearLayers();
    if (!fix) {
      toast(t('offline.my_location_failed'), 'error');
      return;
    }
    L.circle([fix.lat, fix.lon], { radius: fix.accuracy_m || 0, pane: 'selection', color: '#1c7ed6', weight: 1,
      fillOpacity: 0.12, interactive: false }).addTo(myLocation);
    L.circleMarker([fix.lat, fix.lon], { radius: 7, pane: 'selection', color: '#fff', weight: 2, fillColor: '#1c7ed6',
      fillOpacity: 1, className: 'my-location-dot' }).bindTooltip(t('offline.my_location_at',
      { n: Math.round(fix.accuracy_m || 0) })).addTo(myLocation);
    focusOn(map, fix.lon, fix.lat, 17);
    window.holomap.myLocation = fix;
  }

  let current = null; // {latlng, householdId, lookup}
  // Grid members always see masked ID numbers (the API refuses them too): no reveal button for them.
  const onReveal = can('person.reveal')
    ? (person) => import('../ui/reveal-dialog.js').then((m) => m.openRevealDialog(person)) : null;
  // 信息采集: grid members register floating residents only; correcting records is the officers' (API too).
  const floatingOnly = !can('person.register');
  const onCorrect = floatingOnly ? null : (person, household) => pushLater(t('collection.correct_title'),
    () => collectionForms().then((m) => m.correctPersonForm(person, { onSaved: () => refresh(household.id) })));
  // 走访记录 in full when a household opens: the items done, and 更正 on one's own visits within 24 h.
  const visitHistory = !can('visit.create') ? null : {
    load: (household) => api.get(`/api/households/${household.id}/visits`, { limit: 20 }),
    onCorrect: (visit, household) => pushLater(t('visit.correct_title'),
      () => visitForms().then((m) => m.visitForm(household, { visit, onSaved: () => refresh(household.id) }))),
  };
  let sequence = 0;
  beats.ready.then(() => {
    if (panel.body.querySelector('.intro')) showIntro(); // only if still showing it: add the beats
    if (beats.ownBounds && !map.holomapFocused) {
      map.holomapFocused = true;
      map.fitBounds(beats.ownBounds, { padding: [20, 20] });
    }
  }).catch(() => {});

  const search = createSearch({ onChoose: chooseResult });
  const worklistButton = h('button.tool-btn', { type: 'button', 'aria-label': t('worklist.button'), title: t('worklist.button'),
    onclick: () => { worklist = null; worklistMarkers.clearLayers(); showWorklist(); } },
    icon('home', 16), h('span', t('worklist.button')));
  if (personal) toolbar.append(search.element, worklistButton);
  const recordsIncidents = can('incident.record');
  if (recordsIncidents) {
    toolbar.append(h('button.tool-btn', { type: 'button', dataset: { action: 'incident' }, title: t('incident.button'),
      'aria-label': t('incident.button'), onclick: () => openIncidentForm() }, icon('target', 16),
    h('span', t('incident.button'))));
  }
  showIntro();

  // 登记警情: the selected building (if any) is the default place and its households the possible victims.
  function openIncidentForm(household = null) {
    const lookup = current?.lookup;
    const building = lookup?.building?.lon != null ? lookup.building : null;
    pushLater(t('incident.form_title'), () => incidentForms().then(({ incidentForm, incidentSaved }) => incidentForm({
      building, households: building ? lookup.households || [] : [], household,
      pickOnMap: (onPicked) => {
        picking = onPicked;
        map.getContainer().classList.add('picking-place');
        if (isPhone()) panel.toggle();
      },
      showPlace: (place) => {
        incidentPlace.clearLayers();
        if (!place) return;
        L.circleMarker([place.lat, place.lon], { radius: 8, pane: 'selection', color: '#fff', weight: 2,
          fillColor: '#c92a2a', fillOpacity: 1, className: 'incident-place-dot' }).addTo(incidentPlace);
      },
      onSaved: (saved) => {
        incidentPlace.clearLayers();
        window.holomap.lastIncident = saved;
        if (!saved) { panel.pop(); return; } // queued offline: sent (and its zone drawn) once back online
        if (warned) warnings.reload();
        panel.setTitle(t('incident.form_title')).setContent(incidentSaved(saved, { reminder: warningReminder }));
        if (saved.warning) focusOn(map, saved.warning.lon, saved.warning.lat, 16);
      },
    })));
  }

  function showWarning(w) {
    focusOn(map, w.lon, w.lat, 16);
    panel.setTitle(t('warnings.layer')).setContent(warningReminder(w)).open();
  }

  function showIntro() {
    panel.setTitle(t('panel.empty_title')).setContent(renderIntro({ user, beats: beats.properties || [] }));
    if (!isPhone()) panel.open();
  }

  const HOUSEHOLDS_PAGE = 50; // households a 显示更多住户 adds (the lookup sends the first 10)

  async function lookupAt(latlng, { householdId = null, disputeId = null } = {}) {
    const mine = ++sequence;
    map.holomapFocused = true; // a building was chosen: the first fit to the beats must not move away
    current = { latlng, householdId };
    selection.show(null, latlng);
    panel.setTitle(t('panel.title')).setContent(h('p.muted.loading', t('common.loading'))).open();
    const views = buildingPanel(); // the module and the lookup at once (the module once per page)
    let lookup;
    let renderBuilding;
    try {
      lookup = await api.get('/api/lookup', { lon: latlng.lng.toFixed(7), lat: latlng.lat.toFixed(7) });
      ({ renderBuilding } = await views);
    } catch (err) {
      if (mine !== sequence) return;
      selection.hide();
      if (err.code === 'building.not_in_scope' && err.params?.address) {
        const { renderOwner } = await views.catch(() => ({}));
        if (mine !== sequence) return;
        if (renderOwner) {
          panel.setTitle(err.params.address).setContent(renderOwner(err.params));
          return;
        }
      }
      panel.setContent(h('p.empty', lookupError(err)));
      return;
    }
    if (mine !== sequence) return;
    current.lookup = lookup;
    selection.show(lookup.building, latlng);
    const view = renderBuilding(lookup, { focusHouseholdId: householdId, householdActions, onReveal,
      onCorrect, disputesHere: disputesHere(lookup.building, latlng, disputeId), visitHistory,
      onPhotosSent: personal && can('visit.create') ? () => refresh() : null,
      loadHouseholds: lookup.building?.id == null ? null : (offset) => api.get(
        `/api/buildings/${lookup.building.id}/households`, { offset, limit: HOUSEHOLDS_PAGE }) });
    panel.setTitle(lookup.building?.address || t('panel.title')).setContent(view.node);
    if (lookup.offline) { // answered from the offline pack (js/offline/pack.js)
      view.node.prepend(h('p.offline-hint', t('offline.pack_offline_hint', { at: formatDateTime(packNow()?.downloaded_at) })));
    }
    if (householdId != null) view.focusHousehold(householdId);
    if (isPhone()) keepAboveSheet(map, latlng);
    const id = lookup.building?.id;
    if (id == null) return;
    api.get(`/api/buildings/${id}/floorplan`)
      .then((body) => mine === sequence && view.setFloorplan(body, (hid) => view.focusHousehold(hid)))
      .catch((err) => mine === sequence && view.floorplanFailed(errorNode(err)));
  }

  // The disputes whose dots sit on the building (and the one whose dot was clicked), from the layer.
  function disputesHere(building, latlng, disputeId) {
    if (!personal) return [];
    const at = building?.lon != null ? building : { lon: latlng.lng, lat: latlng.lat };
    const found = disputes.near(at.lon, at.lat);
    const chosen = disputeId != null && !found.some((d) => d.id === disputeId)
      ? disputes.near(latlng.lng, latlng.lat, 1).filter((d) => d.id === disputeId) : [];
    return [...chosen, ...found];
  }

  // Reload the building under the current view; resolves once its panel is back (or a newer lookup won).
  function refresh(householdId) {
    if (!current) return Promise.resolve();
    return lookupAt(current.latlng, { householdId: householdId ?? current.householdId });
  }

  function householdActions(household) {
    const building = current?.lookup?.building;
    const point = building?.lon != null ? { lon: building.lon, lat: building.lat }
      : { lon: current.latlng.lng, lat: current.latlng.lat };
    return [
      !can('visit.create') ? null : h('button.btn.btn-small.btn-primary', { type: 'button', dataset: { action: 'visit' }, onclick: () =>
        pushLater(t('visit.form_title'), () => visitForms().then((m) => m.visitForm(household, { building,
          onSaved: () => refresh(household.id) }))) },
      t('household.record_visit')),
      !can('dispute.report') ? null : h('button.btn.btn-small', { type: 'button', dataset: { action: 'dispute' }, onclick: () =>
        pushLater(t('dispute.form_title'), () => disputeForms().then((m) => m.disputeForm(household, { point,
          onSaved: (d) => {
            disputes.reload();
            // The new dispute's timeline over the refreshed building (not before it: the refreshed
            // building would replace the timeline when its lookup arrives).
            refresh(household.id).then(() => d && showDispute(d.id)); // null: queued offline
          } }))) },
      t('household.report_dispute')),
      !can('incident.record') ? null : h('button.btn.btn-small', { type: 'button', dataset: { action: 'incident' },
        onclick: () => openIncidentForm(household) }, t('incident.button')),
      !can('person.register_floating') ? null : h('button.btn.btn-small', { type: 'button', dataset: { action: 'register-person' }, onclick: () =>
        pushLater(t('collection.person_title'), () => collectionForms().then((m) => m.personForm(household,
          { floatingOnly, onSaved: () => refresh(household.id) }))) },
      t('household.register_person')),
      floatingOnly ? null : h('button.btn.btn-small', { type: 'button', dataset: { action: 'register-vehicle' },
        onclick: () => pushLater(t('collection.vehicle_title'), () => collectionForms().then((m) =>
          m.vehicleForm(household, { onSaved: () => refresh(household.id) }))) },
      t('household.register_vehicle')),
      !can('person.register') ? null : h('button.btn.btn-small', { type: 'button', dataset: { action: 'rental' },
        onclick: () => pushLater(t('collection.rental_title'), () => collectionForms().then((m) =>
          m.rentalForm(household, { onSaved: () => refresh(household.id) }))) },
      t('household.rental_facts')),
    ].filter(Boolean);
  }

  // A form over the panel, shown once its module is here (a moment, the first time only)
  function pushLater(title, make) {
    const slot = h('div.form-slot', h('p.muted.loading', t('common.loading')));
    panel.push(title, slot);
    make().then((node) => slot.replaceWith(node)).catch((err) => clear(slot, errorNode(err)));
  }

  function showDispute(id) {
    const mine = sequence; // a building clicked meanwhile wins over this dispute
    import('../ui/dispute-detail.js')
      .then((m) => m.openDispute(panel, id, { onChanged: () => disputes.reload(), isCurrent: () => mine === sequence }))
      .catch((err) => mine === sequence && panel.setContent(h('p.empty', lookupError(err))).open());
  }

  // 我的任务 keeps its state (pages, sort, scroll): an item opened from it gets a "back to the list" button.
  let worklist = null;
  const worklistMarkers = L.layerGroup().addTo(layers);
  async function showWorklist() {
    if (!worklist) {
      panel.setTitle(t('worklist.title')).setContent(h('p.muted.loading', t('common.loading'))).open();
      const mine = sequence;
      let worklistView;
      try {
        ({ worklistView } = await worklistViews());
      } catch (err) {
        if (mine === sequence) panel.setContent(h('p.empty', lookupError(err)));
        return;
      }
      if (mine !== sequence || worklist) return; // something else was opened meanwhile
      worklist = { scroll: 0, node: worklistView({
        onHousehold: (item) => fromWorklist(() => go(item, { householdId: item.household_id })),
        onDispute: (d) => fromWorklist(() => {
          if (d.lon != null && d.lat != null) focusOn(map, d.lon, d.lat); // null: no location recorded
          showDispute(d.id);
        }),
        onWarning: (w) => fromWorklist(() => showWarning(w)),
        onShowOnMap: showOnMap,
      }) };
    }
    panel.setTitle(t('worklist.title')).setContent(worklist.node).open();
    panel.body.scrollTop = worklist.scroll;
  }

  function fromWorklist(open) {
    worklist.scroll = panel.body.scrollTop;
    open();
    const mine = sequence;
    // once the item's panel is there, put the way back on top of it (unless something else was opened)
    const addBack = () => {
      if (panel.body.querySelector('.wl-back') || !worklist) return;
      panel.body.prepend(h('button.btn.btn-small.wl-back', { type: 'button', onclick: showWorklist },
        icon('chevron', 14), t('worklist.back')));
    };
    const watch = new MutationObserver(() => {
      if (sequence !== mine) { watch.disconnect(); return; }
      if (panel.body.querySelector('.loading')) return;
      addBack();
      watch.disconnect();
    });
    watch.observe(panel.body, { childList: true });
    setTimeout(() => watch.disconnect(), 15000);
  }

  function showOnMap(items, title) {
    worklistMarkers.clearLayers();
    const points = items.map((item) => ({ item, point: pointOf(item) })).filter((p) => p.point);
    points.forEach(({ item, point }, k) => {
      L.marker([point.lat, point.lon], {
        icon: L.divIcon({ className: 'wl-marker', html: '', iconSize: [22, 22] }),
        title: item.title || item.name || item.address, keyboard: true,
      }).on('add', (e) => { e.target.getElement().textContent = String(k + 1); })
        .on('click', () => (item.title ? fromWorklist(() => showDispute(item.id))
          : fromWorklist(() => go(item, { householdId: item.household_id }))))
        .addTo(worklistMarkers);
    });
    window.holomap.worklistMarkers = points.length;
    if (points.length) {
      map.fitBounds(L.latLngBounds(points.map(({ point }) => [point.lat, point.lon])), { padding: [30, 30], maxZoom: 17 });
    }
    if (isPhone()) panel.toggle();
    map.getContainer().setAttribute('aria-label', t('worklist.on_map', { n: points.length, title }));
  }

  function chooseResult(result) {
    go(result, { householdId: result.household_id ?? (result.type === 'household' ? result.id : null) });
  }

  function go(item, options) {
    const point = pointOf(item);
    if (!point) return;
    focusOn(map, point.lon, point.lat);
    lookupAt(L.latLng(point.lat, point.lon), options);
  }

  // Open disputes listed in a household card open their timeline.
  const onPanelClick = (e) => {
    const row = e.target.closest('li.dispute[data-dispute]');
    if (row) showDispute(row.dataset.dispute);
  };
  panel.body.addEventListener('click', onPanelClick);
  const onClick = (e) => {
    if (!picking) { lookupAt(e.latlng); return; }
    const picked = picking;
    picking = null;
    map.getContainer().classList.remove('picking-place');
    if (isPhone() && panel.element.closest('.panel-collapsed')) panel.toggle();
    picked({ lon: e.latlng.lng, lat: e.latlng.lat });
  };
  map.on('click', onClick);
  const stopClose = panel.onClose(() => {
    selection.hide(); sequence++; current = null; picking = null; incidentPlace.clearLayers();
    map.getContainer().classList.remove('picking-place');
  });
  window.holomap.lookupAt = (lon, lat, options) => lookupAt(L.latLng(lat, lon), options);
  window.holomap.showDispute = showDispute;

  return () => {
    map.off('click', onClick);
    panel.body.removeEventListener('click', onPanelClick);
    control.remove();
    worklistMarkers.remove();
    incidentPlace.remove();
    stopClose();
    delete window.holomap.lookupAt;
    delete window.holomap.showDispute;
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

// "no building at …" (code lookup.no_building) and other errors read in Chinese by their code.
const lookupError = (err) => errorNode(err);
