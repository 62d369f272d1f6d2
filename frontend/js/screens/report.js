// 研判周报 (leaders and station chiefs): the weekly report of a station or the bureau for a China-time week
// (GET /api/reports/weekly), drawn as a document over the whole workspace; "打印 / 存为 PDF" prints it on A4
// pages (css/report.css), "导出表格" downloads the same tables (GET /api/reports/weekly.xlsx). Aggregates only.
// State for tests: window.holomap.report ({ loading, body }).
import { api, download } from '../api.js';
import { can } from '../auth/capabilities.js';
import { t } from '../i18n/index.js';
import { asset, h, clear, scrollable } from '../ui/dom.js';
import { errorNode } from '../ui/errors.js';
import { formatDateTime, formatDay, formatPeriod } from '../ui/format.js';
import { lastWeek, mondayOf, weekdayOf } from '../report/week.js';

const GRADES = ['red', 'orange', 'yellow', 'green'];

function ensureStylesheet() {
  if (document.querySelector('link[data-report]')) return;
  document.head.append(h('link', { rel: 'stylesheet', href: asset('css/report.css'), dataset: { report: '1' } }));
}

const pct = (value) => (value == null ? '—' : `${value > 0 ? '+' : ''}${value}%`);
const trend = (value) => (value > 0 ? 'up' : value < 0 ? 'down' : null);
const category = (c) => t(`dashboard.categories.${c}`);

// a cell: text, a node, or {text, class}; the first cell of a row heads it
function cell(value, first) {
  if (first) return h('th', { scope: 'row' }, value);
  if (value && typeof value === 'object' && !(value instanceof Node)) return h('td.num', { class: value.class }, value.text);
  return h('td.num', value);
}

// `texts`: how many leading columns hold text (left-aligned); the others are figures
function table(testid, head, rows, foot = null, texts = 1) {
  const tr = (cells) => h('tr', cells.map((value, k) => (k > 0 && k < texts ? h('td', value) : cell(value, k === 0))));
  return h('div.report-table-wrap', scrollable(testid),
    h('table.report-table', { 'data-testid': testid },
      h('thead', h('tr', head.map((text, k) => h(k >= texts ? 'th.num' : 'th', { scope: 'col' }, text)))),
      h('tbody', rows.map(tr)), foot ? h('tfoot', tr(foot)) : null));
}

function section(title, ...body) {
  return h('section.report-section', h('h2', title), body);
}

function figure(value, caption, note, cls) {
  return h('div.report-figure', h('span.report-num', { class: cls }, value), h('span.report-cap', caption),
    note ? h('span.report-note', note) : null);
}

function incidents(body) {
  const inc = body.incidents;
  const tot = inc.total;
  const row = (name, f) => [name, String(f.week), String(f.last_year),
    { text: pct(f.year_change_pct), class: trend(f.year_change_pct) }, String(f.previous_4w),
    String(f.previous_4w_mean), { text: pct(f.change_pct), class: trend(f.change_pct) }];
  return section(t('report.incidents'),
    h('div.report-figures',
      figure(String(tot.week), t('report.week_total'), formatPeriod(inc.periods.week)),
      figure(pct(tot.year_change_pct), t('report.yoy'), t('report.yoy_note', {
        period: formatPeriod(inc.periods.last_year), n: tot.last_year }), trend(tot.year_change_pct)),
      figure(pct(tot.change_pct), t('report.mom'), t('report.mom_note', {
        period: formatPeriod(inc.periods.previous_4w), n: tot.previous_4w, mean: tot.previous_4w_mean }),
      trend(tot.change_pct))),
    inc.categories.length
      ? table('report-incidents', [t('report.category'), t('report.this_week'), t('report.last_year'), t('report.yoy'),
        t('report.previous_4w'), t('report.previous_mean'), t('report.mom')],
      inc.categories.map((c) => row(category(c.category), c)), row(t('report.total'), tot))
      : h('p.report-empty', t('report.no_incidents')));
}

