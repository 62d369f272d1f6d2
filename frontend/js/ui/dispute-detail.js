// One dispute: facts, deadlines, parties, the timeline of events, and the actions its state allows
// (allowed_transitions → PATCH {status}; allowed_events → POST /events), those the user's capabilities
// allow (js/auth/capabilities.js). onChanged(dispute) after each.
import { api } from '../api.js';
import { fieldWrite } from '../offline/outbox.js';
import { can, eventCapability, transitionCapability } from '../auth/capabilities.js';
import { label, t } from '../i18n/index.js';
import { gradeBadge, statusBadge } from './badges.js';
import { h, clear, toast } from './dom.js';
import { errorNode } from './errors.js';
import { formatDate, formatDateTime } from './format.js';
import { storedPhotos } from './household.js';

export function disputeDetail(dispute, { onChanged } = {}) {
  const root = h('div.dispute-detail');
  render(dispute);
  return root;

  function render(d) {
    const note = h('textarea', { name: 'text', rows: 2, maxlength: 4000, placeholder: t('dispute.note_placeholder') });
    const error = h('p.form-error', { role: 'alert' });
    clear(root,
      d.offline ? h('p.offline-hint', t('offline.dispute_offline_hint')) : null,
      h('div.dispute-head', gradeBadge(d.grade), statusBadge(d.status), h('strong', d.title)),
      h('dl.facts',
        fact(t('dispute.category_label'), label('dispute.category', d.category)),
        fact(t('dispute.level_label'), label('dispute.level', d.level)),
        fact(t('dispute.reported'), formatDateTime(d.reported_at)),
        d.response_due_at ? fact(t('dispute.response_due'), formatDateTime(d.response_due_at), d.overdue_response) : null,
        d.next_return_visit ? fact(t('dispute.return_visit_due'), formatDate(d.next_return_visit), d.overdue_return_visit) : null,
        d.agreement_signed ? fact(t('dispute.agreement'), t('common.yes')) : null),
      d.overdue ? h('p.badge.badge-danger.overdue', t('dispute.overdue')) : null,
      d.summary ? h('p.dispute-summary', d.summary) : null,
      d.photo_ids?.length ? h('section.panel-section.dispute-photos', h('h3', t('visit.photos')), storedPhotos(d.photo_ids)) : null,
      d.offline ? null : h('section.panel-section', { 'data-testid': 'dispute-parties' }, h('h3', t('dispute.parties')),
        (d.parties || []).length ? h('ul.hh-list', d.parties.map((p) => h('li', { dataset: { side: p.side } },
          h('span.badge.badge-muted', label('dispute.side', p.side)), ' ',
          h('strong', p.name || p.address || ''), ' ',
          p.outsider ? h('span.badge.badge-info', t('dispute.outsider')) : null, ' ',
          h('span.muted.small', [p.id_number_masked || p.address, p.phone_masked].filter(Boolean).join(' · ')))))
          : h('p.muted.small', t('worklist.nothing')),
        can('dispute.report') ? partyForm(d, act) : null),
      can('dispute.report') && !d.offline ? editForm(d, act) : null,
      h('section.panel-section', h('h3', t('dispute.actions')),
        h('div.dispute-actions',
          (d.allowed_transitions || []).filter((status) => can(transitionCapability(d.status, status))).map((status) => h('button.btn.btn-small.btn-primary', {
            type: 'button', dataset: { status }, onclick: () => act(() => fieldWrite('PATCH', `/api/disputes/${d.id}`,
              { status, note: note.value.trim() || null }, { label: t('offline.label_dispute_status') })),
          }, t('dispute.move_to', { status: label('dispute.status', status) }))),
          (d.allowed_events || []).filter((kind) => can(eventCapability(kind))).map((kind) => h('button.btn.btn-small', {
            type: 'button', dataset: { event: kind }, onclick: () => act(() => fieldWrite('POST', `/api/disputes/${d.id}/events`,
              { kind, text: note.value.trim() || null }, { label: t('offline.label_dispute_event') })),
          }, label('dispute.event_kind', kind)))),
        note, error),
      d.offline ? null : h('section.panel-section', h('h3', t('dispute.timeline')),
        h('ol.timeline', (d.events || []).slice().reverse().map((e) => h('li',
          h('div.timeline-line', h('span.timeline-kind', label('dispute.event_kind', e.kind)),
            h('span.muted.small', `${formatDateTime(e.at)} ${e.user_name || ''}`)),
          e.text ? h('div.timeline-text', eventText(e)) : null)))));

    async function act(call) {
      error.textContent = '';
      try {
        const updated = await call();
        if (updated === null) { // no connection: kept in the outbox, sent when back online
          note.value = ''; // taken by the outbox: not to be sent twice
          toast(t('offline.queued'), 'ok');
          return;
        }
        toast(t('dispute.updated'), 'ok');
        render(updated);
        onChanged?.(updated);
      } catch (err) {
        clear(error, errorNode(err));
      }
    }
  }
}

