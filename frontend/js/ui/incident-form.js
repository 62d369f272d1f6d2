// 登记警情: category, source, time (China time, default now; not in the future, at most 366 days ago), the
// place — the selected building, a click on the map or the device's GPS —, an optional victim household
// (of the selected building) and a short summary. POST /api/incidents through the outbox (offline: queued
// with its Idempotency-Key like a visit); onSaved(incident) with the server's answer (its near-repeat
// `warning`, if one was issued), or null when queued offline.
import { freshFix } from '../offline/gps.js';
import { fieldWrite } from '../offline/outbox.js';
import { t } from '../i18n/index.js';
import { chinaInputValue, chinaIso, incidentTimeProblem } from './china-time.js';
import { h, clear, toast } from './dom.js';
import { errorNode, fieldLabelsOf } from './errors.js';
import { checkRequired } from './form-check.js';
import { roomLabel } from './household.js';

const CATEGORIES = ['theft', 'fraud', 'fight', 'traffic', 'dispute', 'disturbance', 'fire', 'missing', 'other'];
const SOURCES = ['110', 'walk-in', 'patrol'];

// building: {lon, lat, address} of the selected building (its point is the default place), or null;
// households: that building's households (the victim may be one of them); household: the one preselected;
// pickOnMap(onPicked): the next click on the map gives onPicked({lon, lat}); showPlace(place|null) marks it.
export function incidentForm({ building = null, households = [], household = null, pickOnMap, showPlace, onSaved }) {
  const category = h('select', { name: 'category' },
    CATEGORIES.map((c) => h('option', { value: c }, t(`dashboard.categories.${c}`))));
  const source = h('select', { name: 'source' }, SOURCES.map((s) => h('option', { value: s }, t(`incident.source.${s}`))));
  const now = chinaInputValue();
  const when = h('input', { type: 'datetime-local', name: 'occurred_at', required: true, value: now, max: now });
  const victim = h('select', { name: 'household_id' },
    h('option', { value: '' }, t('incident.no_household')),
    households.map((hh) => h('option', { value: String(hh.id), selected: hh.id === household?.id }, roomLabel(hh))));
  const summary = h('textarea', { name: 'summary', rows: 3, maxlength: 200 });
  const where = h('p.muted.small.incident-place', { 'data-testid': 'incident-place' });
  const error = h('p.form-error', { role: 'alert' });
  const submit = h('button.btn.btn-primary.btn-block', { type: 'submit' }, t('common.save'));
  let place = null;

  function setPlace(next) {
    place = next;
    where.textContent = !place ? t('incident.place_none')
      : place.how === 'building' ? t('incident.place_building', { address: place.address || '' })
        : place.how === 'gps' ? t('incident.place_gps', { n: Math.round(place.accuracy_m ?? 0) })
          : t('incident.place_map', { lon: place.lon.toFixed(5), lat: place.lat.toFixed(5) });
    showPlace?.(place);
  }
  const useBuilding = () => setPlace({ lon: Number(building.lon), lat: Number(building.lat), how: 'building',
    address: building.address });
  const buttons = h('div.incident-place-tools',
    building?.lon != null ? h('button.btn.btn-small', { type: 'button', dataset: { place: 'building' },
      onclick: useBuilding }, t('incident.use_building')) : null,
    pickOnMap ? h('button.btn.btn-small', { type: 'button', dataset: { place: 'map' }, onclick: () => {
      where.textContent = t('incident.place_picking');
      pickOnMap((latlng) => setPlace({ ...latlng, how: 'map' }));
    } }, t('incident.pick_on_map')) : null,
    h('button.btn.btn-small', { type: 'button', dataset: { place: 'gps' }, onclick: async () => {
      where.textContent = t('visit.locating');
      const fix = await freshFix();
      if (fix) setPlace({ lon: fix.lon, lat: fix.lat, accuracy_m: fix.accuracy_m, how: 'gps' });
      else { setPlace(place); toast(t('offline.my_location_failed'), 'error'); }
    } }, t('incident.use_gps')));
  if (building?.lon != null) useBuilding();
  else setPlace(null);

  async function save(event) {
    event.preventDefault();
    const problem = incidentTimeProblem(when.value);
    const rules = [
      { node: buttons, missing: !place, message: t('incident.place_required') },
      { node: when, missing: problem === 'future' || problem === 'too_old',
        message: problem && t(`incident.time_${problem}`) },
    ];
    if (!checkRequired(form, rules)) return;
    submit.disabled = true;
    error.textContent = '';
    const body = {
      occurred_at: chinaIso(when.value), category: category.value, source: source.value,
      location: { lon: place.lon, lat: place.lat }, summary: summary.value.trim() || null,
      household_id: victim.value ? Number(victim.value) : null,
    };
    try {
      const saved = await fieldWrite('POST', '/api/incidents', body,
        { label: t('incident.label', { category: t(`dashboard.categories.${body.category}`) }) });
      toast(saved === null ? t('offline.queued') : saved.warning ? t('incident.saved_warning') : t('incident.saved'), 'ok');
      onSaved?.(saved);
    } catch (err) {
      clear(error, errorNode(err, { fieldLabels: fieldLabelsOf(form) }));
    } finally {
      submit.disabled = false;
    }
  }

  const form = h('form.form.incident-form', { novalidate: true, onsubmit: save },
    h('label.field', h('span', t('incident.category')), category),
    h('label.field', h('span', t('incident.source_label')), source),
    h('label.field', h('span', t('incident.occurred_at')), when),
    h('div.field', h('span', t('incident.place')), where, buttons),
    households.length ? h('label.field', h('span', t('incident.household')), victim) : null,
    h('label.field', h('span', t('incident.summary')), summary),
    error, submit);
  return form;
}

// What the panel shows once the server stored it: the number, and the warning zone's 走访提醒 when issued.
export function incidentSaved(saved, { reminder }) {
  const why = saved.no_warning_reason ? t(`incident.no_warning.${saved.no_warning_reason}`) : null;
  return h('div.incident-saved', { 'data-testid': 'incident-saved' },
    h('p', h('strong', t('incident.saved_title', { id: saved.id, beat: saved.beat_code }))),
    saved.warning ? reminder(saved.warning) : h('p.muted.small', why));
}
