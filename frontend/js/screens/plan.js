// 警务区规划 (Plan screen): list plans, create a draft, edit beat boundaries with Leaflet-Geoman and see
// live stats, click villages to assign them, lock beats, undo/redo, rule checks with clickable problem
// locations, the diff (list and map), an automatic balanced proposal, and publishing (station chief).
import L from '../lib/leaflet.js';
import { api } from '../api.js';
import { can } from '../auth/capabilities.js';
import { t } from '../i18n/index.js';
import { beatsEditor } from '../plan/beats-editor.js';
import { proposalProof } from '../plan/proposal.js';
import { beatTable, checkView, choroplethLegend, diffView, planList, problemText, statsLine } from '../plan/views.js';
import { asset, h, icon, toast } from '../ui/dom.js';
import { errorNode } from '../ui/errors.js';


function ensureStyles() {
  if (document.querySelector('link[data-plan-css]')) return;
  document.head.append(h('link', { rel: 'stylesheet', href: asset('css/plan.css'), 'data-plan-css': '' }));
}

export function mount({ map, layers, panel, toolbar }) {
  ensureStyles();
  // Leaflet-Geoman arrived after the map was made (js/lib/plugins.js): give the map its editing state now
  if (!map.pm && L.PM) L.PM.reInitLayer(map);
  const canEdit = can('plan.edit');
  const marks = L.layerGroup().addTo(layers);
  const villageLayer = L.geoJSON(null, { style: { color: '#868e96', weight: 1, fillOpacity: 0.05, dashArray: '3 3' } });
  let plan = null;
  let editor = null;
  let selected = null;
  let mode = null; // 'edit' | 'assign' | null
  let shadeBy = ''; // workload choropleth: '' | 'households' | 'residents' | 'incidents_12m'
  const diffAreas = L.geoJSON(null, {
    style: { color: '#1c3faa', weight: 3, dashArray: '6 4', fillColor: '#4263eb', fillOpacity: 0.45 },
    pmIgnore: true,
    onEachFeature: (f, layer) => layer.bindTooltip(h('span', t('plan.diff_area', {
      from: f.properties.from || '—', to: f.properties.to || '—', households: f.properties.households,
      m2: Math.round(f.properties.area_m2).toLocaleString('zh-CN') })), { sticky: true }),
  });
  let disposed = false;

  const buttons = {
    // on a phone the toolbar shows icons only (css/app.css): the list icon keeps the button from being empty
    list: h('button.tool-btn', { type: 'button', onclick: showList, 'aria-label': t('plan.plans'), title: t('plan.plans') },
      icon('list', 16), h('span', t('plan.plans'))),
  };
  toolbar.append(buttons.list);

  async function showList() {
    plan = null;
    setMode(null);
    editor?.group.remove();
    marks.clearLayers();
    panel.setTitle(t('plan.title')).setContent(h('p.muted', t('common.loading'))).open();
    try {
      const plans = await api.get('/api/plans');
      if (disposed) return;
      panel.setContent(planList(plans, { canCreate: canEdit, onOpen: openPlan, onCreate: createDraft }));
      const current = plans.find((p) => p.status === 'published');
      if (current) preview(current.id);
    } catch (err) {
      panel.setContent(h('p.empty', errorNode(err)));
    }
  }

  async function preview(planId) {
    const data = await api.get(`/api/plans/${planId}`).catch(() => null);
    if (!data || plan || disposed) return;
    editor?.group.remove();
    editor = beatsEditor({ map, layers, plan: data, editable: false });
    editor.load(data.beats);
    const bounds = editor.bounds();
    if (bounds) map.fitBounds(bounds, { padding: [20, 20] });
  }

  async function createDraft() {
    try {
      const created = await api.post('/api/plans', {});
      toast(t('plan.created', { name: created.name }), 'info');
      render(created);
    } catch (err) {
      toast(errorNode(err), 'error');
    }
  }

  async function openPlan(planId) {
    try {
      render(await api.get(`/api/plans/${planId}`));
    } catch (err) {
      toast(errorNode(err), 'error');
    }
  }

  function isDraft() { return plan?.status === 'draft' && canEdit; }

  function render(data) {
    plan = data;
    editor?.group.remove();
    editor = beatsEditor({
      map, layers, plan, editable: isDraft(),
      onStats: (feature, stats, err) => showLiveStats(feature, stats, err),
      onSaved: (updated) => { if (updated) refreshPlan(); else refreshPlan(); },
      onSelect: (feature) => select(feature),
    });
    editor.load(plan.beats);
    editor.setChoropleth(shadeBy || null);
    diffAreas.clearLayers();
    diffAreas.remove();
    const bounds = editor.bounds();
    if (bounds) map.fitBounds(bounds, { padding: [20, 20] });
    panel.setTitle(`${plan.name} · ${t(`plan.status_${plan.status}`)}`).setContent(planBody()).open();
    if (mode === 'edit') editor.setEditing(true);
  }

  function planBody() {
    const draft = isDraft();
    const actions = h('div.plan-actions',
      h('button.btn.btn-small', { type: 'button', onclick: showList }, t('common.back')),
      draft ? h('button.btn.btn-small', { type: 'button', onclick: () => setMode(mode === 'edit' ? null : 'edit'),
        'data-testid': 'plan-edit', class: mode === 'edit' ? 'active' : null }, t('plan.edit')) : null,
      draft ? h('button.btn.btn-small', { type: 'button', onclick: () => setMode(mode === 'assign' ? null : 'assign'),
        class: mode === 'assign' ? 'active' : null }, t('plan.assign')) : null,
      draft && !frozen() ? h('button.btn.btn-small', { type: 'button', onclick: () => replay('undo'),
        'data-testid': 'plan-undo' }, t('plan.undo')) : null,
      draft && !frozen() ? h('button.btn.btn-small', { type: 'button', onclick: () => replay('redo'),
        'data-testid': 'plan-redo' }, t('plan.redo')) : null,
      draft ? h('button.btn.btn-small', { type: 'button', onclick: renamePlan, 'data-testid': 'plan-rename' },
        t('plan.rename')) : null,
      draft ? h('button.btn.btn-small', { type: 'button', onclick: deletePlan, 'data-testid': 'plan-delete' },
        t('plan.delete')) : null,
      draft && !frozen() ? h('button.btn.btn-small', { type: 'button', onclick: submitPlan,
        'data-testid': 'plan-submit' }, t('plan.submit')) : null,
      draft && frozen() && can('plan.publish') ? h('button.btn.btn-small.btn-primary', { type: 'button',
        onclick: approvePlan, 'data-testid': 'plan-approve' }, t('plan.approve')) : null,
      draft && frozen() && can('plan.publish') ? h('button.btn.btn-small', { type: 'button',
        onclick: returnPlan, 'data-testid': 'plan-return' }, t('plan.return')) : null,
      h('button.btn.btn-small', { type: 'button', onclick: runCheck, 'data-testid': 'plan-run-check' }, t('plan.check')),
      plan.status === 'draft' ? h('button.btn.btn-small', { type: 'button', onclick: runDiff }, t('plan.diff')) : null,
      draft ? h('button.btn.btn-small', { type: 'button', onclick: runPropose }, t('plan.propose')) : null,
      draft && !frozen() && can('plan.publish') ? h('button.btn.btn-small.btn-primary', { type: 'button',
        onclick: runPublish, 'data-testid': 'plan-publish' }, t('plan.publish')) : null);
    const hint = mode ? h('p.muted.small.plan-hint', t(mode === 'assign' ? 'plan.hint_assign_units' : `plan.hint_${mode}`))
      : null;
    const state = plan.review_state ? h('p.plan-review-state', { 'data-testid': 'plan-review-state' },
      t(`plan.review_${plan.review_state}`)) : null;
    const live = h('div.plan-live', { 'data-testid': 'plan-live-stats' },
      selected ? [h('strong', `${selected.properties.code} `), statsLine(selected.properties.stats)] : t('plan.select_beat'));
    const shading = h('label.plan-shade', t('plan.shade_label'), ' ',
      h('select', { 'data-testid': 'plan-shade', onchange: (e) => shade(e.target.value) },
        ['', 'households', 'residents', 'incidents_12m'].map((m) => h('option', { value: m, selected: m === shadeBy },
          m ? t(`plan.shade_${m}`) : t('plan.shade_none')))));
    const legend = h('div.plan-legend-host', choroplethLegend(shadeBy || null, editor?.shading()?.breaks || []));
    const table = beatTable(plan.beats.features, { editable: draft, onSelect: select, onLock: toggleLock });
    const check = h('section.plan-check-host', h('p.muted', t('common.loading')));
    const diff = h('section.plan-diff-host');
    const steps = h('section.plan-history-host');
    const reviews = h('section.plan-review-host');
    const body = h('div.plan-body', actions, state, hint, live, shading, legend, table, h('h3', t('plan.check_title')), check,
      steps, reviews, diff);
    setTimeout(() => { runCheck(); showHistory(); }, 0);
    return body;
  }

  function shade(metric) {
    shadeBy = metric;
    const breaks = editor?.setChoropleth(metric || null)?.breaks || [];
    if (mode === 'edit') editor.setEditing(true);
    panel.body.querySelector('.plan-legend-host')?.replaceChildren(choroplethLegend(metric || null, breaks) || '');
  }

  function frozen() { return plan?.review_state === 'submitted'; }

  async function showHistory() {
    const host = panel.body.querySelector('.plan-history-host');
    const reviewHost = panel.body.querySelector('.plan-review-host');
    if (!host || !plan) return;
    const [history, reviewLog] = await Promise.all([
      plan.status === 'draft' && canEdit ? api.get(`/api/plans/${plan.id}/history`).catch(() => null) : null,
      api.get(`/api/plans/${plan.id}/review`).catch(() => null)]);
    if (history) {
      host.replaceChildren(h('h3', t('plan.history_title')), history.steps.length
        ? h('ol.plan-history', { 'data-testid': 'plan-history' }, history.steps.map((s) => h(`li${s.undone ? '.undone' : ''}`,
          `${s.at.slice(11, 16)} ${s.by || ''}：${s.label}`, s.undone ? t('plan.undone') : '')))
        : h('p.muted.small', t('plan.history_empty')));
    }
    if (reviewLog?.events.length) {
      reviewHost.replaceChildren(h('h3', t('plan.review_title')), h('ul.plan-review', reviewLog.events.map((e) => h('li',
        `${e.at.slice(0, 16).replace('T', ' ')} ${e.by || ''} ${t(`plan.review_${e.action}`)}${e.note ? `：${e.note}` : ''}`))));
    }
  }

  async function replay(which) {
    try {
      const result = await api.post(`/api/plans/${plan.id}/${which}`);
      toast(t(which === 'undo' ? 'plan.undid' : 'plan.redid', { label: result.step.label }), 'info');
    } catch (err) {
      toast(errorNode(err), 'error');
    }
    refreshPlan();
  }

  async function renamePlan() {
    const name = window.prompt(t('plan.rename_prompt'), plan.name);
    if (name == null) return;
    try {
      plan = await api.patch(`/api/plans/${plan.id}`, { name });
      panel.setTitle(`${plan.name} · ${t(`plan.status_${plan.status}`)}`);
    } catch (err) {
      toast(errorNode(err), 'error');
    }
  }

  async function deletePlan() {
    if (!window.confirm(t('plan.delete_confirm', { name: plan.name }))) return;
    try {
      await api.del(`/api/plans/${plan.id}`);
      toast(t('plan.deleted', { name: plan.name }), 'info');
      showList();
    } catch (err) {
      toast(errorNode(err), 'error');
    }
  }

  async function review(path, promptKey, doneKey, required) {
    const note = window.prompt(t(promptKey), '');
    if (note == null || (required && !note.trim())) return;
    try {
      const result = await api.post(`/api/plans/${plan.id}/${path}`, { note });
      toast(doneKey ? t(doneKey) : t('plan.published', { households: result.households }), 'info', 6000);
    } catch (err) {
      toast(errorNode(err, path === 'approve' ? { wrap: 'plan.publish_refused' } : {}), 'error', 8000);
    }
    openPlan(plan.id);
  }

  const submitPlan = () => review('submit', 'plan.submit_prompt', 'plan.submitted', false);
  const approvePlan = () => review('approve', 'plan.approve_prompt', null, false);
  const returnPlan = () => review('return', 'plan.return_prompt', 'plan.returned', true);

  function select(feature) {
    selected = feature;
    editor.highlight(feature.id);
    const live = panel.body.querySelector('.plan-live');
    if (live) live.replaceChildren(h('strong', `${feature.properties.code} `), statsLine(feature.properties.stats));
    if (mode === 'assign') toast(t('plan.assign_target', { code: feature.properties.code }), 'info');
  }

  function showLiveStats(feature, stats, err) {
    selected = feature;
    const live = panel.body.querySelector('.plan-live');
    if (!live) return;
    if (err) {
      live.replaceChildren(h('span.problem.error', errorNode(err, { wrap: 'plan.invalid_shape' })));
      return;
    }
    live.replaceChildren(h('strong', `${feature.properties.code} `), statsLine(stats));
    const cell = panel.body.querySelector(`[data-beat-stats="${CSS.escape(feature.properties.code)}"]`);
    if (cell) cell.replaceChildren(statsLine(stats));
  }

  async function refreshPlan() {
    if (!plan) return;
    const data = await api.get(`/api/plans/${plan.id}`).catch(() => null);
    if (!data || disposed) return;
    plan = data;
    if (selected) selected = plan.beats.features.find((f) => f.id === selected.id) || null;
    editor.load(plan.beats);
    editor.setChoropleth(shadeBy || null);
    if (mode === 'edit') editor.setEditing(true);
    panel.setContent(planBody());
  }

  async function toggleLock(feature) {
    const p = feature.properties;
    try {
      await api.put(`/api/plans/${plan.id}/beats/${feature.id}`, { locked: !p.locked },
        { headers: { 'If-Match': `"${p.version}"` } });
    } catch (err) {
      toast(errorNode(err, err.status === 412 ? { text: t('plan.stale') } : {}), 'error');
    }
    refreshPlan();
  }

  async function setMode(next) {
    mode = next;
    editor?.setEditing(mode === 'edit');
    if (mode === 'assign') {
      if (!villageLayer.getLayers().length) {
        const villages = await api.get('/ogc/collections/villages/items', { limit: 1000 }).catch(() => null);
        if (villages) villageLayer.addData(villages);
        villageLayer.eachLayer((layer) => layer.on('click', () => assignVillage(layer.feature)));
      }
      villageLayer.addTo(layers);
    } else {
      villageLayer.remove();
    }
    if (plan) panel.setContent(planBody());
  }

  async function assignVillage(village) {
    if (!selected) { toast(t('plan.select_beat'), 'info'); return; }
    try {
      const result = await api.post(`/api/plans/${plan.id}/assign`, { beat_id: selected.id,
        village_ids: [village.id] });
      // the same sentence as the rule check's (plan.problem_text), by kind and values
      result.warnings.forEach((w) => toast(problemText({ kind: w.kind, params: { village: w.village, beats: w.beats },
        message: w.message }), 'info', 6000));
    } catch (err) {
      toast(errorNode(err), 'error', 6000);
    }
    refreshPlan();
  }

  function locate(item) {
    const [lon, lat] = item.location;
    marks.clearLayers();
    L.circleMarker([lat, lon], { radius: 10, color: '#e03131', weight: 3, fillOpacity: 0.2 })
      .bindTooltip(h('span', item.severity ? problemText(item) : item.address || ''), { permanent: false }).addTo(marks);
    map.flyTo([lat, lon], Math.max(map.getZoom(), 16));
  }

  async function runCheck() {
    const host = panel.body.querySelector('.plan-check-host');
    if (!host || !plan) return;
    try {
      const check = await api.get(`/api/plans/${plan.id}/check`);
      host.replaceChildren(checkView(check, { onLocate: locate }));
    } catch (err) {
      host.replaceChildren(h('p.empty', errorNode(err)));
    }
  }

  async function runDiff() {
    const host = panel.body.querySelector('.plan-diff-host');
    try {
      const diff = await api.get(`/api/plans/${plan.id}/diff`);
      host.replaceChildren(h('h3', t('plan.diff_title')), diffView(diff, { onLocate: locate }));
      marks.clearLayers();
      diffAreas.clearLayers();
      diffAreas.addData(diff.areas);
      diffAreas.addTo(layers);
      diff.buildings.forEach((b) => L.circleMarker([b.location[1], b.location[0]], { radius: 4, color: '#f08c00' })
        .bindTooltip(h('span', `${b.address}: ${b.from || '—'} → ${b.to || '—'}`)).addTo(marks));
      if (diffAreas.getLayers().length) map.fitBounds(diffAreas.getBounds(), { padding: [40, 40], maxZoom: 16 });
    } catch (err) {
      host.replaceChildren(h('p.empty', errorNode(err)));
    }
  }

  async function runPropose() {
    if (!window.confirm(t('plan.propose_confirm'))) return;
    try {
      const result = await api.post(`/api/plans/${plan.id}/propose`, { balance_on: 'residents' });
      const ratios = Object.entries(result.balance_ratio_by_kind || {})
        .map(([kind, r]) => `${t(`plan.kind_${kind}`)} ${r ?? '∞'}`).join('，');
      toast(t(result.target_met === false ? 'plan.proposed_short' : 'plan.proposed', {
        ratio: ratios || (result.balance_ratio ?? '∞'), target: result.target_ratio ?? '—',
        households: (result.households_moved ?? 0).toLocaleString('zh-CN'), villages: result.villages_moved ?? 0 }),
      'info', 8000);
      if (result.villages_split) {
        toast(t('plan.proposed_split', { split: result.villages_split, buildings: result.buildings_moved ?? 0 }),
          'info', 8000);
      }
      if (result.search) toast(proposalProof(result), 'info', 10000);
      (result.rules_unmet || []).forEach((r) => toast(t(`plan.rule_unmet.${r.code.split('.').pop()}`, r.params),
        'error', 10000));
      render(result.plan);
    } catch (err) {
      toast(errorNode(err), 'error', 6000);
    }
  }

  async function runPublish() {
    if (!window.confirm(t('plan.publish_confirm', { name: plan.name }))) return;
    try {
      const result = await api.post(`/api/plans/${plan.id}/publish`);
      toast(t('plan.published', { households: result.households }), 'info', 6000);
      openPlan(plan.id);
    } catch (err) {
      toast(errorNode(err, { wrap: 'plan.publish_refused' }), 'error', 8000);
      runCheck();
    }
  }

  showList();
  return () => {
    disposed = true;
    editor?.setEditing(false);
    villageLayer.remove();
    diffAreas.remove();
  };
}
