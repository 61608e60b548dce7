// @ts-check
/**
 * "Seen" receipts: which other members have read up to a message, from their read markers
 * (`GET /conversations/{id}/members`, then `read.moved`). In a direct conversation "Seen" goes
 * under your newest message the other person has read; in a room "Seen by Ann, Bob" goes under
 * the newest message each member has read (not counting their own messages).
 */
import { h } from './dom.js';
import { compareIds } from './format.js';
import { nameOf, state } from './store.js';

const NAMES_SHOWN = 3;

/**
 * The readers to name under each shown message: message id -> user ids.
 * @param {import('./store.js').Conversation} conversation
 * @param {import('./store.js').Message[]} messages shown, oldest first
 * @param {boolean} latest whether they reach the latest message (not a window around an older one)
 * @returns {Map<string, number[]>}
 */
export function seenBy(conversation, messages, latest) {
  /** @type {Map<string, number[]>} */ const seen = new Map();
  const markers = state.reads.get(conversation.id);
  const newest = messages.at(-1);
  if (!markers || !newest) return seen;
  const me = state.me?.id;
  for (const [userId, marker] of markers) { // the members' markers (room summaries carry no member list)
    if (userId === me) continue;
    if (!latest && compareIds(marker, newest.id) > 0) continue; // read past this window: not shown here
    const counts = (/** @type {import('./store.js').Message} */ m) =>
      compareIds(m.id, marker) <= 0 && (conversation.kind === 'direct' ? m.sender_id === me : m.sender_id !== userId);
    const last = messages.findLast(counts);
    if (last) seen.set(last.id, [...(seen.get(last.id) ?? []), userId]);
  }
  return seen;
}

/** "Seen", or "Seen by Ann, Bob, Cid and 2 others". @param {boolean} direct @param {number[]} readers */
export function seenText(direct, readers) {
  if (direct) return 'Seen';
  const names = readers.map(nameOf).sort((a, b) => a.localeCompare(b));
  if (names.length <= NAMES_SHOWN) return `Seen by ${names.join(', ')}`;
  const others = names.length - NAMES_SHOWN;
  return `Seen by ${names.slice(0, NAMES_SHOWN).join(', ')} and ${others} ${others === 1 ? 'other' : 'others'}`;
}

/** Put (or take away) the receipt line of a message's node. @param {HTMLElement} node @param {string} text */
export function placeReceipt(node, text) {
  const current = node.querySelector(':scope > .seen');
  if (current?.textContent === text) return;
  current?.remove();
  if (text) node.append(h('p', { class: 'seen' }, text));
}
