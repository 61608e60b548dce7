// @ts-check
/**
 * The client's state, filled from REST and kept current by WebSocket frames. Everything is
 * keyed by id and upserted, so a replayed or repeated frame changes nothing.
 * Views subscribe to topics: "conversations", "messages:<id>", "people", "typing:<id>", "reads:<id>", "connection".
 */
import { compareIds } from './format.js';

/**
 * @typedef {{id: number, username: string, display_name: string, title: string, department: string,
 *   is_admin: boolean, is_disabled?: boolean, last_seen_at: string | null, avatar_url?: string | null}} User
 * @typedef {{user_id: number, show: string, status: string, last_seen_at: string | null}} Presence
 * @typedef {{id: string, name: string, size: number, content_type: string, width: number | null,
 *   height: number | null, url: string, thumbnail_url: string | null}} Attachment
 * @typedef {{id: string, conversation_id: string, sender_id: number, client_id: string | null, body: string,
 *   created_at: string, edited_at: string | null, deleted: boolean, reply_to: string | null, mentions: number[],
 *   reactions: {emoji: string, user_ids: number[]}[], attachments?: Attachment[],
 *   encryption?: string | null, deleted_by?: number | null, deletion_reason?: string | null}} Message
 * @typedef {{id: string, kind: string, name: string, topic: string, last_message_id: string, last_read_id: string,
 *   unread: number, mentions: number, member_ids: number[], is_archived: boolean, visibility?: string,
 *   role?: string, muted?: boolean, created_by?: number | null}} Conversation
 */

const bus = new EventTarget();

export const state = {
  /** @type {User | null} */ me: null,
  /** @type {Map<number, User>} */ users: new Map(),
  /** @type {Map<number, Presence>} */ presence: new Map(),
  /** @type {Map<string, Conversation>} */ conversations: new Map(),
  /** @type {Map<string, Map<string, Message>>} */ messages: new Map(),
  /** @type {Map<string, boolean>} */ hasBefore: new Map(),
  /** @type {Map<string, string>} conversation id -> newest message of a window that is not the latest */ windowEnd: new Map(),
  /** @type {Map<string, Message>} messages quoted by replies, loaded one by one */ quoted: new Map(),
  /** @type {Set<string>} conversations muted by this person */ muted: new Set(),
  /** @type {Map<string, Map<number, string>>} conversation id -> member id -> their read marker (for "seen by") */ reads: new Map(),
  /** @type {Map<string, Map<number, number>>} user id -> when the typing indicator expires */ typing: new Map(),
  /** @type {string | null} */ current: null,
  /** @type {'connecting' | 'online' | 'reconnecting'} */ connection: 'connecting',
};

/** @param {string} topic @param {(detail: any) => void} listener @returns {() => void} unsubscribe */
export function on(topic, listener) {
  const wrapped = (/** @type {Event} */ event) => listener(/** @type {CustomEvent} */ (event).detail);
  bus.addEventListener(topic, wrapped);
  return () => bus.removeEventListener(topic, wrapped);
}

/** @param {string} topic @param {unknown} [detail] */
export function emit(topic, detail) {
  bus.dispatchEvent(new CustomEvent(topic, { detail }));
}

/** @type {((userId: number) => void) | null} */
let askForUser = null;

/** How to look up someone the client does not know yet (sync.js): a colleague made after it loaded. @param {(userId: number) => void} ask */
export function whenUnknownUser(ask) {
  askForUser = ask;
}

/** @param {number} userId */
export function nameOf(userId) {
  const user = state.users.get(userId);
  if (!user) askForUser?.(userId);
  return user ? user.display_name || user.username : `User ${userId}`;
}

/** People to list and pick (directory, invitations, mentions): not disabled or deleted ones, whose names stay in history. @param {User} user */
export const isListed = (user) => !user.is_disabled;

/** @param {Conversation} conversation */
export function titleOf(conversation) {
  if (conversation.kind !== 'direct') return conversation.name || 'Unnamed room';
  const other = conversation.member_ids.find((id) => id !== state.me?.id) ?? state.me?.id;
  return other === undefined ? 'Direct conversation' : nameOf(other);
}

