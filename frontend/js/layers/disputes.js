// 矛盾纠纷: unclosed disputes of the user's beats (GET /api/disputes), dots coloured by grade, red on top.
// A dot sits on its building's centroid, so a click on it opens that building (onChoose), whose panel
// lists the disputes on it (near()): the building is what a click in its middle means.
import L from '../lib/leaflet.js';
import { api } from '../api.js';
import { label } from '../i18n/index.js';
import { h } from '../ui/dom.js';

export const GRADE_COLOUR = { green: '#2f9e44', yellow: '#f2c200', orange: '#f76707', red: '#e03131' };
export const DOT_OUTLINE = '#212529';
const ORDER = { green: 1, yellow: 2, orange: 3, red: 4 };

export function disputesLayer({ onChoose }) {
  const group = L.featureGroup();
  let shown = [];
  // Disputes within `metres` of a point (the building's centroid).
  group.near = (lon, lat, metres = 15) => shown.filter((d) => L.latLng(d.lat, d.lon).distanceTo([lat, lon]) <= metres);
  group.reload = () => api.get('/api/disputes', { status: 'open,mediating,escalated,resolved', limit: 1000 })
    .then((body) => {
      group.clearLayers();
      // a dispute with no point (no location and no household: an import) has no dot; the lists show it
      const disputes = (body.disputes || []).filter((d) => d.lon != null && d.lat != null)
        .sort((a, b) => ORDER[a.grade] - ORDER[b.grade]);
      shown = disputes;
      for (const d of disputes) {
        const radius = d.grade === 'red' || d.grade === 'orange' ? 7 : 5;
        // a white halo under a dark outline: the dot stands out at 3:1 or more (WCAG 1.4.11) on the
        // buildings' beige, the map's white and dark lines alike, whatever its own colour (yellow is 1.2:1)
        L.circleMarker([d.lat, d.lon], { pane: 'selection', radius: radius + 2, weight: 2, color: '#fff',
          opacity: 0.95, fill: false, interactive: false }).addTo(group);
        L.circleMarker([d.lat, d.lon], {
          pane: 'selection', radius, weight: 2, color: DOT_OUTLINE, opacity: 1,
          fillColor: GRADE_COLOUR[d.grade], fillOpacity: 1,
        }).bindTooltip(h('span', `${label('dispute.grade', d.grade)} · ${d.title}`), { direction: 'top' })
          .on('click', (e) => { L.DomEvent.stop(e); onChoose(d); })
          .addTo(group);
      }
    })
    .catch(() => { shown = []; group.clearLayers(); });
  return group;
}
