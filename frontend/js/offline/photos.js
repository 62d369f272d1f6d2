// Photos taken with the phone camera (<input capture>): resized on the device before they are queued, so
// a field upload is small (≤ 1600 px on the long side, ≤ 500 KB JPEG) and the outbox holds no original.
// Re-encoding through a canvas also drops the camera's metadata (position, device); the server strips it
// again (api/photos/images.py). Shown with the signed-in token: GET /api/photos/{id} is scoped and audited,
// so an <img src> cannot fetch it; the bytes become a blob: URL instead.
import { authHeaders } from '../api.js';

export const MAX_SIDE = 1600;
export const MAX_BYTES = 500 * 1024;

function encode(bitmap, width, height, quality) {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext('2d');
  context.fillStyle = '#fff'; // a transparent PNG on white, not black
  context.fillRect(0, 0, width, height);
  context.drawImage(bitmap, 0, 0, width, height);
  return new Promise((resolve) => { canvas.toBlob(resolve, 'image/jpeg', quality); });
}

// A camera or gallery file as a JPEG Blob within the limits → {blob, width, height}; throws when the file
// is not an image the browser can decode (error.code 'photo.corrupt').
export async function resizePhoto(file, { maxSide = MAX_SIDE, maxBytes = MAX_BYTES } = {}) {
  let bitmap;
  try {
    bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
  } catch (err) {
    throw Object.assign(new Error('not an image'), { code: 'photo.corrupt', params: {} });
  }
  try {
    let scale = Math.min(1, maxSide / Math.max(bitmap.width, bitmap.height));
    let quality = 0.85;
    for (;;) {
      const width = Math.max(1, Math.round(bitmap.width * scale));
      const height = Math.max(1, Math.round(bitmap.height * scale));
      const blob = await encode(bitmap, width, height, quality);
      if (blob && (blob.size <= maxBytes || Math.max(width, height) <= 200)) return { blob, width, height };
      if (quality > 0.6) quality -= 0.1;
      else scale *= 0.8;
    }
  } finally {
    bitmap.close?.();
  }
}

// A stored photo as a blob: URL (revoked by the caller when the image goes), or null when refused.
export async function photoUrl(id) {
  try {
    const response = await fetch(`/api/photos/${id}`, { headers: authHeaders() });
    if (!response.ok) return null;
    return URL.createObjectURL(await response.blob());
  } catch (err) {
    return null; // offline: the photo is on the server only
  }
}
