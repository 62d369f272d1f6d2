// 我的任务: GET /api/worklist in four sections (households due a visit, key persons due this month,
// disputes overdue, open red/orange disputes); each item flies the map to its place.
import { api } from '../api.js';
import { label, t } from '../i18n/index.js';
import { gradeBadge, statusBadge, tagBadge } from './badges.js';
import { h, clear } from './dom.js';
import { errorNode } from './errors.js';
import { formatDate } from './format.js';

export function worklistView({ onHousehold, onDispute }) {
  const root = h('div.worklist', h('p.muted.loading', t('common.loading')));
  Promise.all([api.get('/api/worklist', { limit: 30 }), api.get('/api/worklist/month').catch(() => null)])
    .then(([body, month]) => clear(root,
      month ? monthCard(month) : null,
      section(t('worklist.households_due', { days: body.households_due?.days ?? '' }), body.households_due,
        (item) => h('li.wl-item', { onclick: () => onHousehold(item) },
          h('div.wl-main', h('strong', item.address), h('span.muted.small', roomOf(item))),
          h('span.muted.small', item.last_visited_at ? formatDate(item.last_visited_at) : t('common.never')))),
      section(t('worklist.key_persons_due'), body.key_persons_due,
        (item) => h('li.wl-item', { onclick: () => onHousehold(item) },
          h('div.wl-main', h('strong', item.name), h('span.muted.small', `${item.address} ${roomOf(item)}`)),
          h('div.badges', (item.tags || []).slice(0, 2).map(tagBadge)))),
      section(t('worklist.disputes_due'), body.disputes_due, (d) => disputeItem(d, onDispute)),
      section(t('worklist.disputes_red_orange'), body.disputes_red_orange, (d) => disputeItem(d, onDispute))))
    .catch((err) => clear(root, h('p.empty', errorNode(err))));
  return root;
}

function roomOf(item) {
  return t('household.room', { unit: item.unit, floor: item.floor, room: item.room });
}

function disputeItem(d, onDispute) {
  return h('li.wl-item', { onclick: () => onDispute(d) },
    h('div.wl-main', h('strong', d.title), h('span.muted.small', label('dispute.category', d.category))),
    h('div.badges', gradeBadge(d.grade), statusBadge(d.status), d.overdue ? h('span.badge.badge-danger', t('dispute.overdue')) : null));
}

function section(title, data, row) {
  if (!data) return null;
  return h('section.panel-section.wl-section', h('h3', title, h('span.count', data.total)),
    data.items.length ? h('ul.wl-list', data.items.map(row)) : h('p.muted.small', t('worklist.nothing')));
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
