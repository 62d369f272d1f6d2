// The building panel: facts, 门头照, disputes on it, 实有单位, the 楼盘表 (filled in when it arrives),
// households, incidents nearby.
import { label, t } from '../i18n/index.js';
import { queuedBuildingPhotos, sendPhotos } from '../offline/outbox.js';
import { h, clear, toast } from './dom.js';
import { errorNode } from './errors.js';
import { renderFloorplan } from './floorplan.js';
import { formatDateTime } from './format.js';
import { disputeRow, householdCard, storedPhotos } from './household.js';
import { organisationsSection } from './organisation.js';
import { photoPicker } from './photo-picker.js';

// disputesHere: the disputes whose dot sits on this building (the disputes layer): listed first, since a
// click on the dot opens the building (the dot must not hide the building it sits on).
// onPhotosSent (optional): the user may take 门头照 here; called after photos reached the server.
// loadHouseholds(offset) (optional): the next page of households (GET /api/buildings/{id}/households): the
// lookup sends the first screen of a large building (households_total says how many there are, issue 22);
// the rest comes with 显示更多住户, or by itself when the user scrolls down to it, or when a household
// further down is focused (a 楼盘表 cell, a search result).
export function renderBuilding(lookup, { focusHouseholdId = null, householdActions, onReveal = null,
  onCorrect = null, disputesHere = [], visitHistory = null, onPhotosSent = null, loadHouseholds = null } = {}) {
  const building = lookup.building || {};
  const households = [...(lookup.households || [])];
  const total = Math.max(lookup.households_total ?? households.length, households.length);
  const residents = lookup.residents_total ?? households.reduce((n, hh) => n + (hh.residents || []).length, 0);
  const floorplanSlot = h('div.floorplan-slot', h('p.muted.small', t('common.loading')));
  const openAll = total <= 3;
  const cardOf = (hh) => householdCard(hh, {
    open: openAll || hh.id === focusHouseholdId,
    actions: householdActions ? householdActions(hh) : [],
    onReveal,
    onCorrect,
    visitHistory,
  });
  const cards = households.map(cardOf);
  const cardList = h('div.hh-cards', cards);
  const more = h('button.btn.btn-small.hh-more', { type: 'button', dataset: { action: 'more-households' },
    onclick: () => loadMore() });
  const moreError = h('p.form-error', { role: 'alert' });
  let loading = null;
  let exhausted = false; // a page came back empty: the building's households changed meanwhile
  const allShown = () => !loadHouseholds || exhausted || households.length >= total;
  function showMore() {
    more.hidden = allShown();
    more.disabled = false;
    more.textContent = t('panel.households_more', { n: total - households.length });
  }
  // the next page once (a second call while it loads waits for the same page)
  function loadMore() {
    if (allShown()) return Promise.resolve(false);
    if (loading) return loading;
    more.disabled = true;
    more.textContent = t('common.loading');
    moreError.textContent = '';
    loading = loadHouseholds(households.length).then((page) => {
      const fresh = (page.households || []).filter((hh) => !households.some((x) => x.id === hh.id));
      if (!fresh.length) {
        exhausted = true;
        return false;
      }
      households.push(...fresh);
      const added = fresh.map(cardOf);
      cards.push(...added);
      cardList.append(...added);
      return true;
    }).catch((err) => {
      clear(moreError, errorNode(err));
      return false;
    }).finally(() => {
      loading = null;
      showMore();
    });
    return loading;
  }
  showMore();
  // scrolling down to 显示更多住户 loads the next page: when the button comes into view, not while it stays there
  // (not merely showing it: a short panel would load all; and the browser's scroll anchoring, keeping the
  // button in place while a page is added above it, scrolls too: that loaded a second page after a click)
  if (loadHouseholds && total > households.length) {
    let queued = false;
    let wasInView = true; // until measured once the panel is on the page
    const inView = () => !more.hidden && more.getBoundingClientRect().top < window.innerHeight;
    requestAnimationFrame(() => { wasInView = node.isConnected && inView(); });
    const onScroll = () => {
      if (!node.isConnected || allShown()) {
        document.removeEventListener('scroll', onScroll, true);
        return;
      }
      if (queued) return;
      queued = true;
      requestAnimationFrame(() => {
        queued = false;
        const now = inView();
        if (now && !wasInView) loadMore();
        wasInView = now;
      });
    };
    document.addEventListener('scroll', onScroll, { capture: true, passive: true });
  }
  let focused = null;
  const node = h('div.building',
    h('div.building-head',
      h('div.chips',
        building.kind ? h('span.chip', label('building_kind', building.kind)) : null,
        building.floors ? h('span.chip', `${building.floors} 层`) : null,
        building.units ? h('span.chip', `${building.units} 单元`) : null,
        h('span.chip', `${total} 户`),
        (lookup.organisations || []).length ? h('span.chip', t('org.count', { n: lookup.organisations.length })) : null,
        h('span.chip', t('common.people', { n: residents })))),
    facts(building),
    photosSection(building, onPhotosSent),
    disputesHere.length ? h('section.panel-section.disputes-here',
      h('h3', t('panel.disputes_here', { n: disputesHere.length })),
      h('ul.hh-list', disputesHere.map(disputeRow))) : null,
    organisationsSection(lookup.organisations || []),
    h('section.panel-section', h('h3', t('panel.floorplan')), floorplanSlot),
    h('section.panel-section.households', h('h3', { id: 'households-heading', tabindex: '-1' },
      t('panel.households', { n: total })), cardList, more, moreError),
    incidents(lookup.incidents_nearby || [], lookup.incidents_nearby_total));

  async function cardFor(id) {
    let card = cards.find((c) => String(c.dataset.household) === String(id));
    while (!card && await loadMore()) card = cards.find((c) => String(c.dataset.household) === String(id));
    return card;
  }

  return {
    node,
    setFloorplan(body, onSelect) {
      // The 楼盘表 sits above the households: keep the focused household exactly where it is on screen
      // while the table grows (a tap aimed at its buttons would otherwise land on what slid under it).
      const card = cards.find((c) => c.classList.contains('hh-focus'));
      const scroller = node.closest('.panel-body');
      const before = card && scroller ? card.getBoundingClientRect().top : null;
      clear(floorplanSlot, renderFloorplan(body, { onSelect, selectedId: focused ?? focusHouseholdId }));
      if (before != null) scroller.scrollTop += card.getBoundingClientRect().top - before;
    },
    floorplanFailed(message) {
      clear(floorplanSlot, h('p.muted.small', message));
    },
    // resolves once the household's card is shown (after loading the pages before it, if need be)
    async focusHousehold(id) {
      focused = id;
      const card = await cardFor(id);
      if (!card || focused !== id) return;
      cards.forEach((c) => c.classList.toggle('hh-focus', c === card));
      card.open = true;
      // Scroll the panel only (scrollIntoView would also scroll overflow-hidden ancestors on a phone); not
      // smoothly, so that the 楼盘表 arriving later can keep the card in place.
      const scroller = node.closest('.panel-body');
      if (scroller) scroller.scrollTop += card.getBoundingClientRect().top - scroller.getBoundingClientRect().top;
      floorplanSlot.querySelectorAll('.fp-cell').forEach((cell) =>
        cell.classList.toggle('fp-selected', cell.dataset.household === String(id)));
    },
  };
}