// 添加当事人: side, then a person/household found by search, or an outsider's name and phone.
function partyForm(d, act) {
  const side = h('select', { name: 'side', 'aria-label': t('dispute.side_label') },
    ['applicant', 'respondent', 'third_party'].map((s) => h('option', { value: s }, label('dispute.side', s))));
  const q = h('input', { name: 'q', type: 'search', placeholder: t('dispute.party_search'),
    'aria-label': t('dispute.party_search') });
  const results = h('ul.party-results');
  const name = h('input', { name: 'name', maxlength: 50, placeholder: t('dispute.outsider_name'),
    'aria-label': t('dispute.outsider_name') });
  const phone = h('input', { name: 'phone', type: 'tel', maxlength: 20, placeholder: t('dispute.outsider_phone'),
    'aria-label': t('dispute.outsider_phone') });
  const error = h('p.form-error', { role: 'alert' });
  const add = (body) => act(() => api.post(`/api/disputes/${d.id}/parties`, { side: side.value, ...body }));
  async function find() {
    error.textContent = '';
    if (!q.value.trim()) { error.textContent = t('dispute.party_search_empty'); return; }
    try {
      const body = await api.get('/api/search', { q: q.value.trim() });
      const found = (body.results || []).filter((r) => r.type === 'person' || r.type === 'household');
      clear(results, found.length ? found.map((r) => h('li', h('button.btn.btn-small', { type: 'button',
        onclick: () => add(r.type === 'person' ? { person_id: r.id } : { household_id: r.id }) },
      `${label('search.kinds', r.type)} ${r.label}`), ' ', h('span.muted.small', r.detail || '')))
        : h('li.muted.small', t('search.empty')));
    } catch (err) {
      clear(error, errorNode(err));
    }
  }
  return h('details.party-form', h('summary', t('dispute.add_party')),
    h('label.small', t('dispute.side_label'), side),
    h('div.row', q, h('button.btn.btn-small', { type: 'button', onclick: find }, t('dispute.party_find'))), results,
    h('div.row', name, phone, h('button.btn.btn-small', { type: 'button', onclick: () => {
      if (!name.value.trim()) { error.textContent = t('dispute.outsider_name_empty'); return; }
      add({ name: name.value.trim(), phone: phone.value.trim() || null });
    } }, t('dispute.add_outsider'))), error);
}

// 更正: grade (real radio buttons, keyboard operable) and title; the server keeps the history.
function editForm(d, act) {
  const title = h('input', { name: 'title', value: d.title, maxlength: 200, 'aria-label': t('dispute.title_label') });
  const grades = ['green', 'yellow', 'orange', 'red'].map((g) => h('label.grade-radio',
    h('input', { type: 'radio', name: `grade-${d.id}`, value: g, checked: g === d.grade }), label('dispute.grade', g)));
  const error = h('p.form-error', { role: 'alert' });
  return h('details.dispute-edit', h('summary', t('dispute.edit')),
    h('fieldset', h('legend', t('dispute.grade_label')), grades),
    h('label', t('dispute.title_label'), title),
    h('button.btn.btn-small.btn-primary', { type: 'button', dataset: { action: 'save-edit' }, onclick: () => {
      const grade = grades.map((l) => l.querySelector('input')).find((i) => i.checked)?.value;
      if (!title.value.trim()) { error.textContent = t('dispute.title_empty'); return; }
      act(() => api.patch(`/api/disputes/${d.id}`, { grade, title: title.value.trim() }));
    } }, t('dispute.save_edit')), error);
}

// A correction event's JSON {grade: [before, after], title: [...], party: side} in Chinese.
function correctionText(text) {
  let changes;
  try { changes = JSON.parse(text); } catch { return text; }
  return Object.entries(changes).map(([field, value]) => {
    if (field === 'party') return t('dispute.party_added', { side: label('dispute.side', value) });
    const [before, after] = value;
    const name = (v) => (field === 'grade' ? label('dispute.grade', v) : field === 'category' ? label('dispute.category', v) : v);
    return `${t(`dispute.field_${field}`)}：${name(before)} → ${name(after)}`;
  }).join('；');
}

// The server writes a status event as 'open' or 'mediating → resolved[: note]' and an escalation as
// 'village → station' (api/disputes/service.py): those codes are shown by their Chinese names.
const MOVE = /^([a-z_]+)(?: → ([a-z_]+))?(?:: ([\s\S]*))?$/;

export function eventText(event) {
  if (event.kind === 'correction') return correctionText(event.text || '');
  const section = { status: 'dispute.status', escalation: 'dispute.level' }[event.kind];
  const move = section ? MOVE.exec(event.text || '') : null;
  if (!move || !t(section)[move[1]] || (move[2] && !t(section)[move[2]])) return event.text || '';
  const names = [move[1], move[2]].filter(Boolean).map((code) => label(section, code)).join(' → ');
  return move[3] ? `${names}：${move[3]}` : names;
}

function fact(name, value, late = false) {
  return [h('dt', name), h('dd', { class: late ? 'late' : null }, value || '')];
}

// isCurrent() (optional): false when the user moved on while the dispute loaded, so it is not shown.
export async function openDispute(panel, id, { isCurrent = () => true, ...options } = {}) {
  const dispute = await api.get(`/api/disputes/${id}`);
  if (!isCurrent()) return;
  panel.push(t('dispute.detail_title'), disputeDetail(dispute, options));
}
