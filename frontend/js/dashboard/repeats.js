// 重复地点 in the dashboard: how concentrated incidents are on buildings (the top 1/5/10 % of buildings
// hold what share), how many buildings had 1, 2, … incidents, and — for users with beats in scope only —
// the repeat buildings of their beats (the server sends `locations: null` otherwise): a page of the busiest
// (`locations_total` in all) with each one's latest incidents; 更多 asks for the next page (`more(offset)`),
// 查看全部 for one building's every incident (`open(buildingId)`). Then the repeat victims (households)
// under the same rule.
import { t } from '../i18n/index.js';
import { clear, h, scrollable } from '../ui/dom.js';
import { errorNode } from '../ui/errors.js';
import { formatDateTime } from '../ui/format.js';

function incidentItems(incidents) {
  return incidents.map((i) => h('li',
    `${formatDateTime(i.occurred_at)} ${t(`dashboard.categories.${i.category}`)} ${i.summary ?? ''}`));
}

// One repeat building: its latest incidents, and a button for all of them when there are more.
function locationRow(loc, open) {
  const list = h('ul.nr-list', incidentItems(loc.incidents));
  const note = h('div.dash-note', { role: 'status' });
  const all = loc.count > loc.incidents.length && open
    ? h('button.link-btn', { type: 'button', 'data-testid': 'repeat-location-open',
      onclick: async (event) => {
        const button = event.currentTarget;
        button.disabled = true;
        clear(note, t('repeats.loading'));
        try {
          const one = await open(loc.building_id);
          clear(list, incidentItems(one.incidents));
          clear(note);
          button.remove();
        } catch (err) {
          clear(note, errorNode(err));
          button.disabled = false;
        }
      } }, t('repeats.open', { n: loc.count }))
    : null;
  return h('tr', { dataset: { building: String(loc.building_id) } },
    h('th', { scope: 'row' }, loc.address ?? '—'), h('td', loc.beat), h('td.num', String(loc.count)),
    h('td', list, all, note));
}

function locationsTable(body, { more, open } = {}) {
  if (body.locations == null) return h('p.dash-note', t('repeats.aggregates_only'));
  if (!body.locations.length) return h('p.dash-note', t('repeats.none_in_beats'));
  const rows = h('tbody', body.locations.map((loc) => locationRow(loc, open)));
  let shown = body.locations.length;
  const count = h('p.dash-note', { 'data-testid': 'repeat-locations-count' });
  const note = h('div.dash-note', { role: 'status' });
  const button = h('button', { type: 'button', 'data-testid': 'repeat-locations-more' }, t('repeats.more'));
  const update = () => {
    clear(count, t('repeats.shown', { shown, total: body.locations_total }));
    button.hidden = !more || shown >= body.locations_total;
  };
  button.addEventListener('click', async () => {
    button.disabled = true;
    clear(note, t('repeats.loading'));
    try {
      const page = await more(shown);
      rows.append(...page.locations.map((loc) => locationRow(loc, open)));
      shown += page.locations.length;
      clear(note);
      if (!page.locations.length) shown = body.locations_total;  // the list shrank meanwhile
    } catch (err) {
      clear(note, errorNode(err));
    } finally {
      button.disabled = false;
      update();
    }
  });
  update();
  return [h('div.dash-scroll', scrollable(t('repeats.list')), h('table.dash-table', { 'data-testid': 'repeat-locations' },
    h('caption.dash-note', t('repeats.list')),
    h('thead', h('tr', h('th', { scope: 'col' }, t('repeats.address')), h('th', { scope: 'col' }, t('repeats.beat')),
      h('th', { scope: 'col' }, t('repeats.count')), h('th', { scope: 'col' }, t('repeats.latest')))),
    rows)), count, button, note];
}

export function repeatsPanel(body, actions = {}) {
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
  const locations = locationsTable(body, actions);
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
