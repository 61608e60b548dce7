// @ts-check
/**
 * Keyboard shortcuts (docs/web.md): Alt+ArrowUp and Alt+ArrowDown open the previous and next
 * conversation of the list; Escape closes the members panel (dialogs, the emoji picker,
 * @mentions and editing handle their own Escape first).
 */
import { sortedConversations, state } from './store.js';

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
    }
  };
  document.addEventListener('keydown', onKey);
  return () => document.removeEventListener('keydown', onKey);
}
