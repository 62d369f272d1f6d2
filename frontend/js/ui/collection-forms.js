// 信息采集 from the household card: 登记人员 (POST /api/households/{id}/persons), 登记车辆
// (POST /api/households/{id}/vehicles) and 更正 of a resident (PATCH /api/persons/{id}; never the ID number).
// onSaved(record) after the server stored it (the caller refreshes the card). Grid members register
// floating residents only (the API refuses other residencies), so their form offers only 流动.
import { correctItem, fieldWrite } from '../offline/outbox.js';
import { label, t } from '../i18n/index.js';
import { h, clear, toast } from './dom.js';
import { errorNode, fieldLabelsOf } from './errors.js';
import { draftKey, keepDraft } from './drafts.js';
import { checkRequired } from './form-check.js';
import { roomLabel } from './household.js';

const RESIDENCY = ['registered', 'temporary', 'floating', 'foreign'];
const TAGS = ['key_person', 'elderly_alone', 'left_behind_child', 'disabled', 'low_income', 'veteran',
  'mental_health', 'community_correction', 'drug_history'];
const VEHICLE_KINDS = ['car', 'e_bike', 'motorcycle', 'tricycle', 'truck', 'tractor', 'other'];

function field(text, input, hint) {
  return h('label.field', h('span', text), input, hint ? h('small.muted', hint) : null);
}

function select(name, values, labelOf, selected) {
  return h('select', { name }, values.map((v) => h('option', { value: v, selected: v === selected }, labelOf(v))));
}

function tagBoxes(selected = []) {
  const boxes = {};
  const node = h('fieldset.checklist-group.tag-boxes', h('legend', t('collection.tags')),
    TAGS.map((tag) => {
      boxes[tag] = h('input', { type: 'checkbox', name: `tag_${tag}`, checked: selected.includes(tag) });
      return h('label.check', boxes[tag], h('span', t(`tags.${tag}`)));
    }));
  return { node, value: () => TAGS.filter((tag) => boxes[tag].checked) };
}

// Today in China (UTC+8, no daylight saving), whatever the device's own time zone: the server checks
// dates against the China calendar too.
function today() {
  return new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 10);
}

