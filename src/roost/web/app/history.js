// @ts-check
/**
 * Loading history into the store, a page at a time: the latest page, older and newer pages,
 * and a window around one message (for search results and replies), never the whole history.
 */
import { get } from './api.js';
import { compareIds } from './format.js';
import { fresher, liveChangesSoFar, messagesOf, resetMessages, sortedMessages, state, upsertMessages } from './store.js';

export const PAGE = 50;
/** @type {Set<string>} quoted messages asked for already */
const asked = new Set();

/**
 * A page of a conversation's history, its messages as fresh as the live changes that came
 * while it was on its way.
 * @param {string} conversationId @param {string} query
 */
async function page(conversationId, query) {
  const askedAt = liveChangesSoFar();
  const answer = await get(`/conversations/${conversationId}/messages?limit=${PAGE}${query}`);
  return { ...answer, messages: fresher(answer.messages, askedAt) };
}

/** @param {string} conversationId */
export const isWindowed = (conversationId) => state.windowEnd.has(conversationId);

/** The latest page; a window around an older message is dropped first. @param {string} conversationId */
export async function loadLatest(conversationId) {
  const latest = await page(conversationId, '');
  if (isWindowed(conversationId)) resetMessages(conversationId);
  if (!state.hasBefore.has(conversationId)) state.hasBefore.set(conversationId, latest.has_before);
  upsertMessages(conversationId, latest.messages);
}

/** @param {string} conversationId @returns {Promise<boolean>} whether older messages came */
export async function loadOlder(conversationId) {
  const oldest = sortedMessages(conversationId)[0];
  if (!oldest || !state.hasBefore.get(conversationId)) return false;
  const older = await page(conversationId, `&before=${oldest.id}`);
  state.hasBefore.set(conversationId, older.has_before);
  const known = messagesOf(conversationId);
  for (const message of older.messages) known.set(message.id, message);
  return older.messages.length > 0;
}

/** Towards the latest, while a window is open. @param {string} conversationId @returns {Promise<boolean>} */
export async function loadNewer(conversationId) {
  const end = state.windowEnd.get(conversationId);
  if (!end) return false;
  const newer = await page(conversationId, `&after=${end}`);
  const known = messagesOf(conversationId);
  for (const message of newer.messages) known.set(message.id, message);
  const last = newer.messages.at(-1);
  if (!newer.has_after) state.windowEnd.delete(conversationId);
  else if (last && compareIds(last.id, end) > 0) state.windowEnd.set(conversationId, last.id);
  return newer.messages.length > 0;
}

/**
 * A window of history around one message: what was loaded before is dropped, so no gap shows.
 * @param {string} conversationId @param {string} messageId
 */
export async function loadAround(conversationId, messageId) {
  const around = await page(conversationId, `&around=${messageId}`);
  resetMessages(conversationId);
  state.hasBefore.set(conversationId, around.has_before);
  const last = around.messages.at(-1);
  if (around.has_after && last) state.windowEnd.set(conversationId, last.id);
  upsertMessages(conversationId, around.messages);
}

/** Whether a message is loaded and shown (inside the current window). @param {string} conversationId @param {string} id */
export function isShown(conversationId, id) {
  const end = state.windowEnd.get(conversationId);
  return messagesOf(conversationId).has(id) && (!end || compareIds(id, end) <= 0);
}

/** A message a reply quotes: from the store, else fetched once into `state.quoted`. @param {string} id */
export function quoted(id, conversationId = '') {
  const known = (conversationId && messagesOf(conversationId).get(id)) || state.quoted.get(id);
  if (known || asked.has(id)) return known;
  asked.add(id);
  get(`/messages/${id}`).then(
    (message) => {
      state.quoted.set(id, message);
      upsertMessages(message.conversation_id, []);
    },
    () => undefined,
  );
  return undefined;
}
