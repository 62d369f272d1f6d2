// The dashboard's filter form: time range (with quick ranges), categories, hours, weekdays, cell shape
// and size, map layer. Calls onChange(params) with the query of /api/analytics/* whenever it changes.
import { t } from '../i18n/index.js';
import { chinaInputValue } from '../ui/china-time.js';
import { h } from '../ui/dom.js';

export const CATEGORIES = ['theft', 'fraud', 'fight', 'traffic', 'dispute', 'disturbance', 'fire', 'missing', 'other'];
const QUICK = [30, 90, 365];

// Calendar days are China's, whatever the device's zone (today in Beijing; day arithmetic in UTC, no DST).
export function daysBefore(end, days) {
  const d = new Date(`${end}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - (days - 1));
  return d.toISOString().slice(0, 10);
}

export function createFilters({ onChange, today = chinaInputValue().slice(0, 10) }) {
  const state = { end: today, start: daysBefore(today, 365), category: [], hours: '', weekdays: '',
    cell: 'hex', size_m: 500, step: 'week', layer: 'heat' };
  const start = h('input', { type: 'date', name: 'start', value: state.start, 'aria-label': t('dashboard.start') });
  const end = h('input', { type: 'date', name: 'end', value: state.end, 'aria-label': t('dashboard.end') });
  const quick = QUICK.map((days) => h('button.dash-chip', {
    type: 'button', dataset: { days: String(days) },
    onclick: () => { state.start = daysBefore(state.end, days); start.value = state.start; emit(); },
  }, t(`dashboard.last_${days}`)));
  const categories = h('select', { name: 'category', multiple: true, size: 3, 'aria-label': t('dashboard.category') },
    CATEGORIES.map((c) => h('option', { value: c }, t(`dashboard.categories.${c}`))));
  const hours = h('input', { name: 'hours', placeholder: t('dashboard.hours_hint'), 'aria-label': t('dashboard.hours') });
  const weekdays = h('input', { name: 'weekdays', placeholder: t('dashboard.weekdays_hint'),
    'aria-label': t('dashboard.weekdays') });
  const cell = h('select', { name: 'cell', 'aria-label': t('dashboard.cell') },
    h('option', { value: 'hex' }, t('dashboard.hex')), h('option', { value: 'square' }, t('dashboard.square')));
  const size = h('select', { name: 'size_m', 'aria-label': t('dashboard.size') },
    [250, 500, 1000, 2000].map((m) => h('option', { value: String(m), selected: m === 500 }, `${m} 米`)));
  const layer = h('select', { name: 'layer', 'aria-label': t('dashboard.layer') },
    ['heat', 'hotspots', 'emerging', 'beats'].map((id) => h('option', { value: id }, t(`dashboard.layers.${id}`))));
  const step = h('select', { name: 'step', 'aria-label': t('emerging.step') },
    ['week', 'month'].map((id) => h('option', { value: id }, t(`emerging.steps.${id}`))));
  const stepLabel = h('label', { hidden: true }, t('emerging.step'), step);
  const error = h('p.dash-error', { role: 'alert', hidden: true });

  start.addEventListener('change', () => { state.start = start.value; emit(); });
  end.addEventListener('change', () => { state.end = end.value; emit(); });
  categories.addEventListener('change', () => {
    state.category = [...categories.selectedOptions].map((o) => o.value);
    emit();
  });
  hours.addEventListener('change', () => { state.hours = hours.value.trim(); emit(); });
  weekdays.addEventListener('change', () => { state.weekdays = weekdays.value.trim(); emit(); });
  cell.addEventListener('change', () => { state.cell = cell.value; emit(); });
  size.addEventListener('change', () => { state.size_m = Number(size.value); emit(); });
  layer.addEventListener('change', () => { state.layer = layer.value; stepLabel.hidden = layer.value !== 'emerging'; emit(); });
  step.addEventListener('change', () => { state.step = step.value; emit(); });

  function params() {
    const { layer: _layer, ...query } = state;
    return { ...query, category: state.category.length ? state.category.join(',') : null };
  }
  function emit() { onChange(params(), state.layer); }

  const element = h('form.dash-filters', { onsubmit: (e) => e.preventDefault() },
    h('div.dash-row', h('label', t('dashboard.start'), start), h('label', t('dashboard.end'), end)),
    h('div.dash-row.dash-quick', quick),
    h('div.dash-row', h('label.dash-wide', t('dashboard.category'), categories)),
    h('div.dash-row', h('label', t('dashboard.hours'), hours), h('label', t('dashboard.weekdays'), weekdays)),
    h('div.dash-row', h('label', t('dashboard.layer'), layer), h('label', t('dashboard.cell'), cell),
      h('label', t('dashboard.size'), size), stepLabel),
    error);
  return {
    element,
    params,
    layer: () => state.layer,
    showError(message) { error.replaceChildren(message || ''); error.hidden = !message; },
  };
}
