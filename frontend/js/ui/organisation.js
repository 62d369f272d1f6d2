// 实有单位 in the building panel: one card per organisation of the lookup document (name, kind, 九小场所 /
// 重点单位, credit code, person in charge, place, fire-safety check) with its employees, identities masked.
import { label, t } from '../i18n/index.js';
import { h } from './dom.js';

export function organisationsSection(list) {
  if (!list.length) return null;
  return h('section.panel-section.organisations',
    h('h3', t('org.title', { n: list.length })),
    list.map((org) => organisationCard(org, list.length <= 3)));
}

function place(org) {
  if (org.unit == null && org.floor == null && !org.room) return t('org.whole_building');
  return t('org.place', { unit: org.unit ?? '-', floor: org.floor ?? '-', room: org.room ?? '' });
}

export function organisationCard(org, open = false) {
  const facts = [
    [t('org.credit_code'), org.credit_code || t('org.none')],
    [t('org.person_in_charge'), org.person_in_charge || t('org.none')],
    [t('org.phone'), org.phone_masked || t('org.none')],
    [t('org.place_label'), place(org)],
    [t('org.opened_on'), org.opened_on || t('org.none')],
    [t('org.fire_check_on'), org.fire_check_on || t('org.never')],
  ];
  const employees = org.employees || [];
  return h('details.org-card', { open, dataset: { organisation: org.id } },
    h('summary',
      h('span.org-name', org.name),
      h('span.chip', label('org_kind', org.kind)),
      org.small_venue ? h('span.badge.badge-muted', t('org.small_venue')) : null,
      org.key_unit ? h('span.badge', t('org.key_unit')) : null,
      org.status !== 'open' ? h('span.badge.badge-muted', label('org_status', org.status)) : null),
    h('dl.facts', facts.map(([k, v]) => [h('dt', k), h('dd', String(v))])),
    h('h4', t('org.employees', { n: employees.length })),
    employees.length
      ? h('ul.org-employees', employees.map((e) => h('li.org-employee',
        h('span.employee-name', e.name),
        e.id_number_masked ? h('span.muted.small.mono', e.id_number_masked) : null,
        e.role ? h('span.chip', e.role) : null,
        e.since ? h('span.muted.small', t('org.since', { date: e.since })) : null)))
      : h('p.muted.small', t('org.no_employees')));
}

// 楼盘表: the organisations under the grid, by unit/floor/room
export function floorplanOrganisations(list) {
  if (!list?.length) return null;
  return h('ul.fp-organisations', list.map((o) => h('li.fp-organisation', { dataset: { organisation: o.organisation_id } },
    h('span.org-name', o.name), h('span.chip', label('org_kind', o.kind)),
    h('span.muted.small', place(o)),
    h('span.muted.small', t('org.employees', { n: o.employees })))));
}
