// @ts-check
/** Your profile: your picture, display name, title and department, and your password. */
import { api, put } from './api.js';
import { avatarForm } from './avatar-form.js';
import { h } from './dom.js';
import { page } from './page.js';
import { state, upsertUsers } from './store.js';

/** @param {string} id @param {string} label @param {Record<string, unknown>} props */
function field(id, label, props) {
  const input = /** @type {HTMLInputElement} */ (h('input', { id, ...props }));
  return { input, nodes: [h('label', { for: id }, label), input] };
}

/** @param {HTMLElement} status @param {() => Promise<string>} action */
async function report(status, action) {
  status.classList.remove('error');
  try {
    status.textContent = await action();
  } catch (error) {
    status.classList.add('error');
    status.textContent = /** @type {Error} */ (error).message;
  }
}

function profileForm() {
  const me = state.me;
  const name = field('profile-name', 'Display name', { maxlength: 200, value: me?.display_name ?? '' });
  const title = field('profile-title', 'Title', { maxlength: 200, value: me?.title ?? '' });
  const department = field('profile-department', 'Department', { maxlength: 200, value: me?.department ?? '' });
  const status = h('p', { class: 'form-status', role: 'status' });
  const form = h('form', { class: 'profile-form', 'aria-labelledby': 'profile-details' },
    h('h3', { id: 'profile-details' }, 'Details'), name.nodes, title.nodes, department.nodes,
    h('button', { type: 'submit' }, 'Save profile'), status);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    report(status, async () => {
      const body = { display_name: name.input.value, title: title.input.value, department: department.input.value };
      const user = await api('PATCH', '/me', body);
      state.me = user;
      upsertUsers([user]);
      return 'Profile saved.';
    });
  });
  return form;
}

function passwordForm() {
  const current = field('current-password', 'Current password', { type: 'password', autocomplete: 'current-password', required: true });
  const fresh = field('new-password', 'New password', { type: 'password', autocomplete: 'new-password', required: true });
  const again = field('repeat-password', 'New password again', { type: 'password', autocomplete: 'new-password', required: true });
  const status = h('p', { class: 'form-status', role: 'status' });
  const form = /** @type {HTMLFormElement} */ (h('form', { class: 'profile-form', 'aria-labelledby': 'password-heading' },
    h('h3', { id: 'password-heading' }, 'Password'), current.nodes, fresh.nodes, again.nodes,
    h('button', { type: 'submit' }, 'Change password'), status));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    report(status, async () => {
      if (fresh.input.value !== again.input.value) throw new Error('The two new passwords differ.');
      await put('/me/password', { current_password: current.input.value, new_password: fresh.input.value });
      form.reset();
      return 'Password changed.';
    });
  });
  return form;
}

/** @param {() => void} back for phone width */
export function profileView(back) {
  return page('profile', 'Your profile', back, avatarForm(report), profileForm(), passwordForm());
}
