// @ts-check
/**
 * The admin page's groups (the server checks every call again): make a group (with its own
 * room, or not), put someone in it, take someone out (they stay in its room), delete it
 * after a second click in its row (its room stays). The same operations as `roost group` and /api/v1/admin/groups.
 */
import { api, get, post, put } from './api.js';
import { askInPlace, h, showError, tell } from './dom.js';

/** @typedef {{id: number, name: string, description: string, default_room_id: string | null, members: {id: number, username: string}[]}} Group */

/** @param {string} name */
const groupPath = (name) => `/admin/groups/${encodeURIComponent(name)}`;

/** @param {() => Promise<unknown>} call @param {string} done @param {() => unknown} reload */
async function act(call, done, reload) {
  try {
    await call();
    tell(done);
    reload();
  } catch (error) {
    showError(error);
  }
}

/** @param {Group} group @param {() => unknown} reload */
function groupRow(group, reload) {
  const field = `add-to-${group.id}`;
  const username = /** @type {HTMLInputElement} */ (h('input', { id: field, autocomplete: 'off', maxlength: 64, placeholder: 'username' }));
  const add = h(
    'form',
    { class: 'inline-form' },
    h('label', { for: field, class: 'sr-only' }, `Username to add to ${group.name}`),
    username,
    h('button', { type: 'submit' }, `Add to ${group.name}`),
  );
  add.addEventListener('submit', (event) => {
    event.preventDefault();
    const who = username.value.trim();
    if (who) act(() => put(`${groupPath(group.name)}/members/${encodeURIComponent(who)}`, {}), `${who} is in ${group.name}`, reload);
  });
  const members = group.members.map(({ username: name }) => {
    const remove = () =>
      act(() => api('DELETE', `${groupPath(group.name)}/members/${encodeURIComponent(name)}`), `${name} is no longer in ${group.name}`, reload);
    return h('li', {}, name, ' ', h('button', { type: 'button', onclick: remove }, `Remove ${name} from ${group.name}`));
  });
  const actions = h('td', { class: 'row-actions' });
  const ask = h('button', { type: 'button' }, `Delete ${group.name}`);
  const standing = () => actions.replaceChildren(add, ask);
  ask.addEventListener('click', () => askInPlace(actions, `Delete ${group.name}? Its room stays, with its members and history.`,  // in the row
    `Yes, delete ${group.name}`, 'Keep it', () => act(() => api('DELETE', groupPath(group.name)), `Group ${group.name} deleted`, reload)));
  standing();
  return h(
    'tr',
    {},
    h('th', { scope: 'row' }, group.name),
    h('td', {}, members.length ? h('ul', { class: 'plain-list' }, members) : 'nobody yet'),
    h('td', {}, group.default_room_id ? 'its own room' : ''),
    actions,
  );
}

/** @param {() => unknown} reload */
function addGroupForm(reload) {
  const name = /** @type {HTMLInputElement} */ (h('input', { id: 'new-group-name', required: true, maxlength: 200, autocomplete: 'off' }));
  const description = /** @type {HTMLInputElement} */ (h('input', { id: 'new-group-description', maxlength: 2000 }));
  const room = /** @type {HTMLInputElement} */ (h('input', { id: 'new-group-room', type: 'checkbox', checked: true }));
  const form = h(
    'form',
    { class: 'admin-add', 'aria-labelledby': 'add-group-heading' },
    h('h3', { id: 'add-group-heading' }, 'Add a group'),
    h('label', { for: 'new-group-name' }, 'Group name'), name,
    h('label', { for: 'new-group-description' }, 'Description'), description,
    h('label', { class: 'choice' }, room, ' With its own room (members join it)'),
    h('button', { type: 'submit' }, 'Add group'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const body = { name: name.value.trim(), description: description.value, with_room: room.checked };
    act(async () => {
      await post('/admin/groups', body);
      /** @type {HTMLFormElement} */ (form).reset();
    }, `Group ${body.name} added`, reload);
  });
  return form;
}

/** The groups section: its heading, form and table, filled now and after every change. */
export function groupsSection() {
  const rows = h('tbody');
  const reload = async () => {
    try {
      /** @type {Group[]} */
      const groups = await get('/admin/groups');
      rows.replaceChildren(...groups.map((g) => groupRow(g, reload)));
    } catch (error) {
      showError(error);
    }
  };
  reload();
  return [
    h('h3', { id: 'groups-admin-heading' }, 'Groups'),
    addGroupForm(reload),
    h(
      'table',
      { class: 'admin-table', 'aria-labelledby': 'groups-admin-heading' },
      h('thead', {}, h('tr', {}, ['Group', 'Members', 'Room', 'Actions'].map((n) => h('th', { scope: 'col' }, n)))),
      rows,
    ),
  ];
}
