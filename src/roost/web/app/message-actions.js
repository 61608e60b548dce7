// @ts-check
/**
 * What one can do to a message: react (emoji picker, or a click on an existing reaction to
 * toggle it), reply, and for one's own messages edit (in place) and delete (after a confirm); a room's
 * admins remove other people's messages, with an optional reason (after a confirm).
 */
import { del, patch, post } from './api.js';
import { h, showError, tell } from './dom.js';
import { emojiName, openEmojiPicker } from './emoji-picker.js';
import { nameOf, state, upsertMessages } from './store.js';

/** @typedef {import('./store.js').Message} Message */
/** @typedef {{reply: (message: Message) => void, jumpTo: (id: string) => void, viewImage: (fileId: string) => void}} Hooks */

/** @param {Promise<Message>} request */
function applying(request) {
  request.then(
    (message) => upsertMessages(message.conversation_id, [message]),
    showError,
  );
}

/** Add or take back one's reaction. @param {Message} message @param {string} emoji */
export function toggleReaction(message, emoji) {
  const mine = message.reactions.some((r) => r.emoji === emoji && r.user_ids.includes(state.me?.id ?? -1));
  const path = `/messages/${message.id}/reactions`;
  applying(mine ? del(`${path}/${encodeURIComponent(emoji)}`) : post(path, { emoji }));
}

/** The reactions under a message, each a toggle button. @param {Message} message */
export function reactionList(message) {
  return h(
    'ul',
    { class: 'reactions', 'aria-label': 'Reactions' },
    message.reactions.map((r) => {
      const mine = r.user_ids.includes(state.me?.id ?? -1);
      return h(
        'li',
        {},
        h('button', {
          type: 'button',
          class: mine ? 'reaction mine' : 'reaction',
          'aria-pressed': mine ? 'true' : 'false',
          'aria-label': `${r.emoji} ${r.user_ids.length}`,
          title: `${emojiName(r.emoji)}: ${r.user_ids.map(nameOf).join(', ')}`,
          onclick: () => toggleReaction(message, r.emoji),
        }, `${r.emoji} ${r.user_ids.length}`),
      );
    }),
  );
}

/**
 * Swap the message's body for an edit box; Enter saves, Escape cancels.
 * @param {HTMLElement} node the message's list item @param {Message} message
 */
function startEdit(node, message) {
  const body = node.querySelector('.body');
  if (!body || node.querySelector('.edit-form')) return;
  const input = /** @type {HTMLTextAreaElement} */ (h('textarea', { class: 'edit-input', 'aria-label': 'Edit message', rows: 2 }));
  input.value = message.body;
  const cancel = () => {
    form.replaceWith(body);
    /** @type {HTMLElement | null} */ (node.querySelector('.actions button'))?.focus();
  };
  const save = () => {
    if (!input.value.trim()) return tell('A message cannot be empty: delete it instead.', 'error');
    if (input.value === message.body) return cancel();
    applying(patch(`/messages/${message.id}`, { body: input.value }));
  };
  const form = h(
    'form',
    { class: 'edit-form', 'aria-label': 'Edit message' },
    input,
    h('div', { class: 'edit-buttons' }, h('button', { type: 'submit' }, 'Save'), h('button', { type: 'button', onclick: cancel }, 'Cancel')),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    save();
  });
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') cancel();
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      save();
    }
  });
  body.replaceWith(form);
  input.focus();
}

/** @param {HTMLElement} bar the toolbar @param {Message} message */
function confirmDelete(bar, message) {
  const buttons = [...bar.children];
  const restore = () => bar.replaceChildren(...buttons);
  const yes = h('button', { type: 'button', class: 'danger', onclick: () => { restore(); applying(del(`/messages/${message.id}`)); } }, 'Delete');
  bar.replaceChildren(h('span', { class: 'confirm' }, 'Delete this message?'), yes, h('button', { type: 'button', onclick: restore }, 'Keep'));
  yes.focus();
}

