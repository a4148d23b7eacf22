// Dates as people say them: "Today 14:23", "Yesterday 09:05", "Monday 18:40", "3 Dec 14:23", "3 Dec 2025".
// In this browser's language and time zone. Loaded by the service worker too: nothing here touches the page.

const DAY_MS = 24 * 60 * 60 * 1000;

function valid(date) {
  return date instanceof Date && !Number.isNaN(date.getTime());
}

/** Whole calendar days from `date` to `now` in local time: 0 today, 1 yesterday, negative in the future. */
export function daysAgo(date, now = new Date()) {
  const midnight = (d) => new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
  return Math.round((midnight(now) - midnight(date)) / DAY_MS);
}

/** The local calendar day of an instant, `YYYY-MM-DD`: what groups the history. */
export function dayKey(iso) {
  const d = new Date(iso);
  if (!valid(d)) return '';
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** A day as a heading: "Today", "Yesterday", a weekday in the last week, else "3 Dec" (with the year if not this one). */
export function humanDay(iso, now = new Date()) {
  const d = new Date(iso);
  if (!valid(d)) return '';
  const days = daysAgo(d, now);
  if (days === 0) return 'Today';
  if (days === 1) return 'Yesterday';
  if (days > 1 && days < 7) return d.toLocaleDateString([], { weekday: 'long' });
  const sameYear = d.getFullYear() === now.getFullYear();
  return d.toLocaleDateString([], { day: 'numeric', month: 'short', ...(sameYear ? {} : { year: 'numeric' }) });
}

/** An instant with its time: "Today 14:23", "Yesterday 09:05", "Monday 18:40", "3 Dec 14:23", "3 Dec 2025 14:23". */
export function humanTime(iso, now = new Date()) {
  const d = new Date(iso);
  if (!valid(d)) return '';
  return `${humanDay(iso, now)} ${d.toLocaleTimeString([], { hour: 'numeric', minute: '2-digit' })}`;
}
