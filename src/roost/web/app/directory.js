// @ts-check
/** The directory: everyone in the organisation, searchable, with presence; a click starts a DM. */
import { avatar } from './avatar.js';
import { h } from './dom.js';
import { SHOW_LABELS, lastSeen } from './format.js';
import { isListed, nameOf, on, presenceOf, state } from './store.js';

/** @param {import('./store.js').User} user @param {string} query */
function matches(user, query) {
  const text = `${user.display_name} ${user.username} ${user.title} ${user.department}`.toLowerCase();
  return query.split(/\s+/).every((word) => text.includes(word));
}

/** @param {number} userId */
export function presenceDot(userId) {
  const { show } = presenceOf(userId);
  return h('span', { class: `dot ${show}`, 'aria-hidden': 'true' });
}

/** @param {number} userId */
export function presenceText(userId) {
  const presence = presenceOf(userId);
  const label = SHOW_LABELS[presence.show] ?? presence.show;
  if (presence.show === 'unavailable') return lastSeen(presence.last_seen_at);
  return presence.status ? `${label}: ${presence.status}` : label;
}

/**
 * @param {(userId: number) => void} startDirect
 * @returns {HTMLElement}
 */
export function directory(startDirect) {
  const search = /** @type {HTMLInputElement} */ (
    h('input', { type: 'search', id: 'people-search', placeholder: 'Search people', autocomplete: 'off' })
  );
  const label = h('label', { for: 'people-search', class: 'sr-only' }, 'Search people');
  const list = h('ul', { class: 'people', 'aria-labelledby': 'people-heading' });
  const render = () => {
    const query = search.value.trim().toLowerCase();
    const people = [...state.users.values()]
      .filter((user) => user.id !== state.me?.id && isListed(user) && matches(user, query))
      .sort((a, b) => nameOf(a.id).localeCompare(nameOf(b.id)));
    list.replaceChildren(
      ...people.map((user) =>
        h(
          'li',
          {},
          h(
            'button',
            {
              type: 'button',
              class: 'person',
              'aria-label': `${nameOf(user.id)}, ${presenceText(user.id)}`,
              title: `Message ${nameOf(user.id)}`,
              onclick: () => startDirect(user.id),
            },
            presenceDot(user.id),
            avatar(user.id),
            h('span', { class: 'name', dir: 'auto' }, nameOf(user.id)),
            h('span', { class: 'detail' }, [user.title, user.department, presenceText(user.id)].filter(Boolean).join(' · ')),
          ),
        ),
      ),
    );
    if (people.length === 0) list.append(h('li', { class: 'empty' }, query ? 'Nobody matches.' : 'Nobody else yet.'));
  };
  search.addEventListener('input', render);
  on('people', render);
  render();
  return h('div', { class: 'directory' }, label, search, list);
}
