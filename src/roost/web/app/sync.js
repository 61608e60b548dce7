// @ts-check
/**
 * From the server to the store: the initial load over REST, and every WebSocket frame.
 * Frames are applied as upserts keyed by id (docs/events.md), so replays do no harm.
 */
import { get } from './api.js';
import { compareIds, maxId } from './format.js';
import {
  emit, messagesOf, noteLiveChange, setPresence, setReadMarker, state, upsertMessages, upsertUsers, whenUnknownUser,
} from './store.js';

/** People asked for by id (each once): named in a message or a room before the client knew them. */
const askedFor = new Set();
whenUnknownUser((userId) => {
  if (askedFor.has(userId) || !state.me) return;
  askedFor.add(userId);
  const asked = framesSeen;
  get(`/people/${userId}`).then(
    (person) => { if ((profileFrames.get(userId) ?? 0) <= asked) upsertUsers([person]); }, // not over a newer frame
    () => { askedFor.delete(userId); }, // asked again the next time the name is shown
  );
});

const TYPING_TIMEOUT_MS = 6000;

/*
 * Live frames, numbered as they arrive. Lists are loaded over REST while the WebSocket
 * already delivers frames: a list asked for before a frame about one of its entries
 * arrived is older than that frame and must not undo it.
 */
let framesSeen = 0;
/** @type {Map<number, number>} */ const profileFrames = new Map();
/** @type {Map<number, number>} */ const presenceFrames = new Map();
let lastListFrame = 0;
const LIST_RETRIES = 3;
/** Frames that change an entry of the conversation list. */
const LIST_FRAMES = new Set(['message.created', 'ack', 'read.moved', 'conversation.created', 'conversation.updated', 'member.added', 'member.updated', 'member.removed', 'mute.changed']);
// After a resumed connection's hello, the replay (up to `caught_up`) is older than the
// list the client asks for on that hello: those frames do not make it stale.
let replaying = false;

/** A resumed connection's replay begins (app.js, on its hello). */
export function replayBegins() {
  replaying = true;
}

/** Everything a fresh client shows: people with presence, then the conversation list. */
export async function loadAll() {
  let cursor = null;
  do {
    const query = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
    const asked = framesSeen;
    const page = await get(`/people?limit=200${query}`);
    const isCurrent = (/** @type {Map<number, number>} */ frames, /** @type {number} */ id) => (frames.get(id) ?? 0) <= asked;
    upsertUsers(page.items.filter((/** @type {any} */ person) => isCurrent(profileFrames, person.id)));
    for (const person of page.items) if (isCurrent(presenceFrames, person.id)) state.presence.set(person.id, person.presence);
    cursor = page.next_cursor;
  } while (cursor);
  emit('people');
  await loadConversations();
}

export async function loadConversations() {
  let asked = framesSeen;
  let list = await get('/conversations');
  // A frame that changes the list came while the list was on its way: the list may predate
  // it (an unread count without the new message), so ask again, a few times at most.
  for (let again = 0; again < LIST_RETRIES && lastListFrame > asked; again += 1) {
    asked = framesSeen;
    list = await get('/conversations');
  }
  state.conversations = new Map(list.map((/** @type {any} */ c) => [c.id, c]));
  state.muted = new Set(list.filter((/** @type {any} */ c) => c.muted).map((/** @type {any} */ c) => c.id));
  emit('conversations');
}

/** @param {string} id */
export async function loadConversation(id) {
  const conversation = await get(`/conversations/${id}`);
  const members = await get(`/conversations/${id}/members`);
  upsertConversation({ ...conversation, member_ids: members.map((/** @type {any} */ m) => m.user_id) });
}

/** Every member's read marker, for "seen by" (then kept current by `read.moved`). @param {string} id */
export async function loadReadMarkers(id) {
  const members = await get(`/conversations/${id}/members`);
  const markers = state.reads.get(id);
  const present = new Set(members.map((/** @type {any} */ m) => m.user_id));
  for (const userId of markers?.keys() ?? []) if (!present.has(userId)) markers?.delete(userId); // they left
  for (const m of members) setReadMarker(id, m.user_id, m.last_read_id);
  emit(`reads:${id}`);
}

/** @param {any} conversation */
function upsertConversation(conversation) {
  const known = state.conversations.get(conversation.id);
  const defaults = { unread: 0, mentions: 0, last_read_id: '0', member_ids: [] };
  const merged = { ...defaults, ...known, ...conversation };
  state.conversations.set(conversation.id, merged);
  emit('conversations');
  if (merged.member_ids.length === 0) loadConversation(conversation.id).catch(() => undefined);
}

/**
 * An edit, deletion or reaction: to the message where it is loaded, or quoted. One older than
 * the loaded pages stays out of the store: `loadOlder` pages on from the oldest message held,
 * so holding it would skip every message between it and the pages (a gap in the history).
 * @param {import('./store.js').Message} message
 */
function applyChange(message) {
  noteLiveChange(message);
  if (messagesOf(message.conversation_id).has(message.id)) upsertMessages(message.conversation_id, [message]);
  else if (state.quoted.has(message.id)) {
    state.quoted.set(message.id, message);
    emit(`messages:${message.conversation_id}`);
  }
}

