// 记录走访: the 三必核/四必访/五必宣 checklist as checkboxes, notes, follow-up, time, and the device's
// position when the browser allows it. POST /api/visits; onSaved(visit) after the server stored it.
// With `visit` (更正, the author within 24 h): the form starts from it and PATCHes /api/visits/{id}.
// Photos (a new visit): taken with the camera or chosen, resized here (offline/photos.js) and sent through
// the outbox right after the visit, with the visit's id — queued with it when offline.
import { distanceToBuilding } from '../offline/geometry.js';
import { freshFix, isStale } from '../offline/gps.js';
import { correctItem, fieldWrite } from '../offline/outbox.js';
import { householdRef } from './collection-forms.js';
import { t } from '../i18n/index.js';
import { h, clear, toast } from './dom.js';
import { errorNode, fieldLabelsOf } from './errors.js';
import { draftKey, keepDraft } from './drafts.js';
import { checkRequired } from './form-check.js';
import { photoPicker } from './photo-picker.js';
import { chinaInputValue, chinaIso } from './china-time.js';
import { formatDateTime } from './format.js';
import { roomLabel, VISIT_GROUPS } from './household.js';

// building (optional): {lon, lat} of the household's building, for the distance shown with the fix.
// queued: a refused outbox item (ui/outbox-edit.js): the form starts from what was sent, with its position
// (the visit happened there), shows the server's reason, and saving sends the corrected item.
export function visitForm(household, { onSaved, visit: stored = null, building = null, queued = null }) {
  const visit = stored || (queued ? { ...queued.body, location: queued.body.location || null,
    visited_at: queued.body.visited_at || queued.created_at } : null);
  const boxes = {};
  const groups = Object.entries(VISIT_GROUPS).map(([group, keys]) => h('fieldset.checklist-group',
    h('legend', group),
    keys.map((key) => {
      boxes[key] = h('input', { type: 'checkbox', name: key, checked: Boolean(visit?.checklist?.[key]) });
      return h('label.check', boxes[key], h('span', t(`visit.checklist.${key}`)));
    })));
  // China time whatever the device's zone (as the incident form): shown and sent with +08:00
  const when = h('input', { type: 'datetime-local', name: 'visited_at',
    value: chinaInputValue(visit ? new Date(visit.visited_at) : new Date()), max: chinaInputValue() });
  const notes = h('textarea', { name: 'notes', rows: 3, maxlength: 4000 });
  notes.value = visit?.notes || '';
  const followUp = h('input', { type: 'checkbox', name: 'follow_up', checked: Boolean(visit?.follow_up) });
  const where = h('p.muted.small.geo-status', t('visit.locating'));
  const error = h('p.form-error', { role: 'alert' });
  const submit = h('button.btn.btn-primary.btn-block', { type: 'submit' }, t('common.save'));
  const picker = visit ? null : photoPicker({ error }); // a queued visit's photos wait in the outbox
  let location = visit?.location || null;
  let fix = null;
  const showFix = () => {
    const away = distanceToBuilding(fix, building);
    where.textContent = !fix ? t('visit.no_location') : [t('visit.located', { n: Math.round(fix.accuracy_m ?? 0) }),
      away == null ? null : away <= 15 ? t('offline.inside_building') : t('offline.distance_to_building', { n: away }),
    ].filter(Boolean).join(' · ');
  };
  const takeFix = () => freshFix().then((found) => {
    fix = found;
    location = found ? { lon: found.lon, lat: found.lat, accuracy_m: found.accuracy_m } : null;
    showFix();
  });
  if (queued) where.textContent = location ? t('visit.located', { n: Math.round(location.accuracy_m ?? 0) }) : t('visit.no_location');
  else if (visit) where.textContent = t('visit.correct_until', { at: formatDateTime(visit.editable_until) });
  else takeFix();
  if (queued?.error) queueMicrotask(() => clear(error, errorNode(queued.error, { fieldLabels: fieldLabelsOf(form) })));

  const form = h(visit ? 'form.form.visit-form.visit-correct-form' : 'form.form.visit-form', { novalidate: true, onsubmit: save },
    h('p.form-subject', roomLabel(household)),
    h('div.checklist-tools',
      h('button.btn.btn-small', { type: 'button', onclick: () => setAll(true) }, t('visit.check_all'))),
    groups,
    h('label.field', h('span', t('visit.visited_at')), when),
    h('label.field', h('span', t('visit.notes')), notes),
    h('label.check', followUp, h('span', t('visit.follow_up_label'))),
    picker?.node, where, error, submit);
  const draft = queued ? { clear() {} }
    : keepDraft(form, draftKey('visit', visit ? `visit${visit.id}` : `household${household.id}`));

  function setAll(value) {
    Object.values(boxes).forEach((box) => { box.checked = value; });
  }

  async function save(event) {
    event.preventDefault();
    const empty = !Object.values(boxes).some((box) => box.checked) && !notes.value.trim();
    if (!checkRequired(form, [{ node: groups[groups.length - 1], missing: empty, message: t('visit.need_content') }])) return;
    submit.disabled = true;
    error.textContent = '';
    // the position of this visit, not one taken when the form opened minutes ago
    if (!visit && isStale(fix)) {
      where.textContent = t('visit.locating');
      await takeFix();
    }
    const checklist = Object.fromEntries(Object.entries(boxes).map(([key, box]) => [key, box.checked]));
    const fields = {
      visited_at: chinaIso(when.value),
      checklist,
      notes: notes.value.trim() || null,
      follow_up: followUp.checked,
    };
    try {
      const saved = queued ? await correctItem(queued.seq, { ...queued.body, ...fields })
        : visit
        ? await fieldWrite('PATCH', `/api/visits/${visit.id}`, fields, { label: t('offline.label_visit_correct') })
        : await fieldWrite('POST', '/api/visits', { household_id: household.id, ...fields, location },
          { label: t('offline.label_visit', { room: roomLabel(household) }),
            photos: picker ? picker.uploads('visit_id', roomLabel(household)) : [],
            edit: { form: 'visit', household: householdRef(household),
              building: building?.lon != null ? { lon: building.lon, lat: building.lat } : null } });
      if (saved === null) { // no connection: kept in the outbox, sent when back online
        draft.clear();
        toast(t('offline.queued'), 'ok');
        onSaved?.(null);
        return;
      }
      const done = saved.photos_queued ? t('visit.photos_queued', { n: saved.photos_queued })
        : visit ? t('visit.corrected') : t('visit.saved');
      toast(saved.flagged_far ? t('visit.far', { n: Math.round(saved.distance_m) }) : done,
        saved.flagged_far ? 'error' : 'ok');
      draft.clear();
      onSaved?.(saved);
    } catch (err) {
      clear(error, errorNode(err, { fieldLabels: fieldLabelsOf(form) }));
    } finally {
      submit.disabled = false;
    }
  }
  return form;
}


// The device position, or null when refused/unavailable: a fresh fix (offline/gps.js), never a cached one.
export function locate() {
  return freshFix();
}
