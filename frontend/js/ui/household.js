// One household of a building: a collapsible card whose summary names the room, kind and residents;
// inside: residents (masked ID numbers, residency and tag badges), vehicles, visits, open disputes.
import { label, t } from '../i18n/index.js';
import { queuedVisits } from '../offline/outbox.js';
import { photoUrl } from '../offline/photos.js';
import { gradeBadge, residencyBadge, statusBadge, tagBadge } from './badges.js';
import { clear, h } from './dom.js';
import { formatDate, formatDateTime } from './format.js';

// onReveal(person): offer 查看完整身份证号 on each resident (not given for grid members).
// onCorrect(person, household): offer 更正 on each resident (信息采集; not given for grid members).
// visitHistory {load(household) → GET /api/households/{id}/visits, onCorrect(visit, household)}: when the
// card opens, the visits are reloaded with what was done (三必核/四必访/五必宣) and 更正 on the user's own
// visits within the server's edit window (visit.editable). Visits still in the outbox come first, marked
// 待发送 (with the photos taken for them).
export function householdCard(household, { open = false, actions = [], onReveal = null, onCorrect = null,
  visitHistory = null } = {}) {
  const residents = household.residents || [];
  const disputes = household.open_disputes;
  const names = residents.slice(0, 4).map((r) => r.name).join('、') + (residents.length > 4 ? ` 等${residents.length}人` : '');
  const tags = [...new Set(residents.flatMap((r) => r.tags || []))].sort((a, b) => tagRank(a) - tagRank(b));
  const worst = worstGrade(disputes);
  const summary = h('summary.hh-summary',
    h('span.hh-room', roomLabel(household)),
    h('span.hh-kind', label('household.kind', household.kind)),
    worst ? h(`span.grade-dot.grade-${worst}`) : null,
    tags.length ? h('span.hh-tags', tagBadge(tags[0]), tags.length > 1 ? `+${tags.length - 1}` : null) : null,
    h('span.hh-names', names || t('household.no_residents')));
  let visits = section(t('household.visits'), (household.visits || []).map((v) => visitRow(v)),
    t('household.no_visits'));
  const card = h('details.hh-card', { open, dataset: { household: household.id } },
    summary,
    h('div.hh-body',
      facts(household),
      section(t('household.residents'), residents.map((p) => residentRow(p, onReveal,
        onCorrect && (() => onCorrect(p, household)))), t('household.no_residents')),
      section(t('household.vehicles'), (household.vehicles || []).map(vehicleRow), t('household.no_vehicles')),
      section(t('household.disputes'), disputes.map(disputeRow), t('household.no_disputes')),
      visits,
      actions.length ? h('div.hh-actions', actions) : null));
  if (visitHistory) {
    let loaded = false;
    const load = () => {
      if (loaded || !card.open) return;
      loaded = true;
      Promise.all([visitHistory.load(household), queuedVisits(household.id)]).then(([body, queued]) => {
        const detailed = (body.visits || []).map((v) => visitRow(v, visitHistory.onCorrect
          && v.editable ? () => visitHistory.onCorrect(v, household) : null));
        const waiting = queued.reverse().map(queuedRow); // newest first, like the history
        visits.replaceWith(visits = section(t('household.visits'), [...waiting, ...detailed], t('household.no_visits')));
        visits.classList.add('visits-detailed');
      }).catch(() => { loaded = false; }); // the lookup's short list stays
    };
    card.addEventListener('toggle', load);
    queueMicrotask(load);
  }
  return card;
}

export function roomLabel(household) {
  return t('household.room', { unit: household.unit ?? 1, floor: household.floor ?? 1, room: household.room ?? '' });
}

