// 照片 in a form (visit, dispute): a button that opens the phone camera (`capture`) or the gallery, each
// picture resized here (offline/photos.js) and shown as a thumbnail that can be removed. uploads(field,
// label) gives the outbox's follower items (offline/outbox.js fieldWrite `photos`).
import { t } from '../i18n/index.js';
import { resizePhoto } from '../offline/photos.js';
import { h, clear } from './dom.js';
import { errorNode } from './errors.js';

// onChange(n) (optional): after each change, with the number of photos chosen.
// title: the field's name (null: the section's heading names it already).
export function photoPicker({ error, onChange = null, title = t('visit.photos') }) {
  const photos = []; // {blob, url}: resized, in the order taken
  const list = h('div.photo-thumbs');
  const input = h('input.photo-input', { type: 'file', name: 'photos', accept: 'image/*', capture: 'environment',
    multiple: true, 'aria-label': t('visit.photos'), onchange: add });
  const node = h('div.field.photo-field', title ? h('span', title) : null,
    h('label.btn.btn-small.photo-pick', input, t('visit.photos_take')),
    h('p.muted.small', t('visit.photos_hint')), list);

  async function add() {
    error.textContent = '';
    for (const file of [...input.files]) {
      try {
        const { blob } = await resizePhoto(file);
        photos.push({ blob, url: URL.createObjectURL(blob) });
      } catch (err) {
        clear(error, errorNode(err));
      }
    }
    input.value = '';
    show();
  }

  function show() {
    clear(list, photos.map((photo, i) => h('figure.photo-thumb', h('img', { src: photo.url, alt: t('visit.photo_alt') }),
      h('button.link-btn', { type: 'button', dataset: { action: 'remove-photo' }, onclick: () => {
        URL.revokeObjectURL(photo.url);
        photos.splice(i, 1);
        show();
      } }, t('visit.photo_remove')))),
    photos.length ? h('span.muted.small.photo-count', t('visit.photos_chosen', { n: photos.length })) : null);
    onChange?.(photos.length);
  }

  return {
    node,
    uploads: (field, label) => photos.map((photo, i) => ({ path: '/api/photos', field, blob: photo.blob,
      label: `${t('offline.label_photo')} ${i + 1} · ${label}` })),
    clear: () => { photos.forEach((p) => URL.revokeObjectURL(p.url)); photos.length = 0; show(); },
    // keep only the photos at these indexes (those the server refused, for another try)
    keepOnly: (indexes) => {
      const kept = photos.filter((p, i) => indexes.includes(i) || (URL.revokeObjectURL(p.url), false));
      photos.splice(0, photos.length, ...kept);
      show();
    },
  };
}
