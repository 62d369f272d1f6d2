// China Standard Time (UTC+8, no daylight saving) for datetime-local inputs, whatever the device's zone: the
// input shows China time and its value is sent with +08:00. Pure: unit-tested by tests/china-time.test.mjs.
const OFFSET_MS = 8 * 3600 * 1000;

// 'YYYY-MM-DDTHH:MM' of the instant in China time (a datetime-local input's value).
export function chinaInputValue(date = new Date()) {
  return new Date(date.getTime() + OFFSET_MS).toISOString().slice(0, 16);
}

// The instant of an input value read as China time, or null when the value is empty or malformed.
export function chinaInstant(value) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value || '');
  if (!m) return null;
  const [, y, mo, d, hh, mm, ss] = m.map(Number);
  const ms = Date.UTC(y, mo - 1, d, hh, mm, ss || 0) - OFFSET_MS;
  return Number.isNaN(ms) ? null : new Date(ms);
}

// The input value as ISO 8601 with the +08:00 offset the API reads as China time ('' → null).
export function chinaIso(value) {
  const at = chinaInstant(value);
  return at ? `${chinaInputValue(at)}:00+08:00` : null;
}

// Why a time cannot be a 警情's: 'future' (later than now + 5 min), 'too_old' (more than maxDays ago), else null.
export function incidentTimeProblem(value, { now = new Date(), maxDays = 366 } = {}) {
  const at = chinaInstant(value);
  if (!at) return 'missing';
  if (at.getTime() > now.getTime() + 5 * 60 * 1000) return 'future';
  if (at.getTime() < now.getTime() - maxDays * 86400 * 1000) return 'too_old';
  return null;
}