/** A room admin removes someone else's message, saying why if they like. @param {HTMLElement} bar @param {Message} message */
function confirmRemove(bar, message) {
  const buttons = [...bar.children];
  const restore = () => bar.replaceChildren(...buttons);
  const reason = h('input', { type: 'text', class: 'reason', maxlength: 1000, placeholder: 'Reason (optional)', 'aria-label': 'Reason for removing it' });
  const remove = () => {
    const why = /** @type {HTMLInputElement} */ (reason).value.trim();
    restore();
    applying(del(`/messages/${message.id}${why ? `?reason=${encodeURIComponent(why)}` : ''}`));
  };
  reason.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.isComposing) remove();
    if (event.key === 'Escape') restore();
  });
  const yes = h('button', { type: 'button', class: 'danger', onclick: remove }, 'Remove');
  bar.replaceChildren(h('span', { class: 'confirm' }, `Remove ${nameOf(message.sender_id)}'s message?`), reason, yes, h('button', { type: 'button', onclick: restore }, 'Keep'));
  reason.focus();
}

/**
 * The toolbar of a message (shown on hover and on keyboard focus).
 * @param {HTMLElement} node @param {Message} message @param {Hooks} hooks
 */
export function actionBar(node, message, hooks) {
  const own = message.sender_id === state.me?.id;
  /** An archived room changes no more: its actions say so instead. @param {() => void} act */
  const unlessArchived = (act) => () => {
    if (state.conversations.get(message.conversation_id)?.is_archived) tell('This room is archived: nothing in it can change.', 'error');
    else act();
  };
  const bar = h('div', { class: 'actions', role: 'toolbar', 'aria-label': `Message from ${nameOf(message.sender_id)}` });
  const react = h('button', {
    type: 'button',
    'aria-label': 'Add reaction',
    'aria-haspopup': 'dialog',
    'aria-expanded': 'false',
    title: 'Add reaction',
    onclick: unlessArchived(() => openEmojiPicker(react, (emoji) => toggleReaction(message, emoji))),
  }, '☺');
  bar.append(
    react,
    h('button', { type: 'button', 'aria-label': 'Reply', title: 'Reply', onclick: unlessArchived(() => hooks.reply(message)) }, '↩'),
  );
  if (own && !message.encryption) {
    bar.append(
      h('button', { type: 'button', 'aria-label': 'Edit message', title: 'Edit', onclick: unlessArchived(() => startEdit(node, message)) }, '✎'),
      h('button', { type: 'button', 'aria-label': 'Delete message', title: 'Delete', onclick: unlessArchived(() => confirmDelete(bar, message)) }, '🗑'),
    );
  }
  const conversation = state.conversations.get(message.conversation_id);
  if (!own && conversation?.kind === 'room' && (conversation.role === 'admin' || conversation.role === 'owner')) {
    const label = `Remove ${nameOf(message.sender_id)}'s message`;
    bar.append(h('button', { type: 'button', 'aria-label': label, title: 'Remove (room admin)', onclick: unlessArchived(() => confirmRemove(bar, message)) }, '🗑'));
  }
  roving(bar);
  return bar;
}

/**
 * One tab stop per toolbar (ARIA toolbar pattern): arrow keys, Home and End move between its buttons.
 * @param {HTMLElement} bar
 */
function roving(bar) {
  const buttons = () => /** @type {HTMLElement[]} */ ([...bar.querySelectorAll(':scope > button')]);
  buttons().forEach((button, index) => button.setAttribute('tabindex', index === 0 ? '0' : '-1'));
  bar.addEventListener('keydown', (event) => {
    const all = buttons();
    const at = all.indexOf(/** @type {HTMLElement} */ (document.activeElement));
    if (at < 0) return;
    const moves = /** @type {Record<string, number>} */ ({ ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: all.length - 1 });
    if (!(event.key in moves)) return;
    event.preventDefault();
    const next = all[(moves[event.key] + all.length) % all.length];
    all.forEach((button) => button.setAttribute('tabindex', button === next ? '0' : '-1'));
    next.focus();
  });
}
