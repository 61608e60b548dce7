// @ts-check
/**
 * Keyboard shortcuts (docs/web.md): Alt+ArrowUp and Alt+ArrowDown open the previous and next
 * conversation of the list; Escape closes the members panel (dialogs, the emoji picker,
 * @mentions and editing handle their own Escape first); "?" shows them all.
 */
import { h } from './dom.js';
import { modal } from './rooms.js';
import { sortedConversations, state } from './store.js';

/** Every shortcut of the client, as the help lists them (the same as docs/web.md). */
const SHORTCUTS = [
  ['Alt+↓ / Alt+↑', 'Open the next / previous conversation of the list, from anywhere, the message box included'],
  ['Escape', 'Close the members panel, a dialog, the image viewer, the emoji picker, @mention completion, a reply or an edit'],
  ['← / →', 'In the image viewer: previous / next image'],
  ['Enter / Shift+Enter', 'In the message box: send / a new line'],
  ['?', 'This list (outside a text field)'],
];

/** The list of shortcuts, in a modal dialog (Escape or Close closes it). */
export function showShortcuts() {
  const dialog = modal('shortcuts', 'Keyboard shortcuts');
  dialog.append(h(
    'table',
    { class: 'shortcuts', 'aria-labelledby': 'shortcuts-heading' },
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Keys'), h('th', { scope: 'col' }, 'What'))),
    h('tbody', {}, SHORTCUTS.map(([keys, what]) => h('tr', {}, h('th', { scope: 'row' }, h('kbd', {}, keys)), h('td', {}, what)))),
  ));
  document.body.append(dialog);
  dialog.showModal();
}

/** @param {KeyboardEvent} event */
const isConversationStep = (event) =>
  event.altKey && !event.ctrlKey && !event.metaKey && !event.shiftKey && (event.key === 'ArrowUp' || event.key === 'ArrowDown');

/** The conversation one step up or down the list from the open one (the first or last when none is open). @param {number} step */
function neighbour(step) {
  const list = sortedConversations();
  const at = list.findIndex((c) => c.id === state.current);
  const next = at < 0 ? (step > 0 ? 0 : list.length - 1) : at + step;
  return list[next];
}

/** @param {EventTarget | null} target */
const isTextField = (target) => target instanceof HTMLTextAreaElement || (target instanceof HTMLInputElement && !target.closest('.members-panel'));

/** Any text field, the members panel's too: "?" is typed there, not a shortcut. @param {EventTarget | null} target */
const isTyping = (target) => target instanceof HTMLTextAreaElement || target instanceof HTMLInputElement || target instanceof HTMLSelectElement;

/**
 * @param {{open: (id: string) => void, closePanel: () => boolean}} actions
 * @returns {() => void} remove them
 */
export function installShortcuts(actions) {
  const onKey = (/** @type {KeyboardEvent} */ event) => {
    if (event.defaultPrevented || document.querySelector('dialog[open]')) return;
    if (isConversationStep(event)) {
      const next = neighbour(event.key === 'ArrowUp' ? -1 : 1);
      if (!next) return;
      event.preventDefault();
      actions.open(next.id);
    } else if (event.key === 'Escape' && !isTextField(event.target) && actions.closePanel()) {
      event.preventDefault();
    } else if (event.key === '?' && !event.ctrlKey && !event.metaKey && !event.altKey && !isTyping(event.target)) {
      event.preventDefault();
      showShortcuts();
    }
  };
  document.addEventListener('keydown', onKey);
  return () => document.removeEventListener('keydown', onKey);
}
