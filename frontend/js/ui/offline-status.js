// 离线工作: the top-bar status ("离线模式", "n 条待同步"); its panel (./offline-panel.js) is imported when opened
// (issue 22: the first load's bytes).
import { t } from '../i18n/index.js';
import { items } from '../offline/outbox.js';
import { h } from './dom.js';

// The top-bar chip: offline or not, and the number of items waiting; onOpen opens the panel.
export function offlineStatus({ onOpen }) {
  const chip = h('button.offline-status', { type: 'button', onclick: onOpen, hidden: true });
  async function update() {
    const waiting = (await items()).length;
    const offline = navigator.onLine === false;
    const parts = [offline ? t('offline.offline_now') : null, waiting ? t('offline.pending', { n: waiting }) : null]
      .filter(Boolean);
    chip.textContent = parts.join(' · ') || t('offline.button');
    chip.classList.toggle('is-offline', offline);
    chip.classList.toggle('has-pending', waiting > 0);
    chip.dataset.pending = String(waiting);
    chip.hidden = false;
  }
  window.addEventListener('holomap:outbox', update);
  window.addEventListener('online', update);
  window.addEventListener('offline', update);
  update();
  return chip;
}
