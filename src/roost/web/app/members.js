// @ts-check
/**
 * The members panel of a room: who is in it, with presence and roles; room admins invite,
 * remove, change roles (never above their own), rename, change the topic and who may join,
 * and archive or unarchive the room; everyone may leave. Reloads on membership frames.
 */
import { del, get, patch, post, put } from './api.js';
import { presenceDot, presenceText } from './directory.js';
import { askInPlace, h, showError, tell } from './dom.js';
import { isListed, nameOf, on, state } from './store.js';

const RANK = /** @type {Record<string, number>} */ ({ owner: 3, admin: 2, member: 1 });
const INVITE_SHOWN = 6;

/** @typedef {{user_id: number, role: string}} Member */

/** @param {Promise<unknown>} request @param {string} [done] */
async function attempt(request, done) {
  try {
    await request;
    if (done) tell(done);
  } catch (error) {
    showError(error);
  }
}

/**
 * The role changes someone of rank `mine` may make for a member: up to their own rank.
 * @param {string} roomId @param {Member} member @param {number} mine @param {string} name
 */
function roleButtons(roomId, member, mine, name) {
  /** @param {string} role @param {string} label */
  const button = (role, label) => h('button', {
    type: 'button',
    class: 'role-change',
    'aria-label': label,
    onclick: () => attempt(put(`/rooms/${roomId}/members/${member.user_id}/role`, { role }), `${name} is now ${role === 'admin' ? 'an' : 'a'} ${role}`),
  }, `Make ${role}`); // the name is on the line above
  const rank = RANK[member.role] ?? 1;
  if (rank > mine) return [];
  return [
    rank < RANK.admin && button('admin', `Make ${name} an admin`),
    rank === RANK.admin && button('member', `Make ${name} a member`),
    mine >= RANK.owner && rank < RANK.owner && button('owner', `Make ${name} an owner`),
  ];
}

/** @param {string} roomId @param {Member[]} members @param {number} mine my rank in the room */
function memberList(roomId, members, mine) {
  const admin = mine >= RANK.admin;
  return h(
    'ul',
    { class: 'member-list', 'aria-label': 'Members' },
    members.map((m) => {
      const name = nameOf(m.user_id);
      const removable = admin && m.user_id !== state.me?.id && m.role !== 'owner';
      const key = `${roomId}:${m.user_id}`;
      const remove = () => attempt(del(`/rooms/${roomId}/members/${m.user_id}`), `${name} removed`);
      const removeButton = removable && h('button', {
        type: 'button',
        class: 'remove',
        'aria-label': `Remove ${name}`,
        onclick: () => confirmRemoval(/** @type {HTMLElement} */ (removeButton), name, key, remove),
      }, 'Remove');
      const item = h(
        'li',
        { class: 'member' },
        presenceDot(m.user_id),
        h('span', { class: 'name' }, name),
        h('span', { class: 'sr-only' }, `, ${presenceText(m.user_id)}`),
        m.role !== 'member' && h('span', { class: 'role' }, m.role),
        admin && m.user_id !== state.me?.id && h(
          'div',
          { class: 'member-actions' }, // a line of its own under the name
          ...roleButtons(roomId, m, mine, name),
          removeButton,
        ),
      );
      // The list is drawn again on every presence change: a question being asked stays.
      if (removeButton && confirming === key) confirmRemoval(removeButton, name, key, remove, false);
      return item;
    }),
  );
}

/** The member whose removal is being asked about (`room:user`), kept across the list's redraws. */
let confirming = '';

/**
 * Ask before removing someone (one click is easy to land on the wrong line): the actions of
 * their line become the question, until "Remove" or "Keep".
 * @param {HTMLElement} button @param {string} name @param {string} key @param {() => void} remove
 * @param {boolean} [asked] false: the question is drawn again (a redraw), keeping the focus in it
 */
function confirmRemoval(button, name, key, remove, asked = true) {
  const actions = /** @type {HTMLElement} */ (button.parentElement);
  const before = [...actions.childNodes];
  confirming = key;
  const keep = h('button', {
    type: 'button',
    onclick: () => {
      confirming = '';
      actions.replaceChildren(...before);
      button.focus();
    },
  }, 'Keep');
  const yes = /** @type {HTMLButtonElement} */ (h('button', {
    type: 'button',
    class: 'remove',
    'aria-label': `Yes, remove ${name}`,
    onclick: () => {
      confirming = '';
      yes.disabled = true; // once: a second click would ask to remove someone already gone
      remove();
    },
  }, 'Remove'));
  actions.replaceChildren(h('span', { class: 'confirm' }, `Remove ${name} from the room?`), yes, keep);
  if (asked) keep.focus();
  else queueMicrotask(() => { if (document.activeElement === document.body) keep.focus(); });
}

/** @param {string} roomId @param {Set<number>} present */
function inviteBox(roomId, present) {
  const input = /** @type {HTMLInputElement} */ (h('input', { type: 'search', id: 'invite-search', autocomplete: 'off' }));
  const results = h('ul', { class: 'invite-results', 'aria-label': 'People to invite' });
  const render = () => {
    const query = input.value.trim().toLowerCase();
    const found = !query ? [] : [...state.users.values()]
      .filter((u) => !present.has(u.id) && isListed(u) && `${u.display_name} ${u.username}`.toLowerCase().includes(query))
      .slice(0, INVITE_SHOWN);
    results.replaceChildren(...found.map((u) => h('li', {}, h('button', {
      type: 'button',
      onclick: () => {
        input.value = '';
        results.replaceChildren();
        attempt(post(`/rooms/${roomId}/members`, { user_ids: [u.id] }), `${nameOf(u.id)} invited`);
      },
    }, `Invite ${nameOf(u.id)}`))));
  };
  input.addEventListener('input', render);
  return h('div', { class: 'invite' }, h('label', { for: 'invite-search' }, 'Invite people'), input, results);
}