function trendChart(body) {
  const max = Math.max(1, ...body.trend.map((d) => d.count));
  const week = body.week.start;
  return section(t('report.trend'),
    h('div.report-trend', { role: 'img', 'aria-label': t('report.trend_label', { days: body.trend.length,
      n: body.trend.reduce((s, d) => s + d.count, 0) }), 'data-testid': 'report-trend' },
    body.trend.map((d) => h('div.report-day', { class: d.day >= week ? 'current' : null,
      title: t('report.day_value', { day: formatDay(d.day), n: d.count }) },
    h('b', String(d.count)), h('span', { style: { height: `${(100 * d.count) / max}%` } }),
    h('em', weekdayOf(d.day) === 0 ? d.day.slice(5) : '')))),
    h('p.report-note', t('report.trend_note')));
}

function hotspots(body) {
  const hot = body.hotspots;
  return section(t('report.hotspots'),
    h('p', { 'data-testid': 'report-hotspots' }, t('report.hotspots_line', { new: hot.new, persisting: hot.persisting,
      ended: hot.ended, period: formatPeriod(hot.current), size: hot.size_m })),
    hot.cells.length ? table('report-hot-cells', [t('report.hot_status'), t('report.hot_class'), t('report.beat'),
      t('report.hot_count'), t('report.hot_before'), 'Gi* z'],
    hot.cells.map((c) => [t(`report.hot.${c.status}`), c.class === 'hot99' ? '99%' : '95%',
      [c.beat_code, c.beat_name].filter(Boolean).join(' ') || '—', String(c.count), String(c.count_before),
      String(c.z)]), null, 3) : null);
}

function warnings(body) {
  const w = body.warnings;
  return section(t('report.warnings'),
    h('p', t('report.warnings_line', w)),
    w.categories.length ? table('report-warnings', [t('report.category'), t('report.issued_col'), t('report.households'),
      t('report.active_at_end')], w.categories.map((g) => [category(g.category), String(g.issued), String(g.households),
      String(g.active_at_end)])) : null);
}

function disputes(body) {
  const d = body.disputes;
  const byGrade = Object.fromEntries(d.grades.map((g) => [g.grade, g]));
  return section(t('report.disputes'),
    table('report-disputes', [t('report.grade'), t('report.reported'), t('report.open'), t('report.overdue'),
      t('report.return_late')],
    GRADES.map((g) => [h('span', h('i.report-grade', { class: g }), t(`dashboard.grades.${g}`)),
      String(byGrade[g].reported), String(byGrade[g].open),
      { text: String(byGrade[g].overdue), class: byGrade[g].overdue ? 'up' : null },
      { text: String(byGrade[g].return_visits_late ?? '—'), class: byGrade[g].return_visits_late ? 'up' : null }]),
    [t('report.total'), String(d.reported), String(d.open), String(d.overdue), String(d.return_visits_late ?? '—')]),
    h('p.report-note', t('report.disputes_note', { days: d.limits.mediation_days })));
}

function visits(body) {
  const v = body.visits;
  const yes = (flag) => ({ text: flag ? '✓' : '✗', class: flag ? 'met' : 'unmet' });
  const [year, month] = v.month.split('-');
  const head = t('report.visits_line', { ...v, month: `${year}年${Number(month)}月`, as_of: formatDay(v.as_of) });
  if (v.rows) {
    return section(t('report.visits'), h('p', head),
      v.rows.length ? table('report-visits', [t('report.officer'), t('report.week_visits'), t('report.week_households'),
        t('report.month_households'), t('report.key_households'), t('report.met'), t('report.on_pace')],
      v.rows.map((o) => [`${o.name}（${o.beats.join('、')}）`, String(o.week_visits), String(o.week_households),
        String(o.month_households), String(o.month_key_households), yes(o.met), yes(o.on_pace)]))
        : h('p.report-empty', t('report.no_officers')));
  }
  return section(t('report.visits'), h('p', head),
    table('report-visits', [t('report.station'), t('report.officers'), t('report.week_visits'),
      t('report.month_households'), t('report.met'), t('report.on_pace'), t('report.key_met')],
    v.stations.map((s) => [`${s.station_code} ${s.station_name}`, String(s.officers), String(s.week_visits),
      String(s.month_households), String(s.met), String(s.on_pace), String(s.key_met)])));
}

