// @ts-check
/** Your picture, in the profile: choose an image, see it, save it; or remove the one you have. */
import { del, errorOf, get, headersFor } from './api.js';
import { avatar } from './avatar.js';
import { h } from './dom.js';
import { state, upsertUsers } from './store.js';

const TYPES = 'image/png,image/jpeg,image/gif,image/webp';

/** @param {import('./store.js').User} user */
function remember(user) {
  state.me = user;
  upsertUsers([user]);
}

/** @param {File} file @returns {Promise<import('./store.js').User>} */
async function upload(file) {
  const response = await fetch('/api/v1/me/avatar', {
    method: 'PUT',
    headers: headersFor('PUT', { 'Content-Type': file.type || 'application/octet-stream' }),
    body: file,
    credentials: 'same-origin',
  });
  if (!response.ok) throw await errorOf(response);
  return response.json();
}

/** @param {(status: HTMLElement, action: () => Promise<string>) => Promise<void>} report */
export function avatarForm(report) {
  const preview = h('div', { class: 'avatar-preview' });
  const input = /** @type {HTMLInputElement} */ (h('input', { type: 'file', id: 'avatar-file', accept: TYPES }));
  const save = /** @type {HTMLButtonElement} */ (h('button', { type: 'submit', disabled: true }, 'Save picture'));
  const removeButton = /** @type {HTMLButtonElement} */ (h('button', { type: 'button' }, 'Remove picture'));
  const status = h('p', { class: 'form-status', role: 'status' });
  /** @type {string | null} */
  let chosenUrl = null;
  const showCurrent = () => {
    if (chosenUrl) URL.revokeObjectURL(chosenUrl);
    chosenUrl = null;
    const me = state.me;
    preview.replaceChildren(me ? avatar(me.id, { size: 'large', labelled: true }) : '');
    preview.firstElementChild?.setAttribute(me?.avatar_url ? 'alt' : 'aria-label', 'Your picture');
    removeButton.hidden = !me?.avatar_url;
    save.disabled = true;
  };
  input.addEventListener('change', () => {
    const file = input.files?.[0];
    if (!file) return showCurrent();
    if (chosenUrl) URL.revokeObjectURL(chosenUrl);
    chosenUrl = URL.createObjectURL(file);
    preview.replaceChildren(h('img', { class: 'avatar large', src: chosenUrl, alt: 'Preview of your new picture' }));
    save.disabled = false;
  });
  const form = /** @type {HTMLFormElement} */ (h('form', { class: 'profile-form', 'aria-labelledby': 'avatar-heading' },
    h('h3', { id: 'avatar-heading' }, 'Picture'),
    h('div', { class: 'avatar-editor' }, preview,
      h('div', {}, h('label', { for: 'avatar-file' }, 'Choose a picture'), input,
        h('div', { class: 'buttons' }, save, removeButton))),
    status));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const file = input.files?.[0];
    if (!file) return;
    report(status, async () => {
      remember(await upload(file));
      form.reset();
      showCurrent();
      return 'Picture saved.';
    });
  });
  removeButton.addEventListener('click', () => report(status, async () => {
    await del('/me/avatar');
    remember(await get('/me'));
    showCurrent();
    return 'Picture removed.';
  }));
  showCurrent();
  return form;
}
