// What the Map screen's panel shows before a building is chosen: how to use it, the user's beats with
// their "1+1+N" members, and the map legend.
import { label, t } from '../i18n/index.js';
import { h } from './dom.js';

export function renderIntro({ user, beats = [] }) {
  const own = beats.filter((b) => b.in_scope ?? (user.beats || []).includes(b.code));
  return h('div.intro',
    h('p.hint', t('map.click_hint')),
    own.length ? h('section.panel-section', h('h3', t('map.my_beats')), own.map(beatCard)) : null,
    h('section.panel-section', h('h3', t('map.legend')), legend()));
}

function beatCard(beat) {
  const members = beat.members || [];
  return h('div.beat-card',
    h('div.beat-card-head', h('strong', `${beat.code} ${beat.name}`),
      beat.kind ? h('span.chip', label('map.beat_kind', beat.kind)) : null),
    members.length ? h('ul.members', members.map((m) => h('li',
      h('span.duty', label('map.duty', m.duty)), h('span', m.display_name || m.username),
      m.phone ? h('span.muted.small', m.phone) : null))) : null);
}

function legend() {
  const row = (cls, text) => h('div.legend-row', h(`span.legend-swatch.${cls}`), h('span', text));
  return h('div.legend',
    row('lg-own-beat', t('map.legend_own_beat')),
    row('lg-beat', t('map.legend_beat')),
    row('lg-station', t('map.layer_station')),
    row('lg-village', t('map.legend_village')),
    row('lg-community', t('map.legend_community')),
    row('lg-building', t('map.layer_buildings')),
    row('lg-selected', t('map.legend_selected')));
}