export function reportDocument(body) {
  const scope = body.station ? `${body.station.name}（${body.station.code}）` : t('report.bureau');
  return h('article.report-doc', { 'data-testid': 'report-doc', dataset: { status: body.status } },
    h('header.report-head',
      h('h1', t('report.doc_title', { scope })),
      h('p.report-week', t('report.week_line', { period: formatPeriod(body.week), iso: body.week.iso })),
      h('p.report-status', { class: body.status },
        body.status === 'issued' ? t('report.issued', { at: formatDateTime(body.generated_at) })
          : t('report.provisional', { at: formatDateTime(body.generated_at) }))),
    incidents(body), trendChart(body), hotspots(body), warnings(body), disputes(body), visits(body),
    h('footer.report-foot', t('report.footer')));
}

export async function mount({ map, panel }) {
  ensureStylesheet();
  const state = window.holomap.report = { loading: false, body: null };
  const weekInput = h('input', { type: 'date', name: 'week', value: lastWeek(), 'aria-label': t('report.week') });
  const stationSelect = can('bureau.read') ? h('select', { name: 'station_id', 'aria-label': t('report.station') },
    h('option', { value: '' }, t('report.bureau'))) : null;
  const status = h('span.report-note', { role: 'status' });
  const doc = h('div.report-body', h('p.report-empty', t('common.loading')));
  const xlsxButton = h('button.btn.btn-small', { type: 'button', 'data-testid': 'report-xlsx', onclick: exportXlsx },
    t('report.export_xlsx'));
  const controls = h('div.report-controls',
    h('label', h('span', t('report.week')), weekInput),
    stationSelect ? h('label', h('span', t('report.station')), stationSelect) : null,
    h('button.btn.btn-small', { type: 'button', 'data-testid': 'report-print', onclick: () => window.print() },
      t('report.print')),
    xlsxButton, status);
  panel.setTitle(t('report.title')).setContent(controls, doc).open();
  document.body.classList.add('report-screen');
  const workspace = map.getContainer().parentElement;
  if (stationSelect) loadStations(stationSelect);

  const params = () => {
    const week = mondayOf(weekInput.value) || lastWeek();
    return stationSelect?.value ? { week, station_id: stationSelect.value } : { week };
  };
  weekInput.addEventListener('change', load);
  stationSelect?.addEventListener('change', load);

  async function load() {
    state.loading = true;
    document.body.dataset.report = 'loading';
    clear(status, t('common.loading'));
    try {
      const body = await api.get('/api/reports/weekly', params());
      state.body = body;
      clear(doc, reportDocument(body));
      clear(status);
      document.body.dataset.report = 'ready';
    } catch (err) {
      clear(doc, h('p.report-empty', errorNode(err)));
      clear(status);
      document.body.dataset.report = 'error';
    } finally {
      state.loading = false;
    }
  }

  async function exportXlsx() {
    xlsxButton.disabled = true;
    clear(status, t('dashboard.exporting'));
    try {
      clear(status, t('dashboard.exported', { name: await download('/api/reports/weekly.xlsx', params(),
        'holomap-weekly.xlsx') }));
    } catch (err) {
      clear(status, errorNode(err));
    } finally {
      xlsxButton.disabled = false;
    }
  }

  load();
  return () => {
    document.body.classList.remove('report-screen');
    delete document.body.dataset.report;
    workspace?.dispatchEvent(new Event('holomap:layout'));
  };
}

// The bureau's stations (the OGC stations collection: non-personal) as options after 全局.
async function loadStations(select) {
  try {
    const collection = await api.get('/ogc/collections/stations/items', { f: 'json', limit: 1000 });
    const stations = collection.features.map((f) => ({ id: Number(f.id ?? f.properties.id), code: f.properties.code,
      name: f.properties.name })).sort((a, b) => String(a.code).localeCompare(String(b.code)));
    select.append(...stations.map((st) => h('option', { value: st.id },
      `${st.code} ${st.name}`)));
  } catch {
    // the bureau's report still works without the list
  }
}
