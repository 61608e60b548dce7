// @ts-check
/**
 * The admin page (admins only; the server checks every call again): people — add (the
 * password is shown once), disable, enable, reset a password, make or unmake admin — groups
 * (`admin-groups.js`) and rooms.
 */
import { api, get, post, put } from './api.js';
import { groupsSection } from './admin-groups.js';
import { askInPlace, h, showError, tell } from './dom.js';
import { page } from './page.js';

/** @typedef {{id: number, username: string, display_name: string, is_admin: boolean, is_disabled: boolean}} Account */

/** Where a new password is shown, once, to copy and hand over. */
const secretBox = () => h('div', { class: 'secret', role: 'status', 'aria-live': 'polite', tabindex: -1 });

/** @param {HTMLElement} box @param {string} username @param {string | null} password @param {string} what */
function showSecret(box, username, password, what) {
  box.replaceChildren(
    h('p', {}, `${what} for ${username}.`),
    password && h('p', {}, 'Password (shown only now): ', h('code', { class: 'password' }, password)),
  );
  box.scrollIntoView({ block: 'center' }); // asked for from a row far down the list: bring it into view
  box.focus({ preventScroll: true });
}

/** @param {Account} user @param {() => void} reload @param {HTMLElement} secret */
function userRow(user, reload, secret) {
  const name = user.display_name || user.username;
  /** @param {Record<string, boolean>} flags @param {string} done */
  const flag = async (flags, done) => {
    try {
      await api('PATCH', `/admin/users/${encodeURIComponent(user.username)}`, flags);
      tell(done);
      reload();
    } catch (error) {
      showError(error);
    }
  };
  const reset = async () => {
    try {
      const answer = await put(`/admin/users/${encodeURIComponent(user.username)}/password`, {});
      showSecret(secret, user.username, answer.generated_password, 'New password');
    } catch (error) {
      showError(error);
    }
    standing();
  };
  const actions = h('td', { class: 'row-actions' });
  // Short words on the buttons (the name is at the start of the row), the whole action in their names.
  /** @param {string} label @param {string} text @param {() => void} onclick */
  const button = (label, text, onclick) => h('button', { type: 'button', 'aria-label': label, title: label, onclick }, text);
  const standing = () => actions.replaceChildren(
    button(user.is_disabled ? `Enable ${name}` : `Disable ${name}`, user.is_disabled ? 'Enable' : 'Disable',
      () => flag({ is_disabled: !user.is_disabled }, `${name} ${user.is_disabled ? 'enabled' : 'disabled'}`)),
    button(`Reset password of ${name}`, 'Reset password', ask),
    button(user.is_admin ? `Remove admin from ${name}` : `Make ${name} admin`, user.is_admin ? 'Remove admin' : 'Make admin',
      () => flag({ is_admin: !user.is_admin }, `${name} changed`)),
  );
  // The old password stops working at once: asked in the row first (no browser dialog).
  const ask = () => askInPlace(actions, `Reset the password of ${name}? The old one stops working at once.`,
    `Yes, reset the password of ${name}`, 'Keep it', reset);
  standing();
  return h(
    'tr',
    { class: user.is_disabled ? 'disabled' : '' },
    h('th', { scope: 'row' }, name),
    h('td', {}, user.username),
    h('td', {}, [user.is_admin && 'admin', user.is_disabled && 'disabled'].filter(Boolean).join(', ') || 'active'),
    actions,
  );
}

/** @param {() => void} reload @param {HTMLElement} secret */
function addForm(reload, secret) {
  const input = (/** @type {string} */ id, /** @type {Record<string, unknown>} */ props = {}) =>
    /** @type {HTMLInputElement} */ (h('input', { id, ...props }));
  const username = input('new-username', { required: true, maxlength: 64, autocomplete: 'off' });
  const display = input('new-display-name', { maxlength: 200 });
  const password = input('new-password', { type: 'password', autocomplete: 'new-password', maxlength: 1024 });
  const admin = input('new-admin', { type: 'checkbox' });
  const form = h(
    'form',
    { class: 'admin-add', 'aria-labelledby': 'add-heading' },
    h('h3', { id: 'add-heading' }, 'Add a person'),
    h('label', { for: 'new-username' }, 'Username'), username,
    h('label', { for: 'new-display-name' }, 'Display name'), display,
    h('label', { for: 'new-password' }, 'Password (leave empty to generate one)'), password,
    h('label', { class: 'choice' }, admin, ' Administrator'),
    h('button', { type: 'submit' }, 'Add person'),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const body = { username: username.value.trim(), display_name: display.value, password: password.value || null, is_admin: admin.checked };
    try {
      const made = await post('/admin/users', body);
      showSecret(secret, made.user.username, made.generated_password, 'Account created');
      /** @type {HTMLFormElement} */ (form).reset();
      reload();
    } catch (error) {
      showError(error);
      secret.textContent = /** @type {Error} */ (error).message;
    }
  });
  return form;
}

/** @param {any} room */
const roomRow = (room) => h(
  'tr', {},
  h('th', { scope: 'row' }, room.name || 'Unnamed room'),
  h('td', {}, room.visibility === 'open' ? 'open' : 'invite only'),
  h('td', {}, String(room.member_count)),
  h('td', {}, room.is_archived ? 'archived' : ''),
);

/** @param {string[]} names */
const headRow = (names) => h('thead', {}, h('tr', {}, names.map((n) => h('th', { scope: 'col' }, n))));

/** @param {() => void} back for phone width */
export function adminView(back) {
  const secret = secretBox();
  const search = /** @type {HTMLInputElement} */ (h('input', { type: 'search', id: 'admin-search', autocomplete: 'off' }));
  const people = h('tbody');
  const rooms = h('tbody');
  let asked = 0; // answers to an earlier search than the latest are dropped (typing overtakes the first load)
  const reload = () => {
    const mine = ++asked;
    get(`/admin/users?limit=500&q=${encodeURIComponent(search.value.trim())}`).then(
      (users) => {
        if (mine === asked) people.replaceChildren(...users.map((/** @type {Account} */ u) => userRow(u, reload, secret)));
      },
      showError,
    );
  };
  search.addEventListener('input', reload);
  reload();
  get('/admin/rooms?limit=500').then((list) => rooms.replaceChildren(...list.map(roomRow)), showError);
  return page(
    'admin',
    'Administration',
    back,
    secret,
    addForm(reload, secret),
    h('h3', { id: 'people-admin-heading' }, 'People'),
    h('label', { for: 'admin-search' }, 'Find people'),
    search,
    h('table', { class: 'admin-table', 'aria-labelledby': 'people-admin-heading' }, headRow(['Name', 'Username', 'State', 'Actions']), people),
    ...groupsSection(),
    h('h3', { id: 'rooms-admin-heading' }, 'Rooms'),
    h('table', { class: 'admin-table', 'aria-labelledby': 'rooms-admin-heading' }, headRow(['Room', 'Who can join', 'Members', '']), rooms),
  );
}
