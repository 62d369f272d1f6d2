// 记录走访: the 三必核/四必访/五必宣 checklist as checkboxes, notes, follow-up, time, and the device's
// position when the browser allows it. POST /api/visits; onSaved(visit) after the server stored it.
import { api } from '../api.js';
import { t } from '../i18n/index.js';
import { h, clear, toast } from './dom.js';
import { errorNode, fieldLabelsOf } from './errors.js';
import { roomLabel } from './household.js';

const GROUPS = {
  三必核: ['verify_hukou', 'verify_residents', 'verify_vehicles'],
  四必访: ['ask_disputes', 'ask_minors', 'ask_key_groups', 'ask_sentiment'],
  五必宣: ['explain_fire_theft', 'explain_fraud', 'explain_traffic', 'explain_drugs', 'explain_contact'],
};

export function visitForm(household, { onSaved }) {
  const boxes = {};
  const groups = Object.entries(GROUPS).map(([group, keys]) => h('fieldset.checklist-group',
    h('legend', group),
    keys.map((key) => {
      boxes[key] = h('input', { type: 'checkbox', name: key });
      return h('label.check', boxes[key], h('span', t(`visit.checklist.${key}`)));
    })));
  const when = h('input', { type: 'datetime-local', name: 'visited_at', value: localNow(), max: localNow() });
  const notes = h('textarea', { name: 'notes', rows: 3, maxlength: 4000 });
  const followUp = h('input', { type: 'checkbox', name: 'follow_up' });
  const where = h('p.muted.small.geo-status', t('visit.locating'));
  const error = h('p.form-error', { role: 'alert' });
  const submit = h('button.btn.btn-primary.btn-block', { type: 'submit' }, t('common.save'));
  let location = null;
  locate().then((fix) => {
    location = fix;
    where.textContent = fix ? t('visit.located', { n: Math.round(fix.accuracy_m ?? 0) }) : t('visit.no_location');
  });

  const form = h('form.form.visit-form', { onsubmit: save },
    h('p.form-subject', roomLabel(household)),
    h('div.checklist-tools',
      h('button.btn.btn-small', { type: 'button', onclick: () => setAll(true) }, t('visit.check_all'))),
    groups,
    h('label.field', h('span', t('visit.visited_at')), when),
    h('label.field', h('span', t('visit.notes')), notes),
    h('label.check', followUp, h('span', t('visit.follow_up_label'))),
    where, error, submit);

  function setAll(value) {
    Object.values(boxes).forEach((box) => { box.checked = value; });
  }

  async function save(event) {
    event.preventDefault();
    submit.disabled = true;
    error.textContent = '';
    const checklist = Object.fromEntries(Object.entries(boxes).map(([key, box]) => [key, box.checked]));
    try {
      const visit = await api.post('/api/visits', {
        household_id: household.id,
        visited_at: when.value ? new Date(when.value).toISOString() : null,
        checklist,
        notes: notes.value.trim() || null,
        follow_up: followUp.checked,
        location,
      });
      toast(visit.flagged_far ? t('visit.far', { n: Math.round(visit.distance_m) }) : t('visit.saved'),
        visit.flagged_far ? 'error' : 'ok');
      onSaved?.(visit);
    } catch (err) {
      clear(error, errorNode(err, { fieldLabels: fieldLabelsOf(form) }));
    } finally {
      submit.disabled = false;
    }
  }
  return form;
}

function localNow() {
  const now = new Date();
  now.setMinutes(now.getMinutes() - now.getTimezoneOffset());
  return now.toISOString().slice(0, 16);
}

// The device position, or null when refused/unavailable (after at most 8 s).
export function locate() {
  if (!navigator.geolocation) return Promise.resolve(null);
  return new Promise((resolve) => {
    navigator.geolocation.getCurrentPosition(
      (pos) => resolve({ lon: pos.coords.longitude, lat: pos.coords.latitude, accuracy_m: pos.coords.accuracy }),
      () => resolve(null),
      { enableHighAccuracy: true, timeout: 8000, maximumAge: 60000 });
  });
}
