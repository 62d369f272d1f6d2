// 退出登录 with unsent work (issue 16): the outbox may hold typed ID numbers, so it never stays behind
// silently. The dialog says how many items are unsent and offers 先同步再退出 (only when online),
// 放弃并退出 (deletes them from this device) or 取消. Resolves 'sync' | 'discard' | 'cancel'.
import { t } from '../i18n/index.js';
import { h } from './dom.js';

export function unsentDialog(n) {
  return new Promise((resolve) => {
    const online = navigator.onLine !== false;
    const done = (choice) => { dialog.close(); resolve(choice); };
    const dialog = h('dialog.dialog.signout-unsent', { 'aria-label': t('offline.signout_title') },
      h('div.signout-unsent-body',
        h('h3.dialog-title', t('offline.signout_title')),
        h('p.small', t(online ? 'offline.signout_text' : 'offline.signout_text_offline', { n })),
        h('div.dialog-actions',
          h('button.btn', { type: 'button', dataset: { action: 'cancel' }, onclick: () => done('cancel') },
            t('offline.signout_cancel')),
          h('button.btn', { type: 'button', dataset: { action: 'discard' }, onclick: () => done('discard') },
            t('offline.signout_discard', { n })),
          online ? h('button.btn.btn-primary', { type: 'button', dataset: { action: 'sync' }, onclick: () => done('sync') },
            t('offline.signout_sync')) : null)));
    dialog.addEventListener('cancel', (event) => { event.preventDefault(); done('cancel'); });
    dialog.addEventListener('close', () => dialog.remove());
    document.body.append(dialog);
    dialog.showModal();
  });
}
