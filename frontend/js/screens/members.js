// 警务区成员 (1+1+N), for the station chief (own station) and the admin (any station): per beat of the plan
// in force, pick the community officer, the auxiliary, the grid members and the mediators from the
// station's active users of the matching role → PUT /api/beats/{id}/members (the whole set, audited).
// Members see their new beats on their next request. Beats from GET /api/beats, people from GET /api/users.
import { api } from '../api.js';
import { can } from '../auth/capabilities.js';
import { t } from '../i18n/index.js';
import { asset, h, clear, toast } from '../ui/dom.js';
import { errorNode } from '../ui/errors.js';

function ensureStylesheet() {
  if (document.querySelector('link[data-admin-css]')) return;
  document.head.append(h('link', { rel: 'stylesheet', href: asset('css/admin.css'), 'data-admin-css': '' }));
}

export async function mount({ panel, user }) {
  ensureStylesheet();
  const host = h('div.members-beats');
  const stationSelect = h('select', { name: 'station_id', onchange: () => show(Number(stationSelect.value)) });
  const root = h('div.admin.members', h('p.small.muted', t('members.hint')),
    can('user.manage') ? h('label.field.members-station', h('span', t('members.station')), stationSelect) : null,
    host);
  panel.setTitle(t('members.title')).setContent(root).open();
  clear(host, h('p.muted', t('common.loading')));
  let beats;
  let people;
  try {
    // the stations of the form (the list itself comes per station, below: the county has thousands of users)
    [beats, people] = await Promise.all([api.get('/api/beats'), api.get('/api/users', { active: true, limit: 1 })]);
  } catch (err) {
    clear(host, h('p.empty', errorNode(err)));
    return;
  }
  const stations = people.stations.filter((s) => can('user.manage') || s.id === user.station_id);
  stationSelect.append(...stations.map((s) => h('option', { value: String(s.id) }, s.name)));
  const first = can('user.manage') ? beats.features[0]?.properties.station_id ?? stations[0]?.id : user.station_id;
  if (first != null) stationSelect.value = String(first);
  show(first);

  async function show(stationId) {
    const own = beats.features.map((f) => f.properties).filter((b) => b.station_id === stationId);
    if (!own.length) {
      clear(host, h('p.empty', t('members.no_beats')));
      return;
    }
    clear(host, h('p.muted', t('common.loading')));
    let staff;
    try { // the station's active users, one page (a station has a few hundred)
      staff = (await api.get('/api/users', { active: true, station_id: stationId, limit: 1000 })).users;
    } catch (err) {
      clear(host, h('p.empty', errorNode(err)));
      return;
    }
    if (Number(stationSelect.value || stationId) !== stationId) return; // another station was chosen meanwhile
    staff.sort((a, b) => a.username.localeCompare(b.username, 'en', { numeric: true })); // grid2 before grid10
    clear(host, own.map((b) => beatCard(b, staff)));
  }
}

function beatCard(beat, staff) {
  const held = (duty) => beat.members.filter((m) => m.duty === duty).map((m) => m.user_id);
  const ofRole = (role) => staff.filter((u) => u.role === role);
  const officer = single('officer', ofRole('officer'), held('officer')[0]);
  const auxiliary = single('auxiliary', ofRole('auxiliary'), held('auxiliary')[0]);
  const grid = several('grid_members', ofRole('grid_member'), held('grid_member'));
  const mediators = several('mediators', ofRole('grid_member'), held('mediator'));
  const error = h('p.form-error', { role: 'alert' });
  const submit = h('button.btn.btn-primary', { type: 'submit' }, t('members.save'));
  const form = h('form.form.beat-card', { dataset: { code: beat.code, beatId: String(beat.id) }, onsubmit: save,
    novalidate: true },
  h('h4', `${beat.code} · ${beat.name}`),
  h('div.field-row', officer.node, auxiliary.node), grid.node, mediators.node, error, h('div.form-actions', submit));

  async function save(event) {
    event.preventDefault();
    clear(error);
    submit.disabled = true;
    submit.textContent = t('members.saving');
    try {
      const body = await api.put(`/api/beats/${beat.id}/members`, {
        officer: officer.value(), auxiliary: auxiliary.value(), grid_members: grid.value(), mediators: mediators.value(),
      });
      toast(t('members.saved', { code: body.code }), 'ok');
    } catch (err) {
      clear(error, errorNode(err));
    } finally {
      submit.disabled = false;
      submit.textContent = t('members.save');
    }
  }
  return form;
}

function single(duty, people, current) {
  const select = h('select', { name: duty }, h('option', { value: '' }, t('members.none')),
    people.map((u) => h('option', { value: String(u.id), selected: u.id === current }, `${u.display_name}（${u.username}）`)));
  return { node: h('label.field', h('span', t(`members.${duty}`)), select),
    value: () => (select.value ? Number(select.value) : null) };
}

function several(duty, people, current) {
  const boxes = people.map((u) => h('label.check', h('input', { type: 'checkbox', name: duty, value: String(u.id),
    checked: current.includes(u.id) }), h('span', `${u.display_name}（${u.username}）`)));
  return {
    node: h('div.member-group', { dataset: { duty } }, h('span', t(`members.${duty}`)),
      boxes.length ? h('div.member-choices', boxes) : h('p.small.muted', t('members.no_people'))),
    value: () => boxes.map((b) => b.querySelector('input')).filter((i) => i.checked).map((i) => Number(i.value)),
  };
}
