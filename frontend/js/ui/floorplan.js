// 楼盘表: units side by side, floors top-down, one cell per room; the cell colour tells the days since the
// last visit, the corner the worst open dispute, the letters the flags. Clicking a cell selects the
// household (onSelect(householdId)).
import { floorplanOrganisations } from './organisation.js';
import { label, t } from '../i18n/index.js';
import { h } from './dom.js';

const FLAG_SHORT = {
  floating: '流', foreign: '外', key_person: '重', elderly_alone: '老', left_behind_child: '童', disabled: '残',
};

export function visitClass(days, vacant) {
  if (vacant) return 'fp-vacant';
  if (days == null) return 'fp-never';
  if (days <= 30) return 'fp-recent';
  if (days <= 90) return 'fp-due';
  return 'fp-overdue';
}

// The rooms of GET /api/buildings/{id}/floorplan (FloorplanOut in api/places/schemas.py) as cells.
export function floorplanCells(body) {
  return body.rooms.map((room) => ({
    unit: room.unit,
    floor: room.floor,
    room: room.room,
    householdId: room.household_id,
    kind: room.kind,
    residents: room.residents,
    flags: room.flags,
    days: room.days_since_visit,
    grade: room.dispute_colour,
  }));
}

function shortFlags(flags) {
  const letters = flags.map((f) => FLAG_SHORT[f]).filter(Boolean);
  return letters.length > 3 ? `${letters.slice(0, 2).join('')}…` : letters.join('');
}

// 实有单位 in their cells: an organisation with a unit and floor joins the room it names (mixed buildings
// show both), or gets a cell of its own (shops, offices: no household there); one without a unit or floor
// occupies the whole building and stays in the list under the grid only.
export function placeOrganisations(cells, organisations = []) {
  const out = cells.map((c) => ({ ...c, organisations: [] }));
  for (const org of organisations) {
    if (org.unit == null || org.floor == null) continue;
    const room = org.room ?? '';
    let cell = out.find((c) => c.unit === org.unit && c.floor === org.floor && c.room === room);
    if (!cell) {
      cell = { unit: org.unit, floor: org.floor, room, householdId: null, kind: 'organisation', residents: 0,
        flags: [], days: null, grade: null, organisations: [] };
      out.push(cell);
    }
    cell.organisations.push(org);
  }
  return out;
}

export function renderFloorplan(body, { onSelect, selectedId } = {}) {
  const cells = placeOrganisations(floorplanCells(body), body.organisations);
  const organisations = floorplanOrganisations(body.organisations);
  if (!cells.length) return organisations ?? h('p.empty', t('floorplan.no_rooms'));
  const units = [...new Set(cells.map((c) => c.unit))].sort((a, b) => a - b);
  const grid = h('div.floorplan', { role: 'group', 'aria-label': t('floorplan.grid_label'),
    onkeydown: (e) => roam(e, grid) },
  units.map((unit) => unitBlock(unit, cells.filter((c) => c.unit === unit), { onSelect, selectedId })));
  // roving focus: the grid is one tab stop (the selected room, else the first); arrows move within it
  const buttons = [...grid.querySelectorAll('.fp-cell')];
  const current = buttons.find((b) => b.classList.contains('fp-selected')) || buttons[0];
  buttons.forEach((b) => b.setAttribute('tabindex', b === current ? '0' : '-1'));
  const skip = h('a.fp-skip', { href: '#households-heading', onclick: (e) => {
    e.preventDefault();
    const target = e.currentTarget.closest('.panel-body, body')?.querySelector('#households-heading');
    target?.focus();
    target?.scrollIntoView({ block: 'start' });
  } }, t('floorplan.skip'));
  return h('div.floorplan-block', legend(), skip, h('div.floorplan-wrap', grid), organisations);
}

// Arrow keys: left/right the previous/next room (across units), up/down the same position a floor up or
// down in the unit; Home/End the first/last room.
function roam(e, grid) {
  const cell = e.target.closest('.fp-cell');
  if (!cell) return;
  const all = [...grid.querySelectorAll('.fp-cell')];
  let next = null;
  if (e.key === 'ArrowRight') next = all[all.indexOf(cell) + 1];
  else if (e.key === 'ArrowLeft') next = all[all.indexOf(cell) - 1];
  else if (e.key === 'Home') next = all[0];
  else if (e.key === 'End') next = all[all.length - 1];
  else if (e.key === 'ArrowUp' || e.key === 'ArrowDown') {
    const row = cell.closest('.fp-row');
    const index = [...row.querySelectorAll('.fp-cell')].indexOf(cell);
    const sibling = e.key === 'ArrowUp' ? row.previousElementSibling : row.nextElementSibling;
    const cells = sibling?.classList.contains('fp-row') ? [...sibling.querySelectorAll('.fp-cell')] : [];
    next = cells[Math.min(index, cells.length - 1)];
  }
  if (!next) return;
  e.preventDefault();
  cell.setAttribute('tabindex', '-1');
  next.setAttribute('tabindex', '0');
  next.focus();
}

