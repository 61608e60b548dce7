// @ts-check
/** Formatting of ids, times, sizes and names for display. */

/**
 * Compare two decimal id strings (63-bit: too large for JavaScript numbers).
 * @param {string} a @param {string} b
 */
export function compareIds(a, b) {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** @param {string} a @param {string} b */
export const maxId = (a, b) => (compareIds(a, b) >= 0 ? a : b);

const time = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const day = new Intl.DateTimeFormat(undefined, { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' });
const full = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** @param {string} iso */
export const timeOf = (iso) => time.format(new Date(iso));
/** @param {string} iso */
export const dayOf = (iso) => day.format(new Date(iso));
/** @param {string} iso */
export const fullDate = (iso) => full.format(new Date(iso));

/** @param {number} bytes */
export function fileSize(bytes) {
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB'];
  let size = bytes;
  let unit = 0;
  while (size >= 1000 && unit < units.length - 1) {
    size /= 1000;
    unit += 1;
  }
  return unit === 0 ? `${bytes} bytes` : `${size.toFixed(size < 10 ? 1 : 0)} ${units[unit]}`;
}

/** @param {string | null} iso */
export function lastSeen(iso) {
  if (!iso) return 'offline';
  const minutes = Math.round((Date.now() - new Date(iso).getTime()) / 60000);
  if (minutes < 1) return 'last seen just now';
  if (minutes < 60) return `last seen ${minutes} min ago`;
  return `last seen ${fullDate(iso)}`;
}

export const SHOW_LABELS = /** @type {Record<string, string>} */ ({
  available: 'Available',
  chat: 'Available',
  away: 'Away',
  xa: 'Away',
  dnd: 'Busy',
  unavailable: 'Offline',
});

/** A fresh idempotency key for a command. */
export function newClientId() {
  return crypto.randomUUID();
}
