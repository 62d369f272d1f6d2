// Weeks of the 研判周报: China-time calendar days 'YYYY-MM-DD', Monday to Sunday, whatever the device's zone.
const CHINA_DAY = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit',
  day: '2-digit' });

// Today's date in China ('YYYY-MM-DD'): from 16:00 UTC it is already tomorrow there.
export function chinaToday(now = new Date()) {
  return CHINA_DAY.format(now);
}

function addDays(day, n) {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + n);
  return date.toISOString().slice(0, 10);
}

// The Monday of the week holding the day ('YYYY-MM-DD'); null for anything else.
export function mondayOf(day) {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day || '')) return null;
  const date = new Date(`${day}T00:00:00Z`);
  if (Number.isNaN(date.getTime())) return null;
  return addDays(day, -((date.getUTCDay() + 6) % 7));
}

// The last finished week's Monday (the report issued on Monday morning).
export function lastWeek(now = new Date()) {
  return addDays(mondayOf(chinaToday(now)), -7);
}

// The weekday index 0 = Monday … 6 = Sunday of a calendar day.
export function weekdayOf(day) {
  return (new Date(`${day}T00:00:00Z`).getUTCDay() + 6) % 7;
}