/** @param {string} roomId */
function settingsForm(roomId) {
  const room = state.conversations.get(roomId);
  const name = /** @type {HTMLInputElement} */ (h('input', { id: 'room-name', required: true, maxlength: 200, value: room?.name ?? '' }));
  const topic = /** @type {HTMLInputElement} */ (h('input', { id: 'room-topic', maxlength: 2000, value: room?.topic ?? '' }));
  const open = /** @type {HTMLInputElement} */ (h('input', { id: 'room-open', type: 'checkbox', checked: room?.visibility === 'open' }));
  const form = h(
    'form',
    { class: 'room-settings', 'aria-label': 'Room settings' },
    h('label', { for: 'room-name' }, 'Room name'),
    name,
    h('label', { for: 'room-topic' }, 'Topic'),
    topic,
    h('label', { class: 'choice' }, open, ' Open: anyone in the organisation can find and join it'),
    h('button', { type: 'submit' }, 'Save room settings'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    // Who may join is sent only when changed here: another admin may have changed it meanwhile.
    const visibility = open.checked === open.defaultChecked ? undefined : open.checked ? 'open' : 'invite';
    attempt(patch(`/rooms/${roomId}`, { name: name.value, topic: topic.value, visibility }), 'Room settings saved');
    open.defaultChecked = open.checked;
  });
  return form;
}

/** Archive (read-only, history kept) or unarchive; archiving is asked in place first. @param {string} roomId */
function archiveTools(roomId) {
  const box = h('div', { class: 'archive-tools' });
  /** @type {boolean | null} */ let shown = null;
  const render = () => {
    const archived = Boolean(state.conversations.get(roomId)?.is_archived);
    if (archived === shown) return;  // the list changes often: keep a question being asked
    shown = archived;
    if (archived) {
      box.replaceChildren(h('button', {
        type: 'button',
        onclick: () => attempt(patch(`/rooms/${roomId}`, { is_archived: false }), 'Room unarchived'),
      }, 'Unarchive room'));
      return;
    }
    const ask = () => askInPlace(box, 'Archive this room? Its history stays; nobody can write in it until it is unarchived.',
      'Yes, archive this room', 'Keep it open', () => attempt(patch(`/rooms/${roomId}`, { is_archived: true }), 'Room archived'));
    box.replaceChildren(h('button', { type: 'button', onclick: ask }, 'Archive room'));
  };
  render();
  return { element: box, render };
}

/** @param {string} roomId @returns {{element: HTMLElement, dispose: () => void}} */
export function membersPanel(roomId) {
  const content = h('div', { class: 'members-content' }, h('p', {}, 'Loading members…'));
  const leave = h('div', { class: 'leave' }, h('button', { type: 'button', class: 'danger', onclick: askLeave }, 'Leave room'));
  /** Asked in place first: an invite-only room takes you back only when someone invites you. */
  function askLeave() {
    const open = state.conversations.get(roomId)?.visibility === 'open';
    const question = open ? 'Leave this room? You can join it again from Browse rooms.' : 'Leave this room? Someone in it must invite you to come back.';
    askInPlace(leave, question, 'Yes, leave this room', 'Stay', () => attempt(del(`/rooms/${roomId}/members/${state.me?.id}`), 'You left the room'));
  }
  const element = h(
    'aside',
    { id: 'members-panel', class: 'members-panel', 'aria-labelledby': 'members-heading' },
    h('h3', { id: 'members-heading' }, 'Members'),
    content,
    leave,
  );
  /** @type {Member[]} */ let members = [];
  /** @type {Set<number>} */ const present = new Set();
  /** @type {HTMLElement[]} made once, so what is typed there survives updates */ let adminTools = [];
  const archive = archiveTools(roomId);
  const render = () => {
    const me = members.find((m) => m.user_id === state.me?.id);
    const mine = RANK[me?.role ?? 'member'] ?? 1;
    const admin = mine >= RANK.admin;
    if (admin && adminTools.length === 0) adminTools = [inviteBox(roomId, present), settingsForm(roomId), archive.element];
    content.replaceChildren(
      h('p', { class: 'count' }, `${members.length} ${members.length === 1 ? 'member' : 'members'}`),
      memberList(roomId, members, mine),
      ...(admin ? adminTools : []),
    );
  };
  const load = async () => {
    members = await get(`/conversations/${roomId}/members`);
    members.sort((a, b) => RANK[b.role] - RANK[a.role] || nameOf(a.user_id).localeCompare(nameOf(b.user_id)));
    present.clear();
    for (const m of members) present.add(m.user_id);
    render();
  };
  const reload = () => {
    if (state.conversations.has(roomId)) load().catch(showError);
  };
  const stops = [on(`members:${roomId}`, reload), on('people', render), on('conversations', archive.render)];
  reload();
  return { element, dispose: () => { stops.forEach((stop) => stop()); element.remove(); } };
}