// A building outside the user's beats (lookup 404 building.not_in_scope with its owner in params): the
// address, and the beats covering it with station and officers — whom to ask; never its residents.
export function renderOwner(params) {
  const beats = params.beats || [];
  return h('div.building-owner',
    h('p.owner-hint', t('panel.owner_hint')),
    h('dl.facts',
      h('dt', t('panel.address')), h('dd.owner-address', params.address || ''),
      params.village ? [h('dt', t('panel.village')), h('dd', params.village)] : null),
    beats.length ? beats.map((beat) => h('section.panel-section.owner-beat',
      h('h3', `${beat.code} ${beat.name}`),
      h('dl.facts',
        h('dt', t('panel.owner_station')), h('dd', beat.station || ''),
        h('dt', t('panel.owner_officers')),
        h('dd.owner-officers', (beat.officers || []).length ? beat.officers.join('、') : t('panel.owner_no_officer')))))
      : h('p.muted.small', t('panel.owner_no_beat')));
}

// 门头照: the stored ones shown on request (each read audited), and the camera (`capture`) for new ones,
// resized on the device and sent through the outbox like any field write (kept there while offline).
function photosSection(building, onPhotosSent) {
  const ids = building.photo_ids || [];
  if (building.id == null || (!onPhotosSent && !ids.length)) return null;
  const error = h('p.form-error', { role: 'alert' });
  const send = h('button.btn.btn-small.btn-primary', { type: 'button', hidden: true,
    dataset: { action: 'upload-building-photos' }, onclick: upload });
  const picker = onPhotosSent ? photoPicker({ error, title: null, onChange: (n) => {
    send.hidden = n === 0;
    send.textContent = t('panel.photos_upload', { n });
  } }) : null;

  async function upload() {
    error.textContent = '';
    send.disabled = true;
    try {
      const itemLabel = t('offline.label_building_photo', { address: building.address || building.id });
      const photos = picker.uploads('building_id', '').map((p) => ({ ...p, label: itemLabel }));
      const outcome = await sendPhotos(photos, building.id);
      picker.keepOnly(outcome.refused.map((r) => r.index));
      if (outcome.refused.length) clear(error, errorNode(outcome.refused[0].error));
      if (outcome.queued) toast(t('panel.photos_queued'), 'ok');
      else if (outcome.sent) toast(t('panel.photos_sent'), 'ok');
      if (outcome.sent) onPhotosSent();
    } catch (err) {
      clear(error, errorNode(err));
    } finally {
      send.disabled = false;
    }
  }

  // the ones waiting in the outbox, marked 待发送 (kept up to date while the section is shown)
  const queued = h('div.photo-thumbs.photos-queued');
  async function showQueued() {
    const waiting = await queuedBuildingPhotos(building.id);
    clear(queued, waiting.map((item) => {
      const img = h('img', { src: URL.createObjectURL(item.file), alt: t('panel.photo_alt') });
      img.addEventListener('load', () => URL.revokeObjectURL(img.src), { once: true });
      return h('figure.photo-thumb.photo-queued', { dataset: { seq: item.seq, status: item.status } }, img,
        h('span.badge.badge-warn.queued-badge', { title: t('visit.queued_hint') }, t('visit.queued')));
    }));
  }
  const section = h('section.panel-section.building-photos', h('h3', t('panel.photos')),
    ids.length ? storedPhotos(ids, t('panel.photo_alt')) : h('p.muted.small.photos-none', t('panel.photos_none')),
    queued, picker ? h('div.building-photo-form', picker.node, send, error) : null);
  const onOutbox = () => {
    if (!section.isConnected) window.removeEventListener('holomap:outbox', onOutbox);
    else showQueued();
  };
  window.addEventListener('holomap:outbox', onOutbox);
  showQueued();
  return section;
}

