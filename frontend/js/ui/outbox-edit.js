// 更正 of a refused outbox item in the form that made it (issue 16): a visit, a person or a vehicle
// registration opens its form again with what was sent and the server's reason; saving sends the corrected
// item (offline/outbox.js correctItem). Items made before forms recorded `edit` offer retry or discard only.
import { personForm, vehicleForm } from './collection-forms.js';
import { visitForm } from './visit-form.js';

export function canEdit(item) {
  return item.status === 'failed' && ['visit', 'person', 'vehicle'].includes(item.edit?.form);
}

// The form for `item`; onDone(record|null) after it was sent (or queued again).
export function outboxEditForm(item, { onDone }) {
  const { form, household, building = null, floatingOnly = false } = item.edit;
  if (form === 'visit') return visitForm(household, { queued: item, building, onSaved: onDone });
  if (form === 'person') return personForm(household, { queued: item, floatingOnly, onSaved: onDone });
  return vehicleForm(household, { queued: item, onSaved: onDone });
}
