// 我的任务: GET /api/worklist in four sections (households due a visit, key persons due this month,
// disputes overdue, open red/orange disputes). Each section is paged (every due item reachable, not the
// first 30) and the two long ones sortable; every row says why it is listed; "在地图上显示" puts the
// page's items on the map. Rows are buttons for the keyboard (Enter/Space). The view keeps its state, so
// the map screen can come back to it after an item was opened (js/screens/map.js).
import { api } from '../api.js';
import { label, t } from '../i18n/index.js';
import { gradeBadge, statusBadge, tagBadge } from './badges.js';
import { h, clear } from './dom.js';
import { errorNode } from './errors.js';
import { daysSince, formatDate } from './format.js';
import { warningTitle } from '../layers/warnings.js';

const PAGE = 20;
const SECTIONS = [
  { id: 'households_due', sorts: ['due', 'address', 'beat'] },
  { id: 'key_persons_due', sorts: ['due', 'name', 'address', 'beat'] },
  { id: 'disputes_due', sorts: null },
  { id: 'disputes_red_orange', sorts: null },
  { id: 'quality', sorts: null },
  { id: 'warnings', sorts: null },
];

export function worklistView({ onHousehold, onDispute, onWarning = null, onShowOnMap = null }) {
  const root = h('div.worklist', h('p.muted.loading', t('common.loading')));
  const state = window.holomap.worklist = { pages: {}, loaded: 0 };
  const sections = {};
  api.get('/api/worklist/month').catch(() => null).then((month) => {
    clear(root, month ? monthCard(month) : null,
      SECTIONS.map((s) => (sections[s.id] = pagedSection(s)).element));
    SECTIONS.forEach((s) => sections[s.id].load(0));
  });

  function pagedSection({ id, sorts }) {
    let sort = 'due';
    let offset = 0;
    let last = null;
    const count = h('span.count', '…');
    const title = h('h3', h('span.wl-title', t(`worklist.${id}`, { days: 90 })), count);
    const list = h('div.wl-body', h('p.muted.small', t('common.loading')));
    const pager = h('div.wl-pager');
    const sortSelect = sorts && h('select.wl-sort', { 'aria-label': t('worklist.sort'), dataset: { section: id },
      onchange: (e) => { sort = e.target.value; load(0); } },
    sorts.map((s) => h('option', { value: s }, t(`worklist.sorts.${s}`))));
    const mapButton = onShowOnMap && h('button.btn.btn-small.wl-map', { type: 'button', dataset: { section: id },
      onclick: () => last && onShowOnMap(last.items, t(`worklist.${id}`, { days: last.days ?? 90 })) },
    t('worklist.show_on_map'));
    const tools = h('div.wl-tools', sortSelect ? h('label.small', t('worklist.sort'), sortSelect) : null, mapButton);
    const element = h('section.panel-section.wl-section', { dataset: { section: id } }, title, tools, list, pager);

    async function load(at) {
      offset = at;
      try {
        const body = await api.get('/api/worklist', { section: id, limit: PAGE, offset, sort: sorts ? sort : null });
        last = body[id];
        state.pages[id] = { offset, total: last.total, items: last.items.length, sort };
        state.loaded += 1;
        if (id === 'households_due') title.firstChild.textContent = t(`worklist.${id}`, { days: last.days });
        count.textContent = String(last.total);
        clear(list, last.items.length ? h('ul.wl-list', last.items.map((item) => row(id, item, last)))
          : h('p.muted.small', t('worklist.nothing')));
        clear(pager, last.total > PAGE ? [
          h('button.btn.btn-small', { type: 'button', dataset: { page: 'prev' }, disabled: offset === 0,
            onclick: () => load(Math.max(0, offset - PAGE)) }, t('worklist.prev')),
          h('span.small.muted', { 'aria-live': 'polite' }, t('worklist.range', { from: offset + 1,
            to: offset + last.items.length, total: last.total })),
          h('button.btn.btn-small', { type: 'button', dataset: { page: 'next' },
            disabled: offset + PAGE >= last.total, onclick: () => load(offset + PAGE) }, t('worklist.next')),
        ] : null);
      } catch (err) {
        clear(list, h('p.empty', errorNode(err)));
      }
    }
    return { element, load };
  }

  function row(id, item, section) {
    if (id === 'households_due') {
      return button(() => onHousehold(item),
        h('div.wl-main', h('strong', `${item.address} ${roomOf(item)}`),
          h('span.wl-why', householdReason(item, section.days))),
        h('span.muted.small', item.beat_code));
    }
    if (id === 'key_persons_due') {
      return button(() => onHousehold(item),
        h('div.wl-main', h('strong', item.name), h('span.muted.small', `${item.address} ${roomOf(item)}`),
          h('span.wl-why', t('worklist.why_key_person', {
            tags: (item.reason_tags || []).map((tag) => label('tags', tag)).join('、'),
            last: item.last_visited_at ? formatDate(item.last_visited_at) : t('common.never') }))),
        h('div.badges', (item.reason_tags || []).slice(0, 2).map(tagBadge)));
    }
    if (id === 'warnings') {
      return button(() => onWarning?.(item),
        h('div.wl-main', h('strong', warningTitle(item)),
          h('span.wl-why', t('worklist.why_warning', { n: item.households, until: formatDate(item.expires_at) })),
          h('span.muted.small', t(`warnings.messages.${item.category}`))),
        h('span.muted.small', item.my_beats.join('、')));
    }
    if (id === 'quality') {
      return button(() => onHousehold(item),
        h('div.wl-main', h('strong', item.label), item.detail ? h('span.muted.small', item.detail) : null,
          h('span.wl-why', t(`quality.checks.${item.check}`))));
    }
    return button(() => onDispute(item),
      h('div.wl-main', h('strong', item.title), h('span.muted.small', label('dispute.category', item.category)),
        h('span.wl-why', disputeReason(id, item))),
      h('div.badges', gradeBadge(item.grade), statusBadge(item.status)));
  }
  return root;
}

