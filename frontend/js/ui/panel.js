// The side panel: a column on the left on wide screens, a bottom sheet on phones. Collapsible; screens
// fill it through setTitle/setContent and learn about closing through onClose.
import { t } from '../i18n/index.js';
import { h, clear, icon } from './dom.js';

export function createPanel(host) {
  const title = h('h2.panel-title');
  const back = h('button.icon-btn.panel-back', { type: 'button', title: t('common.back'), 'aria-label': t('common.back'),
    hidden: true }, icon('chevron'));
  const body = h('div.panel-body');
  const closeButton = h('button.icon-btn.panel-close', { type: 'button', title: t('common.close'),
    'aria-label': t('common.close') }, icon('close'));
  const grip = h('button.panel-grip', { type: 'button', 'aria-label': t('shell.toggle_panel') });
  const element = h('aside.panel', { 'aria-label': t('panel.title') },
    grip, h('div.panel-head', back, title, closeButton), body);
  host.append(element);
  let closeHandlers = [];
  // push()/pop(): a form or a detail view over the current content, with a back button.
  let stack = [];

  const panel = {
    element,
    body,
    setTitle(text) { title.textContent = text || ''; return panel; },
    setContent(...nodes) {
      stack = []; back.hidden = true; host.classList.remove('panel-pushed');
      clear(body, ...nodes); body.scrollTop = 0; return panel;
    },
    push(text, node) {
      stack.push({ title: title.textContent, nodes: [...body.childNodes], scroll: body.scrollTop });
      title.textContent = text;
      clear(body, node);
      body.scrollTop = 0;
      back.hidden = false;
      host.classList.add('panel-pushed'); // phones: a form or detail gets the full-height sheet
      panel.open();
      return panel;
    },
    pop() {
      const previous = stack.pop();
      if (!previous) return panel;
      title.textContent = previous.title;
      clear(body, previous.nodes);
      body.scrollTop = previous.scroll;
      back.hidden = stack.length === 0;
      host.classList.toggle('panel-pushed', stack.length > 0);
      return panel;
    },
    open() { host.classList.add('panel-open'); host.classList.remove('panel-collapsed'); resize(); return panel; },
    close() {
      host.classList.remove('panel-open');
      resize();
      const handlers = closeHandlers;
      handlers.forEach((fn) => fn());
      return panel;
    },
    toggle() { host.classList.toggle('panel-collapsed'); resize(); },
    isOpen: () => host.classList.contains('panel-open'),
    onClose(fn) { closeHandlers.push(fn); return () => { closeHandlers = closeHandlers.filter((f) => f !== fn); }; },
    reset() {
      closeHandlers = []; panel.setTitle(''); panel.setContent(); host.classList.remove('panel-open'); resize();
    },
  };
  closeButton.addEventListener('click', () => panel.close());
  back.addEventListener('click', () => panel.pop());
  let dragged = false; // a drag ends with a click on the grip: that click must not toggle again
  grip.addEventListener('click', () => { if (!dragged) panel.toggle(); dragged = false; });
  dragSheet(host, element, [grip, title], (state) => {
    dragged = true;
    host.classList.toggle('panel-collapsed', state === 'peek');
    host.classList.toggle('panel-full', state === 'full');
    resize();
  });

  function resize() {
    // The map sits beside/under the panel: tell Leaflet once the CSS transition has run.
    host.dispatchEvent(new CustomEvent('holomap:layout'));
  }
  return panel;
}

// Phones: the bottom sheet follows a finger (pointer events) dragged on its grip or title, and settles at
// the nearest of peek (56 px), half (58 %) and full height. A press without movement stays a tap.
const PEEK = 56;
const phone = () => window.matchMedia('(max-width: 767px)').matches;

function dragSheet(host, sheet, handles, onSettle) {
  let start = null;
  const visible = () => host.clientHeight - (sheet.getBoundingClientRect().top - host.getBoundingClientRect().top);
  function down(e) {
    if (!phone() || !host.classList.contains('panel-open') || e.button > 0) return;
    start = { y: e.clientY, height: visible(), moved: false, id: e.pointerId };
  }
  function move(e) {
    if (!start || e.pointerId !== start.id) return;
    const dy = e.clientY - start.y;
    if (!start.moved && Math.abs(dy) < 6) return;
    if (!start.moved) {
      start.moved = true;
      sheet.classList.add('panel-dragging');
    }
    const height = Math.max(PEEK, Math.min(host.clientHeight - 24, start.height - dy));
    sheet.style.height = `${height}px`;
    sheet.dataset.dragHeight = String(Math.round(height));
    e.preventDefault();
  }
  function up(e) {
    if (!start || e.pointerId !== start.id) return;
    const { moved } = start;
    start = null;
    if (!moved) return;
    const height = Number(sheet.dataset.dragHeight);
    sheet.classList.remove('panel-dragging');
    sheet.style.height = '';
    delete sheet.dataset.dragHeight;
    const stops = { peek: PEEK, half: host.clientHeight * 0.58, full: host.clientHeight - 24 };
    const state = Object.entries(stops).sort((a, b) => Math.abs(a[1] - height) - Math.abs(b[1] - height))[0][0];
    sheet.dataset.sheet = state;
    onSettle(state);
  }
  for (const handle of handles) {
    handle.style.touchAction = 'none';
    handle.addEventListener('pointerdown', down);
  }
  // the finger soon leaves the 16 px grip: follow it on the window
  window.addEventListener('pointermove', move, { passive: false });
  window.addEventListener('pointerup', up);
  window.addEventListener('pointercancel', up);
}
