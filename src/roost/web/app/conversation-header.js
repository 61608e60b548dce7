// @ts-check
/**
 * The head of the open conversation: back (phone width), title, the other person's presence
 * or the room's topic, mute, and for rooms the button of the members panel. Follows renames.
 */
import { put } from './api.js';
import { presenceText } from './directory.js';
import { announce, h, showError } from './dom.js';
import { emit, on, state, titleOf } from './store.js';

/**
 * @param {string} conversationId
 * @param {{back: () => void, toggleMembers: (button: HTMLElement) => void}} actions
 * @returns {{element: HTMLElement, dispose: () => void}}
 */
export function conversationHeader(conversationId, actions) {
  const conversation = state.conversations.get(conversationId);
  const isRoom = conversation?.kind === 'room';
  const other = conversation?.kind === 'direct' ? conversation.member_ids.find((id) => id !== state.me?.id) : undefined;
  const title = h('h2', { id: 'conversation-title', dir: 'auto' });
  const detail = h('span', { class: isRoom ? 'topic' : 'presence-line' });
  const mute = h('button', { type: 'button', class: 'mute', onclick: () => toggleMute(conversationId) });
  const members = isRoom && h('button', {
    type: 'button',
    class: 'members-toggle',
    'aria-expanded': 'false',
    'aria-controls': 'members-panel',
    onclick: (/** @type {Event} */ event) => actions.toggleMembers(/** @type {HTMLElement} */ (event.currentTarget)),
  }, 'Members');
  const render = () => {
    const now = state.conversations.get(conversationId);
    title.textContent = now ? titleOf(now) : 'Conversation';
    if (isRoom) detail.textContent = now?.topic ?? '';
    else if (other !== undefined) detail.textContent = presenceText(other);
    detail.title = detail.textContent ?? ''; // shown in one line; the whole of a long status or topic on hover
    const muted = state.muted.has(conversationId);
    mute.textContent = muted ? 'Unmute' : 'Mute';
    mute.setAttribute('aria-pressed', muted ? 'true' : 'false');
    mute.setAttribute('aria-label', muted ? 'Unmute this conversation' : 'Mute this conversation');
  };
  render();
  const stops = [on('conversations', render), on('people', render)];
  const element = h(
    'header',
    { class: 'conversation-header' },
    h('button', { type: 'button', class: 'back', onclick: actions.back, 'aria-label': 'Back to conversations' }, '‹'),
    title,
    detail,
    h('span', { class: 'header-actions' }, mute, members),
  );
  return { element, dispose: () => stops.forEach((stop) => stop()) };
}

/** Mute or unmute: no notifications and no unread count in the tab title; kept on the server. @param {string} id */
export async function toggleMute(id) {
  const muted = !state.muted.has(id);
  try {
    await put(`/conversations/${id}/mute`, { muted });
    if (muted) state.muted.add(id);
    else state.muted.delete(id);
    emit('conversations');
    announce(muted ? 'Muted' : 'Unmuted');
  } catch (error) {
    showError(error);
  }
}
