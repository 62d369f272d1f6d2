// 离线工作: the panel to download or delete the offline
// beat pack (size before and after, a progress bar) and to see the outbox: what waits, what failed and why
// (retry or discard, never silently dropped), and the latest sync results. Imported when opened (the top-bar
// chip that opens it is ./offline-status.js).
import { api } from '../api.js';
import { can } from '../auth/capabilities.js';
import { t } from '../i18n/index.js';
import { items, results, retry, discard, sync } from '../offline/outbox.js';
import { cacheTiles, downloadPack, loadPack, wipePack } from '../offline/pack.js';
import { h, clear, toast } from './dom.js';
import { errorNode, errorText } from './errors.js';
import { formatDateTime } from './format.js';
import { canEdit, outboxEditForm } from './outbox-edit.js';

export function formatBytes(n) {
  if (n >= 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MB`;
  if (n >= 1024) return `${Math.round(n / 1024)} KB`;
  return `${n} B`;
}

export function offlineView({ user, config = {} }) {
  const root = h('div.offline-view');
  const packSection = h('section.panel-section.offline-pack');
  const outboxSection = h('section.panel-section.offline-outbox');
  root.append(packSection, outboxSection);

  async function renderPack() {
    clear(packSection, h('h3', t('offline.pack_heading')));
    if (!can('offline.pack')) {
      packSection.append(h('p.muted', t('offline.pack_not_allowed')));
      return;
    }
    const pack = await loadPack();
    const progress = h('progress.pack-progress', { max: 1, value: 0, hidden: true });
    const status = h('p.small.pack-status', { role: 'status' });
    const download = h('button.btn.btn-primary', { type: 'button', dataset: { action: 'pack-download' },
      onclick: () => get() }, pack ? t('offline.pack_update') : t('offline.pack_download'));
    if (pack) {
      packSection.append(
        h('p.pack-info', t('offline.pack_info', { at: formatDateTime(pack.downloaded_at), size: formatBytes(pack.bytes),
          buildings: pack.buildings.length, households: pack.buildings.reduce((n, b) => n + b.households.length, 0) })),
        pack.tile_count != null ? h('p.small.muted.pack-tiles', t('offline.pack_tiles_info', { n: pack.tile_count,
          size: formatBytes(pack.tile_bytes || 0), zmax: pack.tile_zmax ?? 17 })) : null,
        h('p.small.muted', t('offline.pack_expires', { at: formatDateTime(pack.expires_at) })));
    } else {
      const estimate = h('p.small.muted.pack-estimate', t('offline.pack_none'));
      packSection.append(estimate);
      if (navigator.onLine !== false) {
        api.get('/api/offline/pack/summary').then((s) => {
          estimate.textContent = t('offline.pack_estimate', { size: formatBytes(s.estimated_bytes), ...s.counts });
        }).catch(() => {});
      }
    }
    packSection.append(progress, status, h('div.form-actions', download,
      pack ? h('button.btn', { type: 'button', dataset: { action: 'pack-delete' }, onclick: async () => {
        await wipePack();
        toast(t('offline.pack_deleted'), 'ok');
        renderPack();
      } }, t('offline.pack_delete')) : null));

    async function get() {
      download.disabled = true;
      progress.hidden = false;
      progress.removeAttribute('value'); // indeterminate until the size is known
      try {
        const { pack: fresh, bytes, ms } = await downloadPack(user, { onProgress: (done, total) => {
          if (total) { progress.max = total; progress.value = Math.min(done, total); }
          status.textContent = t('offline.pack_downloading', { done: formatBytes(done), total: total ? formatBytes(total) : '…' });
        } });
        progress.value = 0;
        await cacheTiles(fresh, { limit: config.offline_tile_limit ?? 1500, onProgress: (done, total) => {
          progress.max = total;
          progress.value = done;
          status.textContent = t('offline.pack_tiles', { done, total });
        } });
        toast(t('offline.pack_saved', { size: formatBytes(bytes), seconds: (ms / 1000).toFixed(1) }), 'ok');
        root.dataset.packReady = '1';
        renderPack();
      } catch (err) {
        clear(status, errorNode(err));
        download.disabled = false;
        progress.hidden = true;
      }
    }
  }

  // redrawn only when what it shows changed: a sync event that changed nothing must not replace the buttons
  // under the user's finger (a tap on 更正 would land on a detached button)
  let shown = null;
  async function renderOutbox({ force = false } = {}) {
    const list = await items();
    const signature = JSON.stringify([list.map((i) => [i.seq, i.status, i.error, i.after && i.after.resolved, i.label]),
      results().map((r) => [r.ok, r.label, r.status, r.code])]);
    if (!force && signature === shown && outboxSection.childElementCount) return;
    shown = signature;
    const syncButton = h('button.btn.btn-small', { type: 'button', dataset: { action: 'sync' },
      onclick: () => sync() }, t('offline.outbox_sync'));
    clear(outboxSection, h('h3', t('offline.outbox_heading'), ' ', list.length ? syncButton : null));
    if (!list.length) outboxSection.append(h('p.muted.small.outbox-empty', t('offline.outbox_empty')));
    else {
      outboxSection.append(h('ul.outbox-list', list.map((item) => h(`li.outbox-item.outbox-${item.status}`,
        { dataset: { seq: item.seq, status: item.status } },
        h('div', h('strong', item.label || item.path), ' ', h('span.muted.small', formatDateTime(item.created_at))),
        item.status === 'failed'
          ? h('div.form-error.small', t('offline.outbox_failed', { reason: errorText(item.error) }))
          : h('div.muted.small', t(item.after && !item.after.resolved ? 'offline.outbox_follows' : 'offline.outbox_waiting')),
        item.status === 'failed' ? h('div.form-actions',
          canEdit(item) ? h('button.btn.btn-small.btn-primary', { type: 'button', dataset: { action: 'edit' },
            onclick: () => edit(item) }, t('offline.outbox_edit')) : null,
          h('button.btn.btn-small', { type: 'button', dataset: { action: 'retry' }, onclick: () => retry(item.seq) },
            t('offline.outbox_retry')),
          h('button.btn.btn-small', { type: 'button', dataset: { action: 'discard' }, onclick: () => {
            if (window.confirm(t('offline.outbox_discard_confirm'))) discard(item.seq);
          } }, t('offline.outbox_discard'))) : null))));
    }
    const done = results();
    if (done.length) {
      outboxSection.append(h('h4', t('offline.outbox_results')), h('ul.outbox-results', done.map((r) => h('li.small',
        { dataset: { ok: String(r.ok) } }, r.ok ? '✓ ' : '✗ ', r.label || '', ' · ',
        r.ok ? t('offline.outbox_ok') : errorText({ status: r.status, code: r.code })))));
    }
  }

  // 更正: the item's form in place of the list, until it was sent (or 返回)
  let editing = false;
  function edit(item) {
    editing = true;
    const back = () => { editing = false; renderOutbox({ force: true }); };
    const slot = h('div.form-slot', h('p.muted.loading', t('common.loading')));
    clear(outboxSection, h('h3', t('offline.outbox_edit_title', { label: item.label || item.path })),
      h('button.btn.btn-small', { type: 'button', dataset: { action: 'back' }, onclick: back }, t('offline.outbox_back')),
      slot);
    outboxEditForm(item, { onDone: back }).then((form) => slot.replaceWith(form))
      .catch((err) => clear(slot, errorNode(err)));
  }

  const onOutbox = () => { if (root.isConnected && !editing) renderOutbox(); };
  window.addEventListener('holomap:outbox', onOutbox);
  renderPack();
  renderOutbox();
  return root;
}
