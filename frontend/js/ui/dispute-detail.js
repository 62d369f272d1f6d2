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

export function disputeDetail(dispute, { onChanged } = {}) {
  const root = h('div.dispute-detail');
  render(dispute);
  return root;

  function render(d) {
    const note = h('textarea', { name: 'text', rows: 2, maxlength: 4000, placeholder: t('dispute.note_placeholder') });
    const error = h('p.form-error', { role: 'alert' });
    clear(root,
      h('div.dispute-head', gradeBadge(d.grade), statusBadge(d.status), h('strong', d.title)),
      h('dl.facts',
        fact(t('dispute.category_label'), label('dispute.category', d.category)),
        fact(t('dispute.level_label'), label('dispute.level', d.level)),
        fact(t('dispute.reported'), formatDateTime(d.reported_at)),
        fact(t('dispute.response_due'), formatDateTime(d.response_due_at), d.overdue_response),
        d.next_return_visit ? fact(t('dispute.return_visit_due'), formatDate(d.next_return_visit), d.overdue_return_visit) : null,
        d.agreement_signed ? fact(t('dispute.agreement'), t('common.yes')) : null),
      d.overdue ? h('p.badge.badge-danger.overdue', t('dispute.overdue')) : null,
      d.summary ? h('p.dispute-summary', d.summary) : null,
      (d.parties || []).length ? h('section.panel-section', h('h3', t('dispute.parties')),
        h('ul.hh-list', d.parties.map((p) => h('li', h('span.badge.badge-muted', label('dispute.side', p.side)), ' ',
          h('strong', p.name || p.address || ''), ' ', h('span.muted.small', p.id_number_masked || p.address || ''))))) : null,
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
      h('section.panel-section', h('h3', t('dispute.timeline')),
        h('ol.timeline', (d.events || []).slice().reverse().map((e) => h('li',
          h('div.timeline-line', h('span.timeline-kind', label('dispute.event_kind', e.kind)),
            h('span.muted.small', `${formatDateTime(e.at)} ${e.user_name || ''}`)),
          e.text ? h('div.timeline-text', eventText(e)) : null)))));

    async function act(call) {
      error.textContent = '';
      try {
        const updated = await call();
        if (updated === null) { // no connection: kept in the outbox, sent when back online
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

// The server writes a status event as 'open' or 'mediating → resolved[: note]' and an escalation as
// 'village → station' (api/disputes/service.py): those codes are shown by their Chinese names.
const MOVE = /^([a-z_]+)(?: → ([a-z_]+))?(?:: ([\s\S]*))?$/;

export function eventText(event) {
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
