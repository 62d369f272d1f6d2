// 更正 of a refused outbox item in the form that made it (issue 16): a visit, a person or a vehicle
// registration opens its form again with what was sent and the server's reason; saving sends the corrected
// item (offline/outbox.js correctItem). Items made before forms recorded `edit` offer retry or discard only.
// The forms are imported when one is opened, not with the page (issue 22), with their labels (the map
// screen's part: the offline panel shows on every screen).
import { loadLabels } from '../i18n/index.js';

export function canEdit(item) {
  return item.status === 'failed' && ['visit', 'person', 'vehicle'].includes(item.edit?.form);
}

// The form for `item` (a promise: its module is imported first); onDone(record|null) after it was sent (or
// queued again).
export async function outboxEditForm(item, { onDone }) {
  const { form, household, building = null, floatingOnly = false } = item.edit;
  await loadLabels('map');
  if (form === 'visit') {
    const { visitForm } = await import('./visit-form.js');
    return visitForm(household, { queued: item, building, onSaved: onDone });
  }
  const { personForm, vehicleForm } = await import('./collection-forms.js');
  if (form === 'person') return personForm(household, { queued: item, floatingOnly, onSaved: onDone });
  return vehicleForm(household, { queued: item, onSaved: onDone });
}
