// Dashboard panels drawn as plain DOM (no chart library): summary figures, period comparison, monthly
// bars, the hour × weekday matrix, the per-beat table and the officer statistics table.
import { t } from '../i18n/index.js';
import { h } from '../ui/dom.js';

const WEEKDAYS = ['一', '二', '三', '四', '五', '六', '日'];

function pct(value) {
  if (value == null) return '—';
  return `${value > 0 ? '+' : ''}${value}%`;
}

export function summary(compare, heat) {
  return h('div.dash-summary',
    h('div.dash-figure', h('span.dash-num', { 'data-testid': 'incident-total' }, String(heat.total)),
      h('span.dash-cap', t('dashboard.total'))),
    h('div.dash-figure', h('span.dash-num', String(compare.previous.total)),
      h('span.dash-cap', t('dashboard.previous_total'))),
    h('div.dash-figure', h('span.dash-num', { class: compare.change_pct > 0 ? 'up' : 'down' },
      pct(compare.change_pct)), h('span.dash-cap', t('dashboard.change'))),
    h('div.dash-figure', h('span.dash-num', { 'data-testid': 'cell-count' }, String(heat.features.length)),
      h('span.dash-cap', t('dashboard.cells'))));
}

export function comparisonTable(compare) {
  return h('table.dash-table',
    h('thead', h('tr', h('th', t('dashboard.category')), h('th', t('dashboard.current')),
      h('th', t('dashboard.previous')), h('th', t('dashboard.change')))),
    h('tbody', compare.categories.map((c) => h('tr',
      h('td', t(`dashboard.categories.${c.category}`)), h('td.num', String(c.current)),
      h('td.num', String(c.previous)), h('td.num', { class: c.change_pct > 0 ? 'up' : 'down' }, pct(c.change_pct))))));
}

export function monthlyBars(compare) {
  const max = Math.max(1, ...compare.monthly.map((m) => m.count));
  return h('div.dash-bars', compare.monthly.map((m) => h('div.dash-bar', { title: `${m.month}：${m.count}` },
    h('span', { style: { height: `${Math.round((100 * m.count) / max)}%` } }),
    h('em', m.month.slice(5)))));
}

export function matrixTable(matrix) {
  const max = Math.max(1, ...matrix.counts.flat());
  return h('table.dash-matrix', { 'data-testid': 'hour-weekday' },
    h('thead', h('tr', h('th', ''), matrix.hours.map((hr) => h('th', hr % 3 === 0 ? String(hr) : '')))),
    h('tbody', matrix.counts.map((row, k) => h('tr', h('th', `周${WEEKDAYS[k]}`),
      row.map((n, hr) => h('td', {
        title: t('dashboard.matrix_cell', { day: WEEKDAYS[k], hour: hr, n }),
        style: { background: `rgba(217, 72, 1, ${(n / max).toFixed(3)})` },
      }))))));
}

export function beatsTable(beats) {
  return h('table.dash-table',
    h('thead', h('tr', h('th', t('dashboard.beat')), h('th', t('dashboard.incidents')), h('th', t('dashboard.change')),
      h('th', t('dashboard.rate')), h('th', t('dashboard.disputes')), h('th', t('dashboard.resolution')))),
    h('tbody', beats.features.map(({ properties: p }) => h('tr',
      h('td', `${p.beat_name}`), h('td.num', String(p.incidents)),
      h('td.num', { class: p.change_pct > 0 ? 'up' : 'down' }, pct(p.change_pct)),
      h('td.num', p.rate_per_1000 == null ? '—' : String(p.rate_per_1000)),
      h('td', ['green', 'yellow', 'orange', 'red'].map((g) => h(`span.dash-grade.${g}`,
        { title: t(`dashboard.grades.${g}`) }, String(p.disputes[g])))),
      h('td.num', p.resolution_rate == null ? '—' : `${Math.round(p.resolution_rate * 100)}%`)))));
}

export function officersTable(stats) {
  const last = stats.months[stats.months.length - 1];
  return h('div',
    h('p.dash-note', t('dashboard.officers_note', { month: last, visits: stats.targets.visits,
      key: stats.targets.key_persons })),
    h('table.dash-table', { 'data-testid': 'officer-stats' },
      h('thead', h('tr', h('th', t('dashboard.officer')), h('th', t('dashboard.visits')),
        h('th', t('dashboard.key_persons')), h('th', t('dashboard.mediated')), h('th', t('dashboard.collected')),
        h('th', t('dashboard.coverage')))),
      h('tbody', stats.officers.map((o) => {
        const m = o.months.find((x) => x.month === last) || {};
        return h('tr',
          h('td', `${o.officer_name}（${o.beats.join('、')}）`),
          h('td.num', { class: m.visits_met ? 'met' : 'unmet' }, `${m.households_visited ?? 0}/${stats.targets.visits}`),
          h('td.num', { class: m.key_persons_met ? 'met' : 'unmet' }, String(m.key_persons_visited ?? 0)),
          h('td.num', String(m.disputes_mediated ?? 0)),
          h('td.num', String((m.persons_registered ?? 0) + (m.vehicles_registered ?? 0))),
          h('td.num', o.coverage_90d == null ? '—' : `${Math.round(o.coverage_90d * 100)}%`));
      }))),
    // the answer is one page of officers (GET /api/analytics/officers?limit&offset)
    stats.total > stats.officers.length
      ? h('p.dash-note', { 'data-testid': 'officer-stats-shown' },
        t('dashboard.officers_shown', { shown: stats.officers.length, total: stats.total }))
      : null);
}
