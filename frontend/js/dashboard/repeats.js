// 重复地点 in the dashboard: how concentrated incidents are on buildings (the top 1/5/10 % of buildings
// hold what share), how many buildings had 1, 2, … incidents, and — for users with beats in scope only —
// the repeat buildings of their beats with the incidents (the server sends `locations: null` otherwise);
// then the repeat victims (households) under the same rule.
import { t } from '../i18n/index.js';
import { h, scrollable } from '../ui/dom.js';
import { formatDateTime } from '../ui/format.js';

export function repeatsPanel(body) {
  const concentration = h('ul.nr-list', { 'data-testid': 'repeat-concentration' },
    body.concentration.map((c) => h('li', t('repeats.top', { pct: c.top_pct, buildings: c.buildings,
      share: c.share_pct ?? '—', incidents: c.incidents }))));
  const summary = h('p.dash-note', t('repeats.summary', { incidents: body.incidents, at: body.at_buildings,
    radius: body.radius_m, repeat: body.repeat_buildings, repeatIncidents: body.repeat_incidents,
    share: body.repeat_share_pct ?? '—' }));
  const distribution = h('table.dash-table', { 'data-testid': 'repeat-distribution' },
    h('thead', h('tr', h('th', { scope: 'col' }, t('repeats.per_building')),
      h('th', { scope: 'col' }, t('repeats.buildings')))),
    h('tbody', body.distribution.map((d) => h('tr',
      h('th', { scope: 'row' }, d.or_more ? t('repeats.or_more', { n: d.incidents }) : t('repeats.exactly', { n: d.incidents })),
      h('td.num', String(d.buildings))))));
  const locations = body.locations == null ? h('p.dash-note', t('repeats.aggregates_only'))
    : !body.locations.length ? h('p.dash-note', t('repeats.none_in_beats'))
      : h('div.dash-scroll', scrollable(t('repeats.list')), h('table.dash-table', { 'data-testid': 'repeat-locations' },
        h('caption.dash-note', t('repeats.list')),
        h('thead', h('tr', h('th', { scope: 'col' }, t('repeats.address')), h('th', { scope: 'col' }, t('repeats.beat')),
          h('th', { scope: 'col' }, t('repeats.count')), h('th', { scope: 'col' }, t('repeats.incidents')))),
        h('tbody', body.locations.map((loc) => h('tr',
          h('th', { scope: 'row' }, loc.address ?? '—'), h('td', loc.beat), h('td.num', String(loc.count)),
          h('td', h('ul.nr-list', loc.incidents.map((i) => h('li',
            `${formatDateTime(i.occurred_at)} ${t(`dashboard.categories.${i.category}`)} ${i.summary ?? ''}`)))))))));
  return [summary, concentration, distribution, locations, ...victimsPanel(body.victims)];
}

// 重复受害: households named by two or more incidents. Counts and shares for everyone; the households of the
// user's beats with their incidents only when the server sends them (`households: null` otherwise).
export function victimsPanel(v) {
  if (!v) return [];
  const summary = h('p.dash-note', { 'data-testid': 'repeat-victims-summary' }, t('victims.summary', {
    linked: v.linked_incidents, households: v.victim_households, repeat: v.repeat_households,
    repeatPct: v.repeat_households_pct ?? '—', repeatIncidents: v.repeat_incidents, share: v.repeat_share_pct ?? '—' }));
  const concentration = h('ul.nr-list', { 'data-testid': 'repeat-victims-concentration' },
    v.concentration.map((c) => h('li', t('victims.top', { pct: c.top_pct, households: c.households,
      share: c.share_pct ?? '—', incidents: c.incidents }))));
  const list = v.households == null ? h('p.dash-note', t('victims.aggregates_only'))
    : !v.households.length ? h('p.dash-note', t('victims.none_in_beats'))
      : h('div.dash-scroll', scrollable(t('victims.list')), h('table.dash-table', { 'data-testid': 'repeat-victims' },
        h('caption.dash-note', t('victims.list')),
        h('thead', h('tr', h('th', { scope: 'col' }, t('victims.household')), h('th', { scope: 'col' }, t('repeats.beat')),
          h('th', { scope: 'col' }, t('repeats.count')), h('th', { scope: 'col' }, t('repeats.incidents')))),
        h('tbody', v.households.map((hh) => h('tr',
          h('th', { scope: 'row' }, t('victims.room', { address: hh.address ?? '—', unit: hh.unit, room: hh.room })),
          h('td', hh.beat), h('td.num', String(hh.count)),
          h('td', h('ul.nr-list', hh.incidents.map((i) => h('li',
            `${formatDateTime(i.occurred_at)} ${t(`dashboard.categories.${i.category}`)} ${i.summary ?? ''}`)))))))));
  return [h('h4.dash-subtitle', t('victims.title')), summary, concentration, list];
}
