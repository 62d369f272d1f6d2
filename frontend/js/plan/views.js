// Panel views of the Plan screen: plan list, beat table with stats, rule-check problems, diff.
import { t } from '../i18n/index.js';
import { h } from '../ui/dom.js';
import { SHADES } from './shades.js';
import { problemText } from './problem-text.js';

export { problemText };

const fmt = (n) => (n == null ? '—' : Number(n).toLocaleString('zh-CN'));

export function planList(plans, { canCreate, onOpen, onCreate }) {
  return h('div.plan-list', { 'data-testid': 'plan-list' },
    canCreate ? h('button.btn.btn-primary.btn-block', { type: 'button', onclick: onCreate, 'data-testid': 'plan-create' },
      t('plan.create')) : null,
    plans.length ? h('ul.plan-items', plans.map((p) => h('li.plan-item', {
      onclick: () => onOpen(p.id), 'data-plan-id': p.id,
    }, h('span.plan-name', p.name), h(`span.plan-status.status-${p.status}`, t(`plan.status_${p.status}`)),
    h('span.muted.plan-meta', t('plan.meta', { beats: p.beats, by: p.created_by || '—',
      at: (p.published_at || p.created_at || '').slice(0, 16).replace('T', ' ') })))))
      : h('p.empty', t('plan.no_plans')));
}

export function statsLine(stats) {
  if (!stats) return h('span.muted', '—');
  const d = stats.disputes_open || {};
  return h('span.plan-stats', t('plan.stats_line', {
    households: fmt(stats.households), residents: fmt(stats.residents), floating: fmt(stats.floating),
    key: fmt(stats.key_persons), incidents: fmt(stats.incidents_12m), villages: fmt(stats.villages),
    km2: stats.area_km2 == null ? '—' : stats.area_km2.toFixed(2),
  }), ' ', h('span.dispute-dots', ['red', 'orange', 'yellow', 'green'].map((g) => (d[g]
    ? h(`span.dot.dot-${g}`, { title: t(`plan.dispute_${g}`) }, String(d[g])) : null))));
}

export function beatTable(features, { editable, onSelect, onLock }) {
  return h('table.plan-beats', { 'data-testid': 'plan-beats' },
    h('thead', h('tr', h('th', t('plan.beat')), h('th', t('plan.kind')), h('th', t('plan.workload')), h('th', ''))),
    h('tbody', features.map((f) => {
      const p = f.properties;
      return h('tr', { 'data-beat': p.code, onclick: () => onSelect(f) },
        h('td', h('strong', p.code), ' ', p.name,
          p.members?.length ? h('div.muted.small', p.members.map((m) => m.display_name).join('、')) : null),
        h('td', t(`plan.kind_${p.kind}`)),
        h('td', { 'data-beat-stats': p.code }, statsLine(p.stats)),
        h('td', editable ? h('button.btn.btn-small', {
          type: 'button', title: t('plan.lock_hint'),
          onclick: (e) => { e.stopPropagation(); onLock(f); },
        }, p.locked ? t('plan.unlock') : t('plan.lock')) : (p.locked ? t('plan.locked') : '')));
    })));
}

export function checkView(check, { onLocate }) {
  const head = h(`div.check-head.${check.ok ? 'ok' : 'bad'}`, check.ok ? t('plan.check_ok') : t('plan.check_bad'),
    ' ', t('plan.check_counts', { errors: check.errors, warnings: check.warnings }));
  const balance = Object.entries(check.balance || {}).map(([kind, b]) => h('div.muted.small',
    t('plan.balance_line', { kind: t(`plan.kind_${kind}`), beats: b.beats, households: b.households_ratio ?? '∞',
      residents: b.residents_ratio ?? '∞' })));
  const items = check.problems.map((p) => h(`li.problem.${p.severity}`, {
    'data-kind': p.kind, onclick: p.location ? () => onLocate(p) : null, class: p.location ? 'clickable' : null,
  }, h('span.problem-kind', t(`plan.problem_${p.kind}`)), ' ', problemText(p)));
  return h('div.plan-check', { 'data-testid': 'plan-check' }, head, balance,
    items.length ? h('ul.problems', items) : h('p.muted', t('plan.no_problems')),
    check.targets ? targetBars(check.beats, check.targets) : null);
}

