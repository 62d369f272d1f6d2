// Dashboard panels drawn as plain DOM (no chart library): summary figures, period comparison, monthly
// bars, the hour × weekday matrix, the per-beat table and the officer statistics table.
import { t } from '../i18n/index.js';
import { h, scrollable } from '../ui/dom.js';
import { formatPeriod } from '../ui/format.js';
import { classOf, quantiles, ranges } from './classify.js';

const WEEKDAYS = ['一', '二', '三', '四', '五', '六', '日'];

function pct(value) {
  if (value == null) return '—';
  return `${value > 0 ? '+' : ''}${value}%`;
}

function trend(value) { return value > 0 ? 'up' : value < 0 ? 'down' : null; }

function figure(number, caption, attrs = {}, note = null) {
  return h('div.dash-figure', h('span.dash-num', attrs, number), h('span.dash-cap', caption),
    note ? h('span.dash-period', note) : null);
}

// Totals of the period, 环比 (previous period of the same length) and 同比 (same days a year earlier),
// each with its dates.
export function summary(compare, heat) {
  return h('div.dash-summary',
    figure(String(heat.total), t('dashboard.total'), { 'data-testid': 'incident-total' },
      formatPeriod(compare.current)),
    figure(pct(compare.change_pct), t('dashboard.change_mom'),
      { class: trend(compare.change_pct), 'data-testid': 'change-mom' },
      t('dashboard.against', { period: formatPeriod(compare.previous), n: compare.previous.total })),
    figure(pct(compare.year_change_pct), t('dashboard.change_yoy'),
      { class: trend(compare.year_change_pct), 'data-testid': 'change-yoy' },
      t('dashboard.against', { period: formatPeriod(compare.year_ago), n: compare.year_ago.total })),
    figure(String(heat.features.length), t('dashboard.cells'), { 'data-testid': 'cell-count' }));
}

export function comparisonTable(compare) {
  return h('table.dash-table', { 'data-testid': 'comparison' },
    h('caption.dash-note', t('dashboard.periods', { current: formatPeriod(compare.current),
      previous: formatPeriod(compare.previous), year: formatPeriod(compare.year_ago) })),
    h('thead', h('tr', h('th', { scope: 'col' }, t('dashboard.category')),
      h('th', { scope: 'col' }, t('dashboard.current')), h('th', { scope: 'col' }, t('dashboard.previous')),
      h('th', { scope: 'col' }, t('dashboard.change_mom')), h('th', { scope: 'col' }, t('dashboard.year_ago')),
      h('th', { scope: 'col' }, t('dashboard.change_yoy')))),
    h('tbody', compare.categories.map((c) => h('tr',
      h('th', { scope: 'row' }, t(`dashboard.categories.${c.category}`)), h('td.num', String(c.current)),
      h('td.num', String(c.previous)), h('td.num', { class: trend(c.change_pct) }, pct(c.change_pct)),
      h('td.num', String(c.year_ago)), h('td.num', { class: trend(c.year_change_pct) }, pct(c.year_change_pct))))));
}

// Round axis ticks 0 … ≥ max (3 or 4 of them).
export function ticks(max) {
  if (max <= 0) return [0, 1];
  const raw = max / 3;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw);
  const out = [];
  for (let v = 0; v < max + step; v += step) out.push(v);
  return out;
}

// Monthly bars with a y axis (incidents), gridlines, the value over each bar and the month under it.
export function monthlyBars(compare) {
  const axis = ticks(Math.max(0, ...compare.monthly.map((m) => m.count)));
  const top = axis[axis.length - 1] || 1;
  return h('figure.dash-chart', { 'data-testid': 'monthly-bars' },
    h('figcaption.dash-note', t('dashboard.monthly_caption')),
    h('div.dash-plot',
      h('div.dash-axis', { 'aria-hidden': 'true' }, axis.slice().reverse().map((v) => h('span', String(v)))),
      h('div.dash-bars', { role: 'list' },
        axis.map((v) => h('i.dash-grid', { style: { bottom: `${(100 * v) / top}%` } })),
        compare.monthly.map((m) => h('div.dash-bar', { role: 'listitem',
          'aria-label': t('dashboard.month_value', { month: m.month, n: m.count }) },
        h('b', String(m.count)),
        h('span', { style: { height: `${(100 * m.count) / top}%` } }))))),
    h('div.dash-months', { 'aria-hidden': 'true' }, h('span'),
      compare.monthly.map((m) => h('em', m.month.slice(5) === '01' ? `${m.month.slice(0, 4)}/1` : String(Number(m.month.slice(5)))))),
    h('p.dash-note', t('dashboard.axis_units')));
}

const MATRIX = ['#ffffff', '#fee6ce', '#fdd0a2', '#fdae6b', '#fd8d3c', '#a63603'];