function facts(household) {
  const rows = [
    household.hukou_no ? [t('household.hukou_no'), household.hukou_no] : null,
    household.phone_masked ? [t('household.phone'), household.phone_masked] : null,
    household.landlord_name || household.landlord_phone_masked
      ? [t('household.landlord'), [household.landlord_name, household.landlord_phone_masked].filter(Boolean).join(' ')]
      : null,
    household.kind === 'rental'
      ? [t('household.lease'), household.lease_start || household.lease_end
        ? t('household.lease_dates', { start: household.lease_start || '—', end: household.lease_end || '—' })
        : t('household.lease_missing')]
      : null,
  ].filter(Boolean);
  return rows.length ? h('dl.hh-facts', rows.map(([k, v]) => [h('dt', k), h('dd', v)])) : null;
}

function section(title, rows, emptyText) {
  return h('section.hh-section', h('h4', title, rows.length ? h('span.count', rows.length) : null),
    rows.length ? h('ul.hh-list', rows) : h('p.muted.small', emptyText));
}

function residentRow(person, onReveal, onCorrect) {
  const meta = [
    person.gender ? label('person.gender', person.gender) : null,
    person.age != null ? t('person.age', { n: person.age }) : null,
    person.relation_to_head || null,
  ].filter(Boolean).join(' · ');
  return h('li.person', { dataset: { person: person.id } },
    h('div.person-line', h('strong.person-name', person.name), h('span.muted', meta), residencyBadge(person.residency)),
    h('div.person-id', h('span', person.id_number_masked || ''),
      onReveal && person.id_number_masked ? h('button.link-btn.reveal-btn', { type: 'button',
        dataset: { action: 'reveal' }, onclick: () => onReveal(person) }, t('person.reveal')) : null,
      onCorrect ? h('button.link-btn.correct-btn', { type: 'button', dataset: { action: 'correct' },
        onclick: onCorrect }, t('collection.correct')) : null),
    documentLine(person),
    (person.tags || []).length ? h('div.badges', person.tags.map(tagBadge)) : null);
}

// 户籍 address, 居住证 and travel document of a resident (lookup only: the offline pack leaves them out)
function documentLine(person) {
  const parts = [
    person.document_kind && person.document_kind !== 'id_card'
      ? [label('person.document_kind', person.document_kind), person.nationality].filter(Boolean).join(' ') : null,
    person.visa_expires ? t('person.visa_expires', { date: person.visa_expires }) : null,
    person.permit_expires ? t('person.permit_expires', { date: person.permit_expires }) : null,
    person.registered_address ? t('person.registered_address', { address: person.registered_address }) : null,
  ].filter(Boolean);
  return parts.length ? h('div.person-docs.muted.small', parts.join(' · ')) : null;
}

function vehicleRow(vehicle) {
  const detail = [label('vehicle.kind', vehicle.kind), vehicle.brand, vehicle.color].filter(Boolean).join(' · ');
  return h('li.vehicle', { dataset: { vehicle: vehicle.id } },
    h('span.plate', vehicle.plate_masked), h('span.muted', detail));
}

export function disputeRow(dispute) {
  return h('li.dispute', { dataset: { dispute: dispute.id } },
    h('div.dispute-line', gradeBadge(dispute.grade), h('strong', dispute.title || label('dispute.category', dispute.category)),
      statusBadge(dispute.status)),
    h('div.muted.small', [
      dispute.category ? label('dispute.category', dispute.category) : null,
      dispute.level ? label('dispute.level', dispute.level) : null,
      dispute.reported_at ? t('dispute.reported_at', { at: formatDate(dispute.reported_at) }) : null,
    ].filter(Boolean).join(' · ')));
}

