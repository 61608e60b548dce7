// @ts-check
/**
 * The members panel of a room: who is in it, with presence and roles; room admins invite,
 * remove, rename and change the topic; everyone may leave. Reloads on membership frames.
 */
import { del, get, patch, post } from './api.js';
import { presenceDot, presenceText } from './directory.js';
import { announce, h } from './dom.js';
import { nameOf, on, state } from './store.js';

const RANK = /** @type {Record<string, number>} */ ({ owner: 3, admin: 2, member: 1 });
const INVITE_SHOWN = 6;

/** @typedef {{user_id: number, role: string}} Member */

/** @param {Promise<unknown>} request @param {string} [done] */
async function attempt(request, done) {
  try {
    await request;
    if (done) announce(done);
  } catch (error) {
    announce(/** @type {Error} */ (error).message);
  }
}

/** @param {string} roomId @param {Member[]} members @param {boolean} admin */
function memberList(roomId, members, admin) {
  return h(
    'ul',
    { class: 'member-list', 'aria-label': 'Members' },
    members.map((m) => {
      const name = nameOf(m.user_id);
      const removable = admin && m.user_id !== state.me?.id && m.role !== 'owner';
      return h(
        'li',
        { class: 'member' },
        presenceDot(m.user_id),
        h('span', { class: 'name' }, name),
        h('span', { class: 'sr-only' }, `, ${presenceText(m.user_id)}`),
        m.role !== 'member' && h('span', { class: 'role' }, m.role),
        removable && h('button', {
          type: 'button',
          class: 'remove',
          'aria-label': `Remove ${name}`,
          onclick: () => attempt(del(`/rooms/${roomId}/members/${m.user_id}`), `${name} removed`),
        }, 'Remove'),
      );
    }),
  );
}

/** @param {string} roomId @param {Set<number>} present */
function inviteBox(roomId, present) {
  const input = /** @type {HTMLInputElement} */ (h('input', { type: 'search', id: 'invite-search', autocomplete: 'off' }));
  const results = h('ul', { class: 'invite-results', 'aria-label': 'People to invite' });
  const render = () => {
    const query = input.value.trim().toLowerCase();
    const found = !query ? [] : [...state.users.values()]
      .filter((u) => !present.has(u.id) && `${u.display_name} ${u.username}`.toLowerCase().includes(query))
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
  const form = h(
    'form',
    { class: 'room-settings', 'aria-label': 'Room settings' },
    h('label', { for: 'room-name' }, 'Room name'),
    name,
    h('label', { for: 'room-topic' }, 'Topic'),
    topic,
    h('button', { type: 'submit' }, 'Save room settings'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    attempt(patch(`/rooms/${roomId}`, { name: name.value, topic: topic.value }), 'Room settings saved');
  });
  return form;
}

/** @param {string} roomId @returns {{element: HTMLElement, dispose: () => void}} */
export function membersPanel(roomId) {
  const content = h('div', { class: 'members-content' }, h('p', {}, 'Loading members…'));
  const leave = h('button', {
    type: 'button',
    class: 'leave danger',
    onclick: () => attempt(del(`/rooms/${roomId}/members/${state.me?.id}`), 'You left the room'),
  }, 'Leave room');
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
  const render = () => {
    const mine = members.find((m) => m.user_id === state.me?.id);
    const admin = (RANK[mine?.role ?? 'member'] ?? 1) >= RANK.admin;
    if (admin && adminTools.length === 0) adminTools = [inviteBox(roomId, present), settingsForm(roomId)];
    content.replaceChildren(
      h('p', { class: 'count' }, `${members.length} ${members.length === 1 ? 'member' : 'members'}`),
      memberList(roomId, members, admin),
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
    if (state.conversations.has(roomId)) load().catch((error) => announce(error.message));
  };
  const stops = [on(`members:${roomId}`, reload), on('people', render)];
  reload();
  return { element, dispose: () => { stops.forEach((stop) => stop()); element.remove(); } };
}