// Hour (rows) × weekday (columns): every cell shows its count, coloured by quantile class; a legend with
// the classes' ranges; the darkest class has white text (contrast ≥ 4.5:1 either way).
export function matrixTable(matrix) {
  const values = matrix.counts.flat().filter((n) => n > 0);
  const breaks = quantiles(values, MATRIX.length - 1);
  const colourOf = (n) => (n === 0 ? MATRIX[0] : MATRIX[1 + classOf(n, breaks)]);
  const dark = (n) => n > 0 && breaks.length >= 3 && classOf(n, breaks) === breaks.length - 1; // #a63603: white text
  const legendRows = [[MATRIX[0], '0']].concat(ranges(breaks, Math.min(...values, 1)).map(([lo, hi], i) => [
    MATRIX[1 + i], (i === 0 ? lo : lo + 1) >= hi ? String(hi) : `${i === 0 ? lo : lo + 1} – ${hi}`]));
  return h('div',
    h('div.dash-matrix-legend', { 'data-testid': 'matrix-legend' }, h('span', t('dashboard.matrix_measure')),
      legendRows.map(([colour, text]) => h('span', h('i', { style: { background: colour } }), text))),
    h('div.dash-matrix-wrap', scrollable(t('dashboard.matrix')), h('table.dash-matrix', { 'data-testid': 'hour-weekday' },
      h('caption.dash-sr', t('dashboard.matrix')),
      h('thead', h('tr', h('th', { scope: 'col' }, t('dashboard.hour')),
        WEEKDAYS.map((d) => h('th', { scope: 'col' }, `周${d}`)), h('th', { scope: 'col' }, t('dashboard.sum')))),
      h('tbody', matrix.hours.map((hr) => h('tr', h('th', { scope: 'row' }, `${hr}时`),
        matrix.counts.map((row, k) => h('td', {
          class: dark(row[hr]) ? 'dark' : null,
          title: t('dashboard.matrix_cell', { day: WEEKDAYS[k], hour: hr, n: row[hr] }),
          style: { background: colourOf(row[hr]) },
        }, String(row[hr]))),
        h('td.sum', String(matrix.by_hour[hr]))))),
      h('tfoot', h('tr', h('th', { scope: 'row' }, t('dashboard.sum')),
        matrix.by_weekday.map((n) => h('td.sum', String(n))), h('td.sum', String(matrix.total)))))));
}

export function beatsTable(beats) {
  return h('table.dash-table',
    h('thead', h('tr', h('th', t('dashboard.beat')), h('th', t('dashboard.incidents')), h('th', t('dashboard.change_mom')),
      h('th', t('dashboard.rate')), h('th', t('dashboard.disputes')), h('th', t('dashboard.resolution')))),
    h('tbody', beats.features.map(({ properties: p }) => h('tr',
      h('td', `${p.beat_name}`), h('td.num', String(p.incidents)),
      h('td.num', { class: trend(p.change_pct) }, pct(p.change_pct)),
      h('td.num', p.rate_per_1000 == null ? '—' : String(p.rate_per_1000)),
      h('td', ['green', 'yellow', 'orange', 'red'].map((g) => h(`span.dash-grade.${g}`,
        { title: t(`dashboard.grades.${g}`), 'aria-label': `${t(`dashboard.grades.${g}`)} ${p.disputes[g]}` },
        String(p.disputes[g])))),
      h('td.num', p.resolution_rate == null ? '—' : `${Math.round(p.resolution_rate * 100)}%`)))));
}

// The 1+1+N of the beats (officers, auxiliaries, grid members) over the chosen period: the months summed.
export function officersTable(stats) {
  const months = stats.months.length;
  return h('div',
    h('p.dash-note', t('dashboard.officers_note', { from: stats.months[0], to: stats.months[months - 1], months,
      visits: stats.targets.visits, key: stats.targets.key_persons })),
    h('div.dash-scroll', h('table.dash-table', { 'data-testid': 'officer-stats' },
      h('thead', h('tr', h('th', t('dashboard.officer')), h('th', t('dashboard.duty')), h('th', t('dashboard.visits')),
        h('th', t('dashboard.visit_months')), h('th', t('dashboard.key_persons')), h('th', t('dashboard.mediated')),
        h('th', t('dashboard.collected')), h('th', t('dashboard.coverage')))),
      h('tbody', stats.officers.map((o) => {
        const s = o.totals;
        return h('tr', { dataset: { role: o.role } },
          h('td', `${o.officer_name}（${o.beats.join('、')}）`),
          h('td', t(`role.${o.role}`)),
          h('td.num', { title: t('dashboard.visits_title', { households: s.households_visited }) }, String(s.visits)),
          h('td.num', { class: s.visits_met_months === months ? 'met' : 'unmet' }, `${s.visits_met_months}/${months}`),
          h('td.num', String(s.key_persons_visited)),
          h('td.num', String(s.disputes_mediated)),
          h('td.num', String(s.information_collected)),
          h('td.num', o.coverage_90d == null ? '—' : `${Math.round(o.coverage_90d * 100)}%`));
      })))),
    // the answer is one page of officers (GET /api/analytics/officers?limit&offset)
    stats.total > stats.officers.length
      ? h('p.dash-note', { 'data-testid': 'officer-stats-shown' },
        t('dashboard.officers_shown', { shown: stats.officers.length, total: stats.total }))
      : null);
}