function unitBlock(unit, cells, options) {
  const floors = [...new Set(cells.map((c) => c.floor))].sort((a, b) => b - a);
  return h('div.fp-unit', h('div.fp-unit-title', t('floorplan.unit', { n: unit })),
    floors.map((floor) => h('div.fp-row',
      h('span.fp-floor', `${floor}F`),
      cells.filter((c) => c.floor === floor).sort((a, b) => a.room.localeCompare(b.room, 'zh-CN', { numeric: true }))
        .map((cell) => roomCell(cell, options)))));
}

function roomCell(cell, options) {
  if (cell.householdId == null && cell.organisations.length) return organisationCell(cell);
  const { onSelect, selectedId } = options;
  const vacant = cell.kind === 'vacant' || cell.householdId == null;
  const tip = [
    `${cell.room} · ${label('household.kind', cell.kind)}`,
    t('floorplan.residents', { n: cell.residents }),
    cell.days == null ? t('floorplan.visit_never') : t('floorplan.days_since_visit', { n: cell.days }),
    cell.grade ? `${t('floorplan.legend_dispute')}${label('dispute.grade', cell.grade)}` : '',
    cell.flags.map((f) => label('tags', f)).join('、'),
  ].filter(Boolean).join('\n');
  const classes = ['fp-cell', visitClass(cell.days, vacant)];
  if (cell.householdId != null && cell.householdId === selectedId) classes.push('fp-selected');
  return h('button', {
    type: 'button', class: classes.join(' '), title: tip, 'aria-label': tip.replace(/\n/g, '，'),
    dataset: { household: cell.householdId ?? '', room: cell.room },
    onclick: () => cell.householdId != null && onSelect?.(cell.householdId),
  },
  cell.grade ? h(`span.fp-grade.grade-${cell.grade}`) : null,
  h('span.fp-room', cell.room),
  h('span.fp-count', vacant ? t('floorplan.vacant') : t('floorplan.residents', { n: cell.residents })),
  h('span.fp-flags', shortFlags(cell.flags)),
  cell.organisations.length ? h('span.fp-org', { title: cell.organisations.map((o) => o.name).join('、') },
    t('floorplan.organisations_here', { n: cell.organisations.length })) : null);
}

// A cell only organisations occupy: their names; a click shows the first one's card below
function organisationCell(cell) {
  const names = cell.organisations.map((o) => o.name).join('、');
  const tip = `${cell.room || t('floorplan.floor', { n: cell.floor })} · ${names}`;
  return h('button', {
    type: 'button', class: 'fp-cell fp-org-cell', title: tip, 'aria-label': tip,
    dataset: { household: '', room: cell.room, organisation: cell.organisations[0].organisation_id },
    onclick: () => {
      const card = document.querySelector(`[data-organisation="${cell.organisations[0].organisation_id}"]:not(.fp-cell)`);
      card?.scrollIntoView({ block: 'nearest' });
      card?.focus?.();
    },
  },
  h('span.fp-room', cell.room || `${cell.floor}F`),
  h('span.fp-org-name', names));
}

function legend() {
  const swatch = (cls, text) => h('span.fp-legend-item', h(`span.fp-swatch.${cls}`), text);
  return h('div.fp-legend', { 'data-testid': 'floorplan-legend' },
    h('span.fp-legend-label', t('floorplan.legend_visit')),
    swatch('fp-recent', t('floorplan.visit_recent')), swatch('fp-due', t('floorplan.visit_due')),
    swatch('fp-overdue', t('floorplan.visit_overdue')), swatch('fp-never', t('floorplan.visit_never')),
    h('span.fp-legend-label', t('floorplan.legend_dispute')),
    ['green', 'yellow', 'orange', 'red'].map((g) => h('span.fp-legend-item', h(`span.fp-grade-dot.grade-${g}`),
      label('dispute.grade', g))));
}
