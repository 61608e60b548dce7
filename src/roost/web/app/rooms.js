// @ts-check
/**
 * Group rooms from the sidebar: "New room" (name, topic, invite-only or open) and "Browse
 * rooms" (the open rooms of the organisation, to join). Both are modal dialogs: Escape closes.
 */
import { get, post, put } from './api.js';
import { h, showError } from './dom.js';
import { state } from './store.js';
import { loadConversation } from './sync.js';

/** @typedef {(id: string) => void} Open */

/** A modal dialog titled `title`, removed from the page once closed. @param {string} id @param {string} title */
export function modal(id, title) {
  const dialog = /** @type {HTMLDialogElement} */ (h('dialog', { class: 'modal', 'aria-labelledby': `${id}-heading` }));
  const close = h('button', { type: 'button', class: 'close', 'aria-label': 'Close', onclick: () => dialog.close() }, '✕');
  dialog.append(h('div', { class: 'modal-head' }, h('h2', { id: `${id}-heading` }, title), close));
  dialog.addEventListener('close', () => dialog.remove());
  return dialog;
}

/** @param {Open} open */
export function openNewRoom(open) {
  const dialog = modal('new-room', 'New room');
  const name = /** @type {HTMLInputElement} */ (h('input', { id: 'new-room-name', required: true, maxlength: 200 }));
  const topic = /** @type {HTMLInputElement} */ (h('input', { id: 'new-room-topic', maxlength: 2000 }));
  const radio = (/** @type {string} */ value, /** @type {string} */ label, /** @type {boolean} */ checked) =>
    h('label', { class: 'choice' }, h('input', { type: 'radio', name: 'visibility', value, checked }), ` ${label}`);
  const error = h('p', { class: 'error', role: 'alert' });
  const form = h(
    'form',
    { class: 'dialog-form' },
    h('label', { for: 'new-room-name' }, 'Room name'),
    name,
    h('label', { for: 'new-room-topic' }, 'Topic (optional)'),
    topic,
    h('fieldset', {}, h('legend', {}, 'Who can join'), radio('invite', 'Invited people only', true), radio('open', 'Anyone in the organisation', false)),
    error,
    h('button', { type: 'submit' }, 'Create room'),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const visibility = /** @type {HTMLInputElement} */ (form.querySelector('input[name="visibility"]:checked')).value;
    try {
      const room = await post('/rooms', { name: name.value, topic: topic.value, visibility });
      await loadConversation(room.id);
      dialog.close();
      open(room.id);
    } catch (failure) {
      error.textContent = /** @type {Error} */ (failure).message;
    }
  });
  dialog.append(form);
  document.body.append(dialog);
  dialog.showModal();
  name.focus();
}

/** @param {any} room @param {Open} open @param {HTMLDialogElement} dialog */
function roomItem(room, open, dialog) {
  const member = state.conversations.has(room.id);
  const join = async () => {
    try {
      if (!member) await put(`/rooms/${room.id}/members/me`);
      await loadConversation(room.id);
      dialog.close();
      open(room.id);
    } catch (failure) {
      showError(failure);
    }
  };
  return h(
    'li',
    { class: 'room-item' },
    h('span', { class: 'name' }, room.name),
    room.topic && h('span', { class: 'topic' }, room.topic),
    h('button', { type: 'button', onclick: join }, member ? `Open ${room.name}` : `Join ${room.name}`),
  );
}

/** @param {Open} open */
export function openRoomDirectory(open) {
  const dialog = modal('browse-rooms', 'Open rooms');
  const search = /** @type {HTMLInputElement} */ (h('input', { type: 'search', id: 'rooms-search', autocomplete: 'off' }));
  const list = h('ul', { class: 'room-list', 'aria-label': 'Open rooms' });
  let asked = 0;
  const load = async () => {
    const ask = ++asked;
    const rooms = await get(`/rooms?limit=100&q=${encodeURIComponent(search.value.trim())}`);
    if (ask !== asked) return; // a newer search is on its way
    list.replaceChildren(...rooms.map((/** @type {any} */ room) => roomItem(room, open, dialog)));
    if (rooms.length === 0) list.append(h('li', { class: 'empty' }, search.value.trim() ? 'No open rooms match.' : 'No open rooms yet: make one with New room.'));
  };
  search.addEventListener('input', () => load().catch(showError));
  dialog.append(h('label', { for: 'rooms-search' }, 'Search rooms'), search, list);
  document.body.append(dialog);
  dialog.showModal();
  search.focus();
  load().catch(showError);
}
