// @ts-check
/**
 * @mention completion in the message box: typing "@" and a few letters lists the matching
 * members of the conversation first, then the rest of the directory. Arrow keys move,
 * Enter or Tab completes "@username ", Escape closes the list.
 */
import { h } from './dom.js';
import { isListed, nameOf, state } from './store.js';

const MAX_SHOWN = 8;
const TYPED = /(?:^|[\s(])@([^\s@]*)$/;

/** @param {import('./store.js').User} user @param {string} prefix */
function matches(user, prefix) {
  const words = [user.username, ...user.display_name.split(/\s+/)].map((w) => w.toLowerCase());
  return words.some((w) => w.startsWith(prefix));
}

/** @param {string} conversationId @param {string} prefix */
export function candidates(conversationId, prefix) {
  const members = new Set(state.conversations.get(conversationId)?.member_ids ?? []);
  const lower = prefix.toLowerCase();
  return [...state.users.values()]
    .filter((user) => user.id !== state.me?.id && isListed(user) && matches(user, lower))
    .sort((a, b) => Number(members.has(b.id)) - Number(members.has(a.id)) || nameOf(a.id).localeCompare(nameOf(b.id)))
    .slice(0, MAX_SHOWN);
}

/**
 * Attach completion to the message box. Register before the box's own keydown handler:
 * keys used here are marked with preventDefault, which the box checks.
 * @param {HTMLTextAreaElement} input @param {string} conversationId
 * @returns {HTMLElement} the list, to place next to the box
 */
export function mentionCompletion(input, conversationId) {
  const list = h('ul', { id: 'mention-list', class: 'mentions', role: 'listbox', 'aria-label': 'People to mention', hidden: true });
  /** @type {import('./store.js').User[]} */ let shown = [];
  let active = 0;
  input.setAttribute('aria-autocomplete', 'list');
  input.setAttribute('aria-controls', 'mention-list');

  const close = () => {
    shown = [];
    list.hidden = true;
    input.removeAttribute('aria-activedescendant');
  };
  const typed = () => TYPED.exec(input.value.slice(0, input.selectionStart ?? input.value.length));
  const choose = (/** @type {import('./store.js').User} */ user) => {
    const caret = input.selectionStart ?? input.value.length;
    const match = typed();
    if (!match) return close();
    const start = caret - match[1].length - 1;
    const insert = `@${user.username} `;
    input.value = input.value.slice(0, start) + insert + input.value.slice(caret);
    input.setSelectionRange(start + insert.length, start + insert.length);
    close();
    input.focus();
  };
  const render = () => {
    list.replaceChildren(
      ...shown.map((user, index) =>
        h('li', {
          id: `mention-${user.id}`,
          role: 'option',
          class: 'mention-option',
          'aria-selected': index === active ? 'true' : 'false',
          onmousedown: (/** @type {Event} */ event) => { event.preventDefault(); choose(user); },
        }, h('span', { class: 'name' }, nameOf(user.id)), ' ', h('span', { class: 'username' }, `@${user.username}`)),
      ),
    );
    list.hidden = shown.length === 0;
    if (shown.length) input.setAttribute('aria-activedescendant', `mention-${shown[active].id}`);
    else input.removeAttribute('aria-activedescendant');
  };
  const update = () => {
    const match = typed();
    shown = match ? candidates(conversationId, match[1]) : [];
    active = 0;
    render();
  };
  input.addEventListener('input', update);
  input.addEventListener('blur', close);
  input.addEventListener('keydown', (event) => {
    if (shown.length === 0 || event.isComposing) return;
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      active = (active + (event.key === 'ArrowDown' ? 1 : shown.length - 1)) % shown.length;
      render();
    } else if (event.key === 'Enter' || event.key === 'Tab') {
      choose(shown[active]);
    } else if (event.key === 'Escape') {
      close();
    } else {
      return;
    }
    event.preventDefault();
    event.stopPropagation();
  });
  return list;
}
