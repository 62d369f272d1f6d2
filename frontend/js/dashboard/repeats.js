// 重复地点 in the dashboard: how concentrated incidents are on buildings (the top 1/5/10 % of buildings
// hold what share), how many buildings had 1, 2, … incidents, and — for users with beats in scope only —
// the repeat buildings of their beats with the incidents (the server sends `locations: null` otherwise).
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
  return [summary, concentration, distribution, locations];
}