// One bar per beat: residents against its kind's target range (Settings), the range drawn as a band.
// Urban: residents_min–residents_max (or ≤ households_max households); rural: ≤ residents_max residents
// (or villages_min–villages_max villages). Green within the rule, orange outside.
export function targetBars(beats, targets) {
  const scale = Math.max(1, ...beats.map((b) => b.residents),
    ...Object.values(targets).map((r) => r.residents_max || 0)) * 1.1;
  const pct = (v) => `${Math.min(100, (100 * v) / scale).toFixed(1)}%`;
  const rows = beats.map((b) => {
    const r = targets[b.kind] || {};
    const low = b.kind === 'urban' ? r.residents_min || 0 : 0;
    const high = r.residents_max || scale;
    const ok = b.kind === 'urban'
      ? b.households <= r.households_max || (b.residents >= low && b.residents <= high)
      : b.residents <= high || (b.villages >= r.villages_min && b.villages <= r.villages_max);
    return h(`div.target-row.${ok ? 'ok' : 'off'}`, { 'data-target-beat': b.code, title: t(ok ? 'plan.target_ok' : 'plan.target_off') },
      h('span.target-code', b.code),
      h('span.target-track',
        h('span.target-band', { style: { left: pct(low), width: `calc(${pct(high)} - ${pct(low)})` } }),
        h('span.target-bar', { style: { width: pct(b.residents) } })),
      h('span.target-value', t('plan.target_value', { residents: fmt(b.residents), households: fmt(b.households) })));
  });
  return h('div.plan-targets', { 'data-testid': 'plan-targets' },
    h('h4', t('plan.targets_title')),
    h('p.muted.small', t('plan.targets_rule', {
      umin: fmt(targets.urban?.residents_min), umax: fmt(targets.urban?.residents_max),
      uhh: fmt(targets.urban?.households_max), rmax: fmt(targets.rural?.residents_max),
      vmin: targets.rural?.villages_min ?? '—', vmax: targets.rural?.villages_max ?? '—' })),
    rows);
}

export function choroplethLegend(metric, breaks) {
  if (!metric) return null;
  const edges = [0, ...breaks];
  return h('div.plan-legend', { 'data-testid': 'plan-legend' }, h('span.muted.small', `${t(`plan.shade_${metric}`)}：`),
    SHADES.slice(0, edges.length).map((c, i) => h('span.legend-item',
      h('span.legend-swatch', { style: { background: c } }),
      i < edges.length - 1 ? `${fmt(edges[i])}–${fmt(edges[i + 1])}` : `> ${fmt(edges[i])}`)));
}

export function diffView(diff, { onLocate }) {
  const totals = diff.totals;
  return h('div.plan-diff', { 'data-testid': 'plan-diff' },
    h('p', t('plan.diff_totals', { households: fmt(totals.households), residents: fmt(totals.residents),
      buildings: fmt(totals.buildings), villages: fmt(totals.villages) })),
    diff.moves.length ? h('table.plan-moves', h('tbody', diff.moves.map((m) => h('tr',
      h('td', `${m.from || '—'} → ${m.to || '—'}`), h('td', t('plan.move_counts', m)))))) : h('p.muted', t('plan.no_moves')),
    diff.villages.length ? h('div', h('h4', t('plan.diff_villages')), h('ul.diff-villages', diff.villages.map((v) => h('li',
      `${v.village}: ${v.from.join('、')} → ${v.to.join('、')}（${t('plan.move_counts', v)}）`)))) : null,
    diff.officers.length ? h('div', h('h4', t('plan.diff_officers')), h('ul', diff.officers.map((o) => h('li',
      t('plan.officer_change', { name: o.display_name, beat: o.beat, gains: o.gains_households,
        loses: o.loses_households }))))) : null,
    diff.buildings.length ? h('div', h('h4', t('plan.diff_buildings')), h('ul.diff-buildings',
      diff.buildings.slice(0, 200).map((b) => h('li.clickable', { onclick: () => onLocate(b) },
        `${b.address}: ${b.from || '—'} → ${b.to || '—'}（${b.households} 户）`)))) : null);
}
