// Formatting and tolerant readers for API values (dates, points, lists).
// Times are shown in China Standard Time whatever the device's zone (the API counts days in it too).
const ZONE = 'Asia/Shanghai';
const DATE = new Intl.DateTimeFormat('zh-CN', { year: 'numeric', month: '2-digit', day: '2-digit', timeZone: ZONE });
const DATETIME = new Intl.DateTimeFormat('zh-CN', {
  year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false, timeZone: ZONE,
});

export function formatDate(value) {
  const date = value ? new Date(value) : null;
  return date && !Number.isNaN(date.getTime()) ? DATE.format(date) : '';
}

export function formatDateTime(value) {
  const date = value ? new Date(value) : null;
  return date && !Number.isNaN(date.getTime()) ? DATETIME.format(date) : '';
}

export function daysSince(value) {
  const date = value ? new Date(value) : null;
  if (!date || Number.isNaN(date.getTime())) return null;
  return Math.max(0, Math.floor((Date.now() - date.getTime()) / 86400000));
}

// {lon, lat} from the shapes an API may use: {lon, lat}, {point: {lon, lat}}, {location: …},
// a GeoJSON Point, or [lon, lat].
export function pointOf(item) {
  if (!item) return null;
  if (Array.isArray(item) && item.length >= 2) return { lon: +item[0], lat: +item[1] };
  if (item.type === 'Point' && item.coordinates) return pointOf(item.coordinates);
  if (item.lon != null && item.lat != null) return { lon: +item.lon, lat: +item.lat };
  if (item.lng != null && item.lat != null) return { lon: +item.lng, lat: +item.lat };
  for (const key of ['point', 'location', 'centroid', 'geometry', 'center']) {
    if (item[key]) {
      const found = pointOf(item[key]);
      if (found) return found;
    }
  }
  return null;
}

// A list from a bare array or from {results|items|features|…: [...]}.
export function listOf(body, ...keys) {
  if (Array.isArray(body)) return body;
  for (const key of [...keys, 'results', 'items', 'data']) if (Array.isArray(body?.[key])) return body[key];
  return [];
}

// A calendar day 'YYYY-MM-DD' of the API (already a China day) as 2026年12月4日: no time zone involved.
export function formatDay(value) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value || '');
  return m ? `${m[1]}年${Number(m[2])}月${Number(m[3])}日` : '';
}

// A period of two calendar days: 2025年12月5日 至 2026年12月4日.
export function formatPeriod(period) {
  return period ? `${formatDay(period.start)} 至 ${formatDay(period.end)}` : '';
}