/** Conversations by latest activity, newest first. */
export function sortedConversations() {
  return [...state.conversations.values()].sort((a, b) => compareIds(b.last_message_id, a.last_message_id));
}

/** @param {string} conversationId */
export function messagesOf(conversationId) {
  let messages = state.messages.get(conversationId);
  if (!messages) {
    messages = new Map();
    state.messages.set(conversationId, messages);
  }
  return messages;
}

/**
 * The messages to show, oldest first: all that are loaded, or, while a window around an older
 * message is open, those up to its end (live ones wait until the window reaches the latest).
 * @param {string} conversationId @returns {Message[]}
 */
export function sortedMessages(conversationId) {
  const end = state.windowEnd.get(conversationId);
  const all = [...messagesOf(conversationId).values()];
  const shown = end ? all.filter((m) => compareIds(m.id, end) <= 0) : all;
  return shown.sort((a, b) => compareIds(a.id, b.id));
}

/** Forget the loaded history of a conversation (before loading another window of it). @param {string} conversationId */
export function resetMessages(conversationId) {
  state.messages.set(conversationId, new Map());
  state.hasBefore.delete(conversationId);
  state.windowEnd.delete(conversationId);
}

/**
 * Live changes to messages (edits, deletions, reactions), newest last, each with when it came
 * (a count): a page of history that was on its way meanwhile was made before the change, and
 * must not put the older version back (`fresher`). Only the latest are kept: a page is on its
 * way for moments.
 * @type {Map<string, { at: number, message: Message }>}
 */
const liveChanges = new Map();
const LIVE_CHANGES_KEPT = 500;
let changesCame = 0;

/** A message changed live (whether it is loaded or not). @param {Message} message */
export function noteLiveChange(message) {
  liveChanges.delete(message.id);
  liveChanges.set(message.id, { at: ++changesCame, message });
  if (liveChanges.size > LIVE_CHANGES_KEPT) liveChanges.delete(/** @type {string} */ (liveChanges.keys().next().value));
}

/** Where the live changes stand: take it before asking for a page, and give it to `fresher`. */
export const liveChangesSoFar = () => changesCame;

/**
 * A page's messages, each as the page has it or as a live change that came after the page was
 * asked for (`askedAt`) left it.
 * @param {Message[]} messages @param {number} askedAt @returns {Message[]}
 */
export function fresher(messages, askedAt) {
  return messages.map((message) => {
    const live = liveChanges.get(message.id);
    return live && live.at > askedAt ? live.message : message;
  });
}

/**
 * Insert or replace messages by id.
 * @param {string} conversationId @param {Message[]} messages
 */
export function upsertMessages(conversationId, messages) {
  const known = messagesOf(conversationId);
  for (const message of messages) {
    known.set(message.id, message);
    if (state.quoted.has(message.id)) state.quoted.set(message.id, message); // replies quote it as it is now
  }
  emit(`messages:${conversationId}`);
}

/** @param {User[]} users */
export function upsertUsers(users) {
  for (const user of users) state.users.set(user.id, user);
  emit('people');
}

/** @param {Presence} presence */
export function setPresence(presence) {
  state.presence.set(presence.user_id, presence);
  emit('people');
}

/** @param {number} userId @returns {Presence} */
export function presenceOf(userId) {
  const user = state.users.get(userId);
  return state.presence.get(userId) ?? { user_id: userId, show: 'unavailable', status: '', last_seen_at: user?.last_seen_at ?? null };
}

/** Someone's read marker, moved forward only (frames may be replayed). @param {string} conversationId @param {number} userId @param {string} messageId */
export function setReadMarker(conversationId, userId, messageId) {
  let markers = state.reads.get(conversationId);
  if (!markers) {
    markers = new Map();
    state.reads.set(conversationId, markers);
  }
  const known = markers.get(userId);
  if (known !== undefined && compareIds(known, messageId) >= 0) return;
  markers.set(userId, messageId);
  emit(`reads:${conversationId}`);
}
