// 登记纠纷: title, category, grade (四色), summary; the household as the applicant party; the location is
// the household's building. POST /api/disputes; onSaved(dispute) with the stored dispute.
import { fieldWrite } from '../offline/outbox.js';
import { label, t } from '../i18n/index.js';
import { h, clear, toast } from './dom.js';
import { errorNode, fieldLabelsOf } from './errors.js';
import { draftKey, keepDraft } from './drafts.js';
import { checkRequired } from './form-check.js';
import { photoPicker } from './photo-picker.js';
import { roomLabel } from './household.js';

const CATEGORIES = ['neighbour', 'family', 'marriage', 'land', 'debt', 'other'];
const GRADES = ['green', 'yellow', 'orange', 'red'];

export function disputeForm(household, { point, onSaved }) {
  const title = h('input', { name: 'title', required: true, maxlength: 200 });
  const category = h('select', { name: 'category' },
    CATEGORIES.map((c) => h('option', { value: c }, label('dispute.category', c))));
  const grades = GRADES.map((g, i) => h('label.grade-choice', { class: `grade-${g}` },
    h('input', { type: 'radio', name: 'grade', value: g, checked: i === 0 }), h('span', label('dispute.grade', g))));
  const summary = h('textarea', { name: 'summary', rows: 4, maxlength: 8000 });
  const error = h('p.form-error', { role: 'alert' });
  const submit = h('button.btn.btn-primary.btn-block', { type: 'submit' }, t('common.submit'));
  const picker = photoPicker({ error });

  async function save(event) {
    event.preventDefault();
    if (!checkRequired(form)) return;
    submit.disabled = true;
    error.textContent = '';
    try {
      const dispute = await fieldWrite('POST', '/api/disputes', {
        title: title.value.trim(),
        category: category.value,
        grade: form.querySelector('input[name=grade]:checked').value,
        summary: summary.value.trim() || null,
        location: { lon: point.lon, lat: point.lat },
        parties: [{ household_id: household.id, side: 'applicant' }],
      }, { label: t('offline.label_dispute', { title: title.value.trim() }),
        photos: picker.uploads('dispute_id', title.value.trim()) });
      toast(dispute === null ? t('offline.queued')
        : dispute.photos_queued ? t('visit.photos_queued', { n: dispute.photos_queued }) : t('dispute.saved'), 'ok');
      draft.clear();
      onSaved?.(dispute);
    } catch (err) {
      clear(error, errorNode(err, { fieldLabels: fieldLabelsOf(form) }));
    } finally {
      submit.disabled = false;
    }
  }

  const form = h('form.form.dispute-form', { novalidate: true, onsubmit: save },
    h('p.form-subject', roomLabel(household)),
    h('label.field', h('span', t('dispute.title')), title),
    h('label.field', h('span', t('dispute.category_label')), category),
    h('div.field', h('span', t('dispute.grade_label')), h('div.grade-choices', grades)),
    h('label.field', h('span', t('dispute.summary')), summary),
    picker.node, error, submit);
  const draft = keepDraft(form, draftKey('dispute', `household${household.id}`));
  return form;
}
