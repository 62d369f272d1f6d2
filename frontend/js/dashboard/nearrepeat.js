// 近重复分析 (Knox) in the dashboard: one category over the dashboard's period, distance × time bands,
// Knox ratios with the significant cells marked, the zone in one sentence and a legend explaining the
// classes. GET /api/analytics/near-repeat answers `status: running` with its progress while the
// simulations run; the panel shows a progress bar and asks again. While newer data is recomputed the server
// sends the previous answer (`stale`): it is shown at once, marked 正在更新, and replaced when done.
// State: window.holomap.dashboard.nearRepeat.
import { api } from '../api.js';
import { t } from '../i18n/index.js';
import { h, clear, scrollable } from '../ui/dom.js';
import { errorNode } from '../ui/errors.js';
import { formatDateTime } from '../ui/format.js';
import { CATEGORIES } from './filters.js';

const POLL_MS = 1000;

function select(name, label, options, value) {
  return h('label', label, h('select', { name, 'aria-label': label },
    options.map(([v, text]) => h('option', { value: String(v), selected: v === value }, text))));
}

function distanceLabel(band) {
  if (band.same_location) return t('near_repeat.same_location');
  if (band.to_m == null) return t('near_repeat.more_than_m', { m: band.from_m });
  return t('near_repeat.metres', { from: band.from_m === 1 ? 1 : band.from_m + 1, to: band.to_m });
}

function daysLabel(band) {
  return band.to_days == null ? t('near_repeat.more_than_days', { d: band.from_days - 1 })
    : t('near_repeat.days', { from: band.from_days, to: band.to_days });
}

// Cell classes: significant (p ≤ 0.05 and ratio ≥ 1.2), above (ratio ≥ 1.2 but not significant), none.
function cellClass(cell) {
  if (cell.significant) return 'nr-sig';
  return cell.ratio != null && cell.ratio >= 1.2 ? 'nr-above' : null;
}

function knoxTable(result) {
  return h('div.dash-scroll', scrollable(t('near_repeat.title')),
    h('table.dash-table.nr-table', { 'data-testid': 'near-repeat-table' },
      h('caption.dash-note', t('near_repeat.caption', { events: result.events, pairs: result.pairs,
        permutations: result.permutations })),
      h('thead', h('tr', h('th', { scope: 'col' }, t('near_repeat.distance')),
        result.time_bands.map((b) => h('th', { scope: 'col' }, daysLabel(b))))),
      h('tbody', result.cells.map((row, r) => h('tr',
        h('th', { scope: 'row' }, distanceLabel(result.distance_bands[r])),
        row.map((cell) => h('td.num', {
          class: cellClass(cell),
          title: t('near_repeat.cell_title', { observed: cell.observed, expected: cell.expected ?? '—',
            p: cell.p ?? '—' }),
        }, cell.ratio == null ? '—' : cell.ratio.toFixed(2))))))));
}

function legend() {
  return h('div.dash-matrix-legend.nr-legend', { 'data-testid': 'near-repeat-legend' },
    h('span', t('near_repeat.legend_ratio')),
    h('span', h('i.nr-sig'), t('near_repeat.legend_significant')),
    h('span', h('i.nr-above'), t('near_repeat.legend_above')),
    h('span', h('i'), t('near_repeat.legend_none')));
}

function zoneSentence(body) {
  const { zone } = body.result;
  const category = t(`dashboard.categories.${body.category}`);
  return h('p.nr-zone', { 'data-testid': 'near-repeat-zone', role: 'status' }, zone
    ? t('near_repeat.zone', { category, m: zone.distance_m, days: zone.days, ratio: zone.ratio })
    : t('near_repeat.no_zone', { category }));
}

export function createNearRepeat({ params }) {
  const state = { status: 'idle', zone: null, progress: 0 };
  let generation = 0;
  const category = select('nr-category', t('dashboard.category'),
    CATEGORIES.map((c) => [c, t(`dashboard.categories.${c}`)]), 'theft');
  const width = select('nr-width', t('near_repeat.distance_band'), [50, 100, 200, 500].map((m) => [m, `${m} 米`]), 100);
  const count = select('nr-bands', t('near_repeat.distance_bands'), [3, 5, 8, 10].map((n) => [n, String(n)]), 5);
  const days = select('nr-days', t('near_repeat.time_band'), [1, 3, 7, 14].map((d) => [d, `${d} 天`]), 7);
  const periods = select('nr-periods', t('near_repeat.time_bands'), [3, 4, 6, 8].map((n) => [n, String(n)]), 4);
  const runs = select('nr-permutations', t('near_repeat.permutations'), [19, 99, 199, 999].map((n) => [n, String(n)]), 99);
  const run = h('button.dash-chip', { type: 'button', 'data-testid': 'near-repeat-run', onclick: () => compute() },
    t('near_repeat.run'));
  const bar = h('progress', { max: '1', value: '0', 'aria-label': t('near_repeat.progress') });
  const status = h('div.nr-status', { role: 'status', hidden: true }, bar, h('span'));
  const out = h('div.nr-result', h('p.dash-note', t('near_repeat.intro')));
  const value = (label) => label.querySelector('select').value;

  async function compute() {
    const mine = ++generation;
    const { cell: _c, size_m: _s, step: _st, category: _k, ...common } = params();
    const query = { ...common, category: value(category), distance_band_m: value(width),
      distance_bands: value(count), time_band_days: value(days), time_bands: value(periods),
      permutations: value(runs) };
    Object.assign(state, { status: 'running', zone: null, progress: 0 });
    run.disabled = true;
    status.hidden = false;
    try {
      for (;;) {
        const body = await api.get('/api/analytics/near-repeat', query);
        if (mine !== generation) return;
        if (body.status === 'done') {
          clear(out, zoneSentence(body), legend(), knoxTable(body.result));
          Object.assign(state, { status: 'done', zone: body.result.zone, progress: 1, category: body.category,
            stale: false, computedAt: body.computed_at });
          return;
        }
        if (body.result && body.stale) { // 正在更新: the previous answer while the recompute runs
          const note = t('near_repeat.stale', { at: formatDateTime(body.computed_at), version: body.data_version });
          clear(out, h('p.dash-note.nr-stale', { 'data-testid': 'near-repeat-stale' }, note),
            zoneSentence(body), legend(), knoxTable(body.result));
          Object.assign(state, { stale: true, zone: body.result.zone, category: body.category, staleNote: note,
            staleShown: (state.staleShown || 0) + 1 });
        }
        bar.value = body.progress;
        state.progress = body.progress;
        clear(status.lastChild, t('near_repeat.running', { pct: Math.round(body.progress * 100), events: body.events }));
        await new Promise((resolve) => { setTimeout(resolve, POLL_MS); });
      }
    } catch (err) {
      if (mine !== generation) return;
      state.status = 'error';
      clear(out, errorNode(err));
    } finally {
      if (mine === generation) {
        run.disabled = false;
        status.hidden = true;
      }
    }
  }

  const element = h('div.nr', { 'data-testid': 'near-repeat' },
    h('div.dash-row', category, width, count), h('div.dash-row', days, periods, runs),
    h('div.dash-row.dash-actions', run, status), out);
  return { element, state, compute };
}
