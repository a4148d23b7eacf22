// Rings nobody answered on this browser (the ring alert stayed up for a minute): kept in localStorage, so the
// history shows them as missed after a reload too. Only ids are kept, and only the latest MAX.

const KEY = 'doorward-missed-rings';
const MAX = 200;

function read() {
  try {
    const ids = JSON.parse(localStorage.getItem(KEY) || '[]');
    return Array.isArray(ids) ? ids.filter((id) => typeof id === 'string') : [];
  } catch {
    return [];
  }
}

/** Whether the ring with this event id was missed on this browser. */
export function isMissedRing(eventId) {
  return Boolean(eventId) && read().includes(eventId);
}

/** Remembers a missed ring. */
export function recordMissedRing(eventId) {
  if (!eventId || isMissedRing(eventId)) return;
  const ids = read();
  ids.push(eventId);
  try {
    localStorage.setItem(KEY, JSON.stringify(ids.slice(-MAX)));
  } catch {
    // storage full or refused: the ring is still shown as missed until the history is drawn again
  }
}