function facts(building) {
  const rows = [
    building.village ? [t('panel.village'), building.village.name] : null,
    building.beats?.length ? [t('panel.beat'), building.beats.map((b) => `${b.code} ${b.name}`).join('、')] : null,
    building.built_year ? [t('panel.built_year'), building.built_year] : null,
    building.std_address_code ? [t('panel.std_address_code'), building.std_address_code] : null,
    building.use ? [t('panel.use'), label('building_use', building.use)] : null,
    building.owner_name || building.owner_phone_masked
      ? [t('panel.owner'), [building.owner_name, building.owner_phone_masked].filter(Boolean).join(' ')] : null,
  ].filter(Boolean);
  return rows.length ? h('dl.facts', rows.map(([k, v]) => [h('dt', k), h('dd', String(v))])) : null;
}

// the newest 20 incidents nearby, and how many there are (incidents_nearby_total)
function incidents(list, total) {
  if (!list.length) return null;
  return h('section.panel-section',
    h('h3', t('panel.incidents_nearby', { n: total ?? list.length })),
    h('ul.incident-list', list.slice(0, 20).map((incident) => h('li',
      h('span.muted.small', formatDateTime(incident.occurred_at)),
      h('span.incident-category', incident.category ? label('dashboard.categories', incident.category) : ''),
      incident.source ? h('span.badge.badge-muted', label('incident.source', incident.source)) : null,
      incident.distance_m != null ? h('span.muted.small', `${Math.round(incident.distance_m)} 米`) : null))));
}