// One visit: when, who, flags, the checklist items done (when the full visit is known) and notes.
// The author is `by` in the lookup document and `user_name` in GET /api/households/{id}/visits.
function visitRow(visit, onCorrect = null) {
  const who = visit.by ?? visit.user_name ?? '';
  return h('li.visit', { dataset: { visit: visit.id } },
    h('div.visit-line', h('span.visit-date', formatDateTime(visit.visited_at)), h('span.muted', who),
      visit.follow_up ? h('span.badge.badge-warn', t('visit.follow_up')) : null,
      visit.flagged_far && visit.distance_m != null ? h('span.badge.badge-danger', t('visit.far', { n: Math.round(visit.distance_m) })) : null,
      onCorrect ? h('button.link-btn.visit-correct', { type: 'button', dataset: { action: 'correct-visit' },
        title: t('visit.correct_until', { at: formatDateTime(visit.editable_until) }), onclick: onCorrect },
      t('visit.correct')) : null),
    visit.checklist ? checklistDone(visit.checklist) : null,
    visit.notes ? h('div.visit-notes', visit.notes) : null,
    visit.photo_ids?.length ? storedPhotos(visit.photo_ids) : null);
}

// A visit waiting in the outbox (item: offline/outbox.js queuedVisits): what was typed, marked 待发送.
function queuedRow(item) {
  const visit = item.body;
  return h('li.visit.visit-queued', { dataset: { seq: item.seq, status: item.status } },
    h('div.visit-line', h('span.visit-date', formatDateTime(visit.visited_at || item.created_at)),
      h('span.badge.badge-warn.queued-badge', { title: t('visit.queued_hint') }, t('visit.queued'))),
    checklistDone(visit.checklist || {}),
    visit.notes ? h('div.visit-notes', visit.notes) : null,
    item.photos.length ? h('div.photo-thumbs', item.photos.map((blob) => {
      const img = h('img', { src: URL.createObjectURL(blob), alt: t('visit.photo_alt') });
      img.addEventListener('load', () => URL.revokeObjectURL(img.src), { once: true });
      return h('figure.photo-thumb', img);
    })) : null);
}

// A stored visit's (dispute's, building's) photos: fetched on request (each read of a photo is audited, like a personal read).
export function storedPhotos(ids, alt = t('visit.photo_alt')) {
  const box = h('div.photo-thumbs');
  const show = h('button.link-btn.show-photos', { type: 'button', dataset: { action: 'show-photos' }, onclick: async () => {
    show.disabled = true;
    const urls = await Promise.all(ids.map(photoUrl));
    clear(box, urls.filter(Boolean).map((url) => {
      const img = h('img', { src: url, alt });
      img.addEventListener('load', () => URL.revokeObjectURL(url), { once: true });
      return h('figure.photo-thumb', img);
    }));
    if (!urls.some(Boolean)) { show.disabled = false; box.prepend(show); }
  } }, t('visit.show_photos', { n: ids.length }));
  box.append(show);
  return box;
}

function checklistDone(checklist) {
  const done = Object.entries(VISIT_GROUPS).map(([group, keys]) => [group, keys.filter((k) => checklist[k])])
    .filter(([, keys]) => keys.length);
  if (!done.length) return h('div.visit-checklist.muted.small', t('visit.nothing_checked'));
  return h('div.visit-checklist', done.map(([group, keys]) => h('div.small',
    h('span.visit-group', group), ' ', keys.map((k) => t(`visit.checklist.${k}`)).join('、'))));
}

// 三必核/四必访/五必宣: the items of each group, in the order of the form (api/visits/models.py).
export const VISIT_GROUPS = {
  三必核: ['verify_hukou', 'verify_residents', 'verify_vehicles'],
  四必访: ['ask_disputes', 'ask_minors', 'ask_key_groups', 'ask_sentiment'],
  五必宣: ['explain_fire_theft', 'explain_fraud', 'explain_traffic', 'explain_drugs', 'explain_contact'],
};

const TAG_ORDER = ['key_person', 'community_correction', 'drug_history', 'mental_health', 'elderly_alone',
  'left_behind_child', 'disabled'];
function tagRank(tag) {
  const i = TAG_ORDER.indexOf(tag);
  return i < 0 ? TAG_ORDER.length : i;
}

const RANK = { green: 1, yellow: 2, orange: 3, red: 4 };
function worstGrade(disputes) {
  return disputes.reduce((worst, d) => ((RANK[d.grade] || 0) > (RANK[worst] || 0) ? d.grade : worst), null);
}