/** @param {import('./store.js').Message} message */
function applyMessage(message) {
  const conversation = state.conversations.get(message.conversation_id);
  if (!conversation) {
    loadConversation(message.conversation_id).catch(() => undefined);
  } else if (compareIds(message.id, conversation.last_message_id) > 0) {
    conversation.last_message_id = message.id;
    const mine = message.sender_id === state.me?.id;
    if (mine) {
      // Written here or on another device: what came before it is read (the server moved the marker).
      conversation.last_read_id = maxId(conversation.last_read_id, message.id);
      conversation.unread = 0;
      conversation.mentions = 0;
    } else if (compareIds(message.id, conversation.last_read_id) > 0) {
      conversation.unread += 1;
      if (state.me && message.mentions.includes(state.me.id)) conversation.mentions += 1;
      emit('incoming', message);
    }
    emit('conversations');
  }
  // Whoever writes has read up to it: for the members whose markers this page follows (a
  // replayed message of someone who has left since must not bring their "seen" back).
  if (state.reads.get(message.conversation_id)?.has(message.sender_id)) {
    setReadMarker(message.conversation_id, message.sender_id, message.id);
  }
  upsertMessages(message.conversation_id, [message]);
  setTyping(message.conversation_id, message.sender_id, false);
}

/** @param {string} conversationId @param {number} userId @param {boolean} active */
function setTyping(conversationId, userId, active) {
  let typists = state.typing.get(conversationId);
  if (!typists) {
    typists = new Map();
    state.typing.set(conversationId, typists);
  }
  if (!active && !typists.has(userId)) return;
  if (active) typists.set(userId, Date.now() + TYPING_TIMEOUT_MS);
  else typists.delete(userId);
  emit(`typing:${conversationId}`);
  if (active) setTimeout(() => expireTyping(conversationId), TYPING_TIMEOUT_MS + 50);
}

/** @param {string} conversationId */
function expireTyping(conversationId) {
  const typists = state.typing.get(conversationId);
  if (!typists) return;
  for (const [userId, until] of typists) if (until <= Date.now()) typists.delete(userId);
  emit(`typing:${conversationId}`);
}

/** @param {any} frame */
function applyRead(frame) {
  setReadMarker(frame.conversation_id, frame.user_id, frame.message_id);
  const conversation = state.conversations.get(frame.conversation_id);
  if (!conversation || frame.user_id !== state.me?.id) return;
  conversation.last_read_id = maxId(conversation.last_read_id, frame.message_id);
  if (compareIds(conversation.last_read_id, conversation.last_message_id) >= 0) {
    conversation.unread = 0;
    conversation.mentions = 0;
  }
  emit('conversations');
}

/** @param {any} frame */
function applyMembership(frame) {
  const conversation = state.conversations.get(frame.conversation_id);
  const me = frame.user_id === state.me?.id;
  if (frame.type === 'member.removed' && me) {
    state.conversations.delete(frame.conversation_id);
    emit('conversations');
  } else if (!conversation) {
    if (me) loadConversation(frame.conversation_id).catch(() => undefined);
  } else if (frame.type === 'member.removed') {
    conversation.member_ids = conversation.member_ids.filter((id) => id !== frame.user_id);
    emit('conversations');
  } else if (!conversation.member_ids.includes(frame.user_id)) {
    conversation.member_ids = [...conversation.member_ids, frame.user_id];
    emit('conversations');
  }
}

/** Apply one frame from the WebSocket. @param {any} frame */
export function applyFrame(frame) {
  if (frame.type === 'caught_up') replaying = false;
  else if (!replaying && LIST_FRAMES.has(frame.type)) lastListFrame = ++framesSeen;
  switch (frame.type) {
    case 'message.created':
      applyMessage(frame.message);
      break;
    case 'message.edited':
    case 'message.deleted':
    case 'reaction.changed':
      applyChange(frame.message);
      break;
    case 'ack': // the sending connection gets its own message in the ack, not as message.created
      if (frame.message) applyMessage(frame.message);
      break;
    case 'read.moved':
      applyRead(frame);
      break;
    case 'conversation.created':
    case 'conversation.updated':
      upsertConversation(frame.conversation);
      break;
    case 'member.added':
    case 'member.updated':
    case 'member.removed':
      applyMembership(frame);
      emit(`members:${frame.conversation_id}`);
      break;
    case 'presence':
      presenceFrames.set(frame.user_id, ++framesSeen);
      setPresence(frame);
      break;
    case 'typing':
      if (frame.user_id !== state.me?.id) setTyping(frame.conversation_id, frame.user_id, frame.active);
      break;
    case 'mute.changed': // muted or unmuted in another tab or device of this person
      if (frame.muted) state.muted.add(frame.conversation_id);
      else state.muted.delete(frame.conversation_id);
      emit('conversations');
      break;
    case 'user.updated':
      profileFrames.set(frame.user.id, ++framesSeen);
      upsertUsers([frame.user]);
      break;
    default:
      break; // unknown frames are ignored (docs/events.md)
  }
}
