// Small coloured labels: person tags, residency, dispute grades and statuses.
import { label, t } from '../i18n/index.js';
import { h } from './dom.js';

const TAG_TONE = {
  key_person: 'danger', community_correction: 'danger', drug_history: 'danger', mental_health: 'warn',
  elderly_alone: 'care', left_behind_child: 'care', disabled: 'care', low_income: 'care', veteran: 'info',
};

export function tagBadge(tag) {
  return h(`span.badge.badge-${TAG_TONE[tag] || 'muted'}`, { dataset: { tag } }, label('tags', tag));
}

export function residencyBadge(residency) {
  if (!residency) return null;
  return h(`span.badge.badge-res-${residency}`, label('person.residency', residency));
}

export function gradeDot(grade) {
  return h(`span.grade-dot.grade-${grade}`, { title: label('dispute.grade', grade) });
}

export function gradeBadge(grade) {
  return h(`span.badge.badge-grade.grade-${grade}`, label('dispute.grade', grade));
}

export function statusBadge(status) {
  return h(`span.badge.badge-status.status-${status}`, label('dispute.status', status));
}

export function countChip(text) {
  return h('span.chip', text);
}

export function yesNo(value) {
  return value ? t('common.yes') : t('common.no');
}
