// One household of a building: a collapsible card whose summary names the room, kind and residents;
// inside: residents (masked ID numbers, residency and tag badges), vehicles, visits, open disputes.
import { label, t } from '../i18n/index.js';
import { gradeBadge, residencyBadge, statusBadge, tagBadge } from './badges.js';
import { h } from './dom.js';
import { formatDate, formatDateTime } from './format.js';

// onReveal(person): offer 查看完整身份证号 on each resident (not given for grid members).
// onCorrect(person, household): offer 更正 on each resident (信息采集; not given for grid members).
export function householdCard(household, { open = false, actions = [], onReveal = null, onCorrect = null } = {}) {
  const residents = household.residents || [];
  const disputes = household.open_disputes || household.disputes || [];
  const names = residents.slice(0, 4).map((r) => r.name).join('、') + (residents.length > 4 ? ` 等${residents.length}人` : '');
  const tags = [...new Set(residents.flatMap((r) => r.tags || []))].sort((a, b) => tagRank(a) - tagRank(b));
  const worst = worstGrade(disputes);
  const summary = h('summary.hh-summary',
    h('span.hh-room', roomLabel(household)),
    h('span.hh-kind', label('household.kind', household.kind)),
    worst ? h(`span.grade-dot.grade-${worst}`) : null,
    tags.length ? h('span.hh-tags', tagBadge(tags[0]), tags.length > 1 ? `+${tags.length - 1}` : null) : null,
    h('span.hh-names', names || t('household.no_residents')));
  return h('details.hh-card', { open, dataset: { household: household.id } },
    summary,
    h('div.hh-body',
      facts(household),
      section(t('household.residents'), residents.map((p) => residentRow(p, onReveal,
        onCorrect && (() => onCorrect(p, household)))), t('household.no_residents')),
      section(t('household.vehicles'), (household.vehicles || []).map(vehicleRow), t('household.no_vehicles')),
      section(t('household.disputes'), disputes.map(disputeRow), t('household.no_disputes')),
      section(t('household.visits'), (household.visits || []).map(visitRow), t('household.no_visits')),
      actions.length ? h('div.hh-actions', actions) : null));
}

export function roomLabel(household) {
  return t('household.room', { unit: household.unit ?? 1, floor: household.floor ?? 1, room: household.room ?? '' });
}

function facts(household) {
  const rows = [
    household.hukou_no ? [t('household.hukou_no'), household.hukou_no] : null,
    household.phone_masked || household.phone ? [t('household.phone'), household.phone_masked || household.phone] : null,
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
    (person.tags || []).length ? h('div.badges', person.tags.map(tagBadge)) : null);
}

function vehicleRow(vehicle) {
  const detail = [label('vehicle.kind', vehicle.kind), vehicle.brand, vehicle.color].filter(Boolean).join(' · ');
  return h('li.vehicle', { dataset: { vehicle: vehicle.id } },
    h('span.plate', vehicle.plate_masked || vehicle.plate || ''), h('span.muted', detail));
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

function visitRow(visit) {
  const who = visit.by || visit.user_display_name || visit.username || '';
  return h('li.visit', { dataset: { visit: visit.id } },
    h('div.visit-line', h('span.visit-date', formatDateTime(visit.visited_at)), h('span.muted', who),
      visit.follow_up ? h('span.badge.badge-warn', t('visit.follow_up')) : null,
      visit.flagged_far ? h('span.badge.badge-danger', t('visit.far', { n: Math.round(visit.distance_m ?? 0) })) : null),
    visit.notes ? h('div.visit-notes', visit.notes) : null);
}

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