// A form that POSTs/PATCHes `payload()` to `url`, shows the server's reason under the fields on failure;
// its fields are kept as a local draft under `draft` until the server saved them or the outbox took them
// (ui/drafts.js, offline/outbox.js).
// queued: a refused outbox item to correct (ui/outbox-edit.js): the form starts from what was sent, shows
// the server's reason, and saving sends the corrected item (no draft: the outbox keeps it).
// edit: how the outbox item made here is corrected later ({form, household}).
function submitting(form, submit, error, { method, url, payload, saved, onSaved, draft, outboxLabel = null,
  queued = null, edit = null }) {
  form.noValidate = true;
  if (queued) fill(form, queued.body);
  const kept = queued ? { clear() {} } : keepDraft(form, draft);
  if (queued?.error) clear(error, errorNode(queued.error, { fieldLabels: fieldLabelsOf(form) }));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!checkRequired(form)) return;
    submit.disabled = true;
    clear(error);
    try {
      const body = payload();
      const record = queued ? await correctItem(queued.seq, body)
        : await fieldWrite(method === 'PATCH' ? 'PATCH' : 'POST', url, body,
          { label: outboxLabel ? outboxLabel(body) : '', edit });
      toast(record === null ? t('offline.queued') : saved, 'ok'); // null: kept in the outbox (offline)
      kept.clear();
      onSaved?.(record);
    } catch (err) {
      clear(error, errorNode(err, { fieldLabels: fieldLabelsOf(form) }));
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

// What was sent, back into the form's named fields (tags as tag_<name> boxes).
function fill(form, body) {
  for (const el of form.querySelectorAll('input[name], select[name], textarea[name]')) {
    if (el.type === 'checkbox' && el.name.startsWith('tag_')) el.checked = (body.tags || []).includes(el.name.slice(4));
    else if (el.name in body && body[el.name] != null) el.value = String(body[el.name]);
  }
}

// The household as an outbox item keeps it, to open its form again for a correction.
export function householdRef(household) {
  const { id, unit, floor, room, residents = [] } = household;
  return { id, unit, floor, room, residents: residents.map((p) => ({ id: p.id, name: p.name })) };
}

export function personForm(household, { onSaved, floatingOnly = false, queued = null } = {}) {
  const name = h('input', { name: 'name', required: true, maxlength: 50, autocomplete: 'off' });
  const idNumber = h('input', { name: 'id_number', required: true, maxlength: 18, autocomplete: 'off',
    inputmode: 'text', autocapitalize: 'characters', spellcheck: 'false' });
  const phone = h('input', { name: 'phone', type: 'tel', maxlength: 20, autocomplete: 'off' });
  const residency = select('residency', floatingOnly ? ['floating'] : RESIDENCY,
    (v) => label('person.residency', v), 'floating');
  const relation = h('input', { name: 'relation_to_head', maxlength: 16, placeholder: t('collection.relation_placeholder') });
  const movedIn = h('input', { name: 'moved_in', type: 'date', max: today(), value: today() });
  const tags = tagBoxes();
  const error = h('p.form-error', { role: 'alert' });
  const submit = h('button.btn.btn-primary.btn-block', { type: 'submit' }, t('common.save'));
  const form = h('form.form.collection-form.person-form', { novalidate: true },
    h('p.form-subject', roomLabel(household)),
    field(t('collection.name'), name),
    field(t('person.id_number'), idNumber, t('collection.id_number_hint')),
    field(t('collection.phone'), phone),
    field(t('collection.residency'), residency, floatingOnly ? t('collection.floating_only') : null),
    field(t('person.relation'), relation),
    field(t('collection.moved_in'), movedIn),
    tags.node, error, submit);
  return submitting(form, submit, error, {
    method: 'POST', url: `/api/households/${household.id}/persons`, saved: t('collection.person_saved'), onSaved,
    draft: draftKey('person', `household${household.id}`), queued,
    edit: { form: 'person', household: householdRef(household), floatingOnly },
    outboxLabel: (body) => t('offline.label_person', { name: body.name }),
    payload: () => ({
      name: name.value.trim(), id_number: idNumber.value.trim(), phone: phone.value.trim() || null,
      residency: residency.value, relation_to_head: relation.value.trim() || null, tags: tags.value(),
      moved_in: movedIn.value || null,
    }),
  });
}

export function correctPersonForm(person, { onSaved } = {}) {
  const phone = h('input', { name: 'phone', type: 'tel', maxlength: 20, autocomplete: 'off',
    placeholder: person.phone_masked || '' });
  const residency = select('residency', RESIDENCY, (v) => label('person.residency', v), person.residency);
  const relation = h('input', { name: 'relation_to_head', maxlength: 16, value: person.relation_to_head || '' });
  const movedOut = h('input', { name: 'moved_out', type: 'date', max: today(), value: person.moved_out || '' });
  const docs = documentFields(person);
  const tags = tagBoxes(person.tags || []);
  const error = h('p.form-error', { role: 'alert' });
  const submit = h('button.btn.btn-primary.btn-block', { type: 'submit' }, t('common.save'));
  const form = h('form.form.collection-form.correct-form', { novalidate: true },
    h('p.form-subject', h('strong', person.name || ''), ' ', h('span.person-id', person.id_number_masked || '')),
    h('p.small.muted', t('collection.id_fixed')),
    field(t('collection.phone'), phone, t('collection.phone_keep')),
    field(t('collection.residency'), residency),
    field(t('person.relation'), relation),
    field(t('collection.moved_out'), movedOut, t('collection.moved_out_hint')),
    docs.node, tags.node, error, submit);
  return submitting(form, submit, error, {
    method: 'PATCH', url: `/api/persons/${person.id}`, saved: t('collection.person_corrected'), onSaved,
    draft: draftKey('person', `person${person.id}`),
    outboxLabel: () => t('offline.label_correct'),
    payload: () => {
      const body = { residency: residency.value, relation_to_head: relation.value.trim() || null, tags: tags.value() };
      if (phone.value.trim()) body.phone = phone.value.trim();
      if (movedOut.value) body.moved_out = movedOut.value;
      return { ...body, ...docs.changes() };
    },
  });
}

const DOCUMENT_KINDS = ['id_card', 'passport', 'hk_macau_permit', 'taiwan_permit', 'foreign_permanent'];

// 户籍 address, 居住证/暂住 and travel document of a resident: only the fields filled or changed are sent
// (numbers are shown masked, so an empty number field keeps the stored one)
function documentFields(person) {
  const inputs = {
    registered_address: h('input', { name: 'registered_address', maxlength: 200,
      value: person.registered_address || '' }),
    permit_no: h('input', { name: 'permit_no', maxlength: 32, autocomplete: 'off',
      placeholder: person.permit_no_masked || '' }),
    permit_expires: h('input', { name: 'permit_expires', type: 'date', value: person.permit_expires || '' }),
    document_kind: select('document_kind', DOCUMENT_KINDS, (v) => label('person.document_kind', v),
      person.document_kind || 'id_card'),
    document_no: h('input', { name: 'document_no', maxlength: 32, autocomplete: 'off',
      placeholder: person.document_no_masked || '' }),
    visa_expires: h('input', { name: 'visa_expires', type: 'date', value: person.visa_expires || '' }),
  };
  const node = h('fieldset.checklist-group.document-fields', h('legend', t('collection.documents')),
    field(t('collection.registered_address'), inputs.registered_address, t('collection.registered_address_hint')),
    field(t('collection.permit_no'), inputs.permit_no),
    field(t('collection.permit_expires'), inputs.permit_expires),
    field(t('collection.document_kind'), inputs.document_kind),
    field(t('collection.document_no'), inputs.document_no),
    field(t('collection.visa_expires'), inputs.visa_expires));
  const changes = () => {
    const out = {};
    for (const [key, input] of Object.entries(inputs)) {
      const value = input.value.trim();
      if (key === 'permit_no' || key === 'document_no') {
        if (value) out[key] = value;
      } else if (value !== (person[key] || '')) {
        out[key] = value || null;
      }
    }
    return out;
  };
  return { node, changes };
}

// 出租屋管理: a household's kind, landlord and lease (PATCH /api/households/{id})
export function rentalForm(household, { onSaved } = {}) {
  const kind = select('kind', ['owner', 'rental', 'collective', 'vacant'], (v) => label('household.kind', v),
    household.kind);
  const landlord = h('input', { name: 'landlord_name', maxlength: 50, value: household.landlord_name || '' });
  const phone = h('input', { name: 'landlord_phone', type: 'tel', maxlength: 20, autocomplete: 'off',
    placeholder: household.landlord_phone_masked || '' });
  const start = h('input', { name: 'lease_start', type: 'date', value: household.lease_start || '' });
  const end = h('input', { name: 'lease_end', type: 'date', value: household.lease_end || '' });
  const error = h('p.form-error', { role: 'alert' });
  const submit = h('button.btn.btn-primary.btn-block', { type: 'submit' }, t('common.save'));
  const form = h('form.form.collection-form.rental-form', { novalidate: true },
    h('p.form-subject', roomLabel(household)),
    field(t('collection.household_kind'), kind),
    field(t('household.landlord'), landlord),
    field(t('collection.landlord_phone'), phone, t('collection.phone_keep')),
    field(t('collection.lease_start'), start),
    field(t('collection.lease_end'), end),
    error, submit);
  return submitting(form, submit, error, {
    method: 'PATCH', url: `/api/households/${household.id}`, saved: t('collection.household_saved'), onSaved,
    draft: draftKey('household', `household${household.id}`),
    outboxLabel: () => t('offline.label_household'),
    payload: () => {
      const body = { kind: kind.value, landlord_name: landlord.value.trim() || null,
        lease_start: start.value || null, lease_end: end.value || null };
      if (phone.value.trim()) body.landlord_phone = phone.value.trim();
      return body;
    },
  });
}

export function vehicleForm(household, { onSaved, queued = null } = {}) {
  const plate = h('input', { name: 'plate', required: true, maxlength: 20, autocomplete: 'off',
    autocapitalize: 'characters', placeholder: '鲁M12345' });
  const kind = select('kind', VEHICLE_KINDS, (v) => label('vehicle.kind', v), 'car');
  const brand = h('input', { name: 'brand', maxlength: 40 });
  const color = h('input', { name: 'color', maxlength: 16 });
  const residents = household.residents || [];
  const owner = h('select', { name: 'owner_person_id' }, h('option', { value: '' }, t('collection.no_owner')),
    residents.map((p) => h('option', { value: p.id }, p.name)));
  const error = h('p.form-error', { role: 'alert' });
  const submit = h('button.btn.btn-primary.btn-block', { type: 'submit' }, t('common.save'));
  const form = h('form.form.collection-form.vehicle-form', { novalidate: true },
    h('p.form-subject', roomLabel(household)),
    field(t('collection.plate'), plate),
    field(t('collection.kind'), kind),
    field(t('collection.brand'), brand),
    field(t('collection.color'), color),
    residents.length ? field(t('collection.owner'), owner) : null,
    error, submit);
  return submitting(form, submit, error, {
    method: 'POST', url: `/api/households/${household.id}/vehicles`, saved: t('collection.vehicle_saved'), onSaved,
    draft: draftKey('vehicle', `household${household.id}`), queued,
    edit: { form: 'vehicle', household: householdRef(household) },
    outboxLabel: () => t('offline.label_vehicle'),
    payload: () => ({
      plate: plate.value.trim(), kind: kind.value, brand: brand.value.trim() || null,
      color: color.value.trim() || null, owner_person_id: owner.value ? Number(owner.value) : null,
    }),
  });
}
