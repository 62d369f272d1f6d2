// 账户管理 (admin screen): list users (filter by role, station, active and a piece of the username or name,
// sorted and paged by the server: a county has thousands of accounts), create one, edit role, station,
// display name and active, reset a password. A new account and a reset show a one-time password once
// (copy button); its user must set a new one at the next sign-in. Built from text only (h()).
import { api } from '../api.js';
import { label, t } from '../i18n/index.js';
import { h, clear, scrollable, toast } from './dom.js';
import { errorNode } from './errors.js';

const PAGE = 100; // accounts per page (the server's default)
const SORTS = ['station', 'username', 'display_name', 'role', 'created_at'];

export function accountsView() {
  const role = h('select', { name: 'role' }, h('option', { value: '' }, t('accounts.all')));
  const station = h('select', { name: 'station_id' }, h('option', { value: '' }, t('accounts.all')));
  const active = h('select', { name: 'active' }, h('option', { value: '' }, t('accounts.all')),
    h('option', { value: 'true' }, t('accounts.active_only')), h('option', { value: 'false' }, t('accounts.inactive_only')));
  const text = h('input', { name: 'q', type: 'search', maxlength: 32, autocomplete: 'off', spellcheck: 'false' });
  const sort = h('select', { name: 'sort' },
    SORTS.map((key) => h('option', { value: key }, t(`accounts.sort_by.${key}`))));
  const editor = h('div.account-editor');
  const result = h('div.accounts-result');
  const state = { roles: [], stations: [], loaded: false, offset: 0 };
  const filters = h('form.form.account-filters', { onsubmit: (e) => { e.preventDefault(); load(0); } },
    h('div.field-row',
      h('label.field', h('span', t('accounts.filter_q')), text),
      h('label.field', h('span', t('accounts.filter_role')), role),
      h('label.field', h('span', t('accounts.filter_station')), station),
      h('label.field', h('span', t('accounts.filter_active')), active),
      h('label.field', h('span', t('accounts.sort')), sort),
      h('div.field.field-submit', h('button.btn.btn-primary', { type: 'submit' }, t('accounts.search'))),
      h('div.field.field-submit', h('button.btn.account-new', { type: 'button', onclick: () => edit(null) },
        t('accounts.create')))));

  // one page of the list (offset: the first row; the same page again when omitted)
  async function load(offset = state.offset) {
    try {
      const body = await api.get('/api/users', { role: role.value, station_id: station.value, active: active.value,
        q: text.value.trim(), sort: sort.value, limit: PAGE, offset });
      if (!state.loaded) fillOptions(body);
      state.offset = body.offset;
      clear(result, table(body));
    } catch (err) {
      clear(result, h('p.empty', errorNode(err)));
    }
  }

  function fillOptions(body) {
    Object.assign(state, { roles: body.roles, stations: body.stations, loaded: true });
    role.append(...body.roles.map((r) => h('option', { value: r }, label('role', r))));
    station.append(...body.stations.map((s) => h('option', { value: String(s.id) }, s.name)));
  }

  function pager(body) {
    const last = body.offset + body.users.length;
    return h('div.account-pager',
      h('span.small.muted', t('accounts.page', { from: body.offset + 1, to: last, n: body.total })), ' ',
      h('button.btn.btn-small.account-prev', { type: 'button', disabled: body.offset === 0,
        onclick: () => load(Math.max(0, body.offset - body.limit)) }, t('accounts.prev')), ' ',
      h('button.btn.btn-small.account-next', { type: 'button', disabled: last >= body.total,
        onclick: () => load(last) }, t('accounts.next')));
  }

  function table(body) {
    const { users } = body;
    if (!users.length) return body.total ? pager(body) : h('p.empty', t('accounts.empty'));
    const cols = ['username', 'display_name', 'role', 'station', 'state', 'actions'];
    return h('div',
      body.total > users.length ? pager(body) : h('p.small.muted', t('accounts.count', { n: body.total })),
      h('div.table-scroll', scrollable(t('admin.tab_accounts')), h('table.data-table.accounts-table',
        h('thead', h('tr', cols.map((c) => h('th', t(`accounts.cols.${c}`))))),
        h('tbody', users.map((u) => h('tr.account-row', { dataset: { username: u.username },
          class: u.active ? null : 'inactive' },
        h('td.mono', u.username), h('td', u.display_name), h('td', label('role', u.role)),
        h('td', u.station_name || ''), h('td', badges(u)),
        h('td.nowrap',
          h('button.btn.btn-small.account-edit', { type: 'button', onclick: () => edit(u) }, t('accounts.edit')), ' ',
          h('button.btn.btn-small.account-reset', { type: 'button', onclick: () => confirmReset(u) },
            t('accounts.reset')))))))));
  }

  function edit(user) {
    const isNew = user == null;
    const username = h('input', { name: 'username', autocomplete: 'off', spellcheck: 'false', maxlength: 32 });
    const displayName = h('input', { name: 'display_name', autocomplete: 'off', maxlength: 64,
      value: user?.display_name || '' });
    const roleSelect = h('select', { name: 'role' }, state.roles.map((r) => h('option', { value: r,
      selected: r === (user?.role || 'grid_member') }, label('role', r))));
    const stationSelect = h('select', { name: 'station_id' }, h('option', { value: '' }, t('accounts.no_station')),
      state.stations.map((s) => h('option', { value: String(s.id), selected: s.id === (user ? user.station_id
        : state.stations[0]?.id) }, s.name)));
    const activeBox = h('input', { type: 'checkbox', name: 'active', checked: user ? user.active : true });
    const error = h('p.form-error', { role: 'alert' });
    const submit = h('button.btn.btn-primary', { type: 'submit' }, isNew ? t('accounts.create') : t('accounts.save'));
    const form = h('form.form.account-form', { onsubmit: save, novalidate: true, dataset: { mode: isNew ? 'create' : 'edit' } },
      h('h3.admin-heading', isNew ? t('accounts.create') : `${t('accounts.edit')} · ${user.username}`),
      isNew ? h('label.field', h('span', t('accounts.username')), username,
        h('small.muted', t('accounts.username_hint'))) : null,
      h('div.field-row',
        h('label.field', h('span', t('accounts.display_name')), displayName),
        h('label.field', h('span', t('accounts.role')), roleSelect),
        h('label.field', h('span', t('accounts.station')), stationSelect)),
      isNew ? null : h('label.check', activeBox, h('span', t('accounts.active')),
        h('small.muted', ' ', t('accounts.disable_note'))),
      error,
      h('div.form-actions', submit, ' ',
        h('button.btn', { type: 'button', onclick: () => clear(editor) }, t('accounts.cancel'))));
    clear(editor, form);
    (isNew ? username : displayName).focus();

    async function save(event) {
      event.preventDefault();
      clear(error);
      const fields = { display_name: displayName.value, role: roleSelect.value,
        station_id: stationSelect.value ? Number(stationSelect.value) : null };
      submit.disabled = true;
      try {
        if (isNew) {
          const body = await api.post('/api/users', { username: username.value.trim(), ...fields });
          clear(editor, oneTimeBox(body, t('accounts.created', { name: body.user.username })));
          text.value = body.user.username; // the new account is found on the list's first page
          state.offset = 0;
        } else {
          await api.patch(`/api/users/${user.id}`, { ...fields, active: activeBox.checked });
          clear(editor);
          toast(t('accounts.saved'), 'ok');
        }
        load();
      } catch (err) {
        clear(error, errorNode(err));
      } finally {
        submit.disabled = false;
      }
    }
  }

  function confirmReset(user) {
    const go = h('button.btn.btn-primary.account-reset-confirm', { type: 'button', onclick: run }, t('accounts.reset'));
    const error = h('p.form-error', { role: 'alert' });
    clear(editor, h('div.account-confirm',
      h('p', t('accounts.reset_confirm', { name: `${user.display_name}（${user.username}）` })),
      error, h('div.form-actions', go, ' ', h('button.btn', { type: 'button', onclick: () => clear(editor) },
        t('accounts.cancel')))));

    async function run() {
      go.disabled = true;
      try {
        const body = await api.post(`/api/users/${user.id}/password-reset`, {});
        clear(editor, oneTimeBox(body, null));
        load();
      } catch (err) {
        clear(error, errorNode(err));
        go.disabled = false;
      }
    }
  }

  function oneTimeBox(body, heading) {
    const code = h('code.one-time-password', body.one_time_password);
    const copy = h('button.btn.btn-small.copy-password', { type: 'button', onclick: async () => {
      try {
        await navigator.clipboard.writeText(body.one_time_password);
        copy.textContent = t('accounts.copied');
      } catch {
        getSelection().selectAllChildren(code); // no clipboard access: selected for Ctrl+C
      }
    } }, t('accounts.copy'));
    return h('div.one-time-box', { role: 'status' },
      heading ? h('p', h('strong', heading)) : null,
      h('h4', t('accounts.one_time_heading')),
      h('div.one-time-line', code, copy),
      h('p.small.muted', t('accounts.one_time_hint', { name: `${body.user.display_name}（${body.user.username}）` })),
      h('button.btn.btn-small', { type: 'button', onclick: () => clear(editor) }, t('accounts.close')));
  }

  load();
  return h('div.accounts', h('h3.admin-heading', t('accounts.heading')), filters, editor, result);
}

function badges(u) {
  return h('span.badges',
    h(`span.badge.${u.active ? 'badge-ok' : 'badge-muted'}`, u.active ? t('accounts.state_active') : t('accounts.state_inactive')),
    u.locked ? h('span.badge.badge-danger', t('accounts.state_locked')) : null,
    u.must_change_password ? h('span.badge.badge-warn', t('accounts.state_must_change')) : null);
}