// A row that is a button for the keyboard and screen readers too (Enter and Space open it), inside a plain
// list item (a list's children must stay list items for screen readers to count them).
function button(activate, ...children) {
  return h('li.wl-entry', h('div.wl-item', { tabindex: '0', role: 'button', onclick: activate,
    onkeydown: (e) => {
      if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); activate(); }
    } }, children));
}

function householdReason(item, days) {
  if (!item.last_visited_at) return t('worklist.why_never');
  return t('worklist.why_days', { n: daysSince(item.last_visited_at), days, at: formatDate(item.last_visited_at) });
}

function disputeReason(id, d) {
  if (id === 'disputes_red_orange') return t('worklist.why_grave', { grade: label('dispute.grade', d.grade) });
  const why = [];
  if (d.overdue_response) why.push(t('worklist.why_response', { at: formatDate(d.response_due_at) }));
  if (d.overdue_resolution) why.push(t('worklist.why_resolution', { at: formatDate(d.resolution_due_at) }));
  if (d.status === 'resolved' && d.next_return_visit) {
    why.push(t('worklist.why_return_visit', { at: formatDate(d.next_return_visit) }));
  }
  return why.join('；');
}

function roomOf(item) {
  return t('household.room', { unit: item.unit, floor: item.floor, room: item.room });
}

function monthCard(m) {
  const target = (name, value) => h('div.target', { class: value.met ? 'met' : 'short' },
    h('span.target-value', `${value.count}/${value.target}`), h('span.target-name', name));
  return h('div.month-card',
    h('div.month-title', t('worklist.month', { month: m.month })),
    h('div.targets', target(t('worklist.households_visited'), m.households_visited),
      target(t('worklist.key_persons_visited'), m.key_persons_visited)),
    h('div.muted.small', t('worklist.month_counts', { visits: m.visits, disputes: m.disputes_mediated,
      info: m.information_collected })));
}
