// @ts-check
/** Your own status: available, away or busy, with an optional message; kept across reconnects. */
import { h } from './dom.js';

const CHOICES = [
  ['available', 'Available'],
  ['away', 'Away'],
  ['dnd', 'Busy'],
];

/** @typedef {{show: string, status: string}} OwnPresence */

/**
 * @param {(presence: OwnPresence) => void} change
 * @returns {{element: HTMLElement, current: () => OwnPresence}}
 */
export function presenceMenu(change) {
  const select = /** @type {HTMLSelectElement} */ (
    h('select', { id: 'my-status', class: 'status-select' }, CHOICES.map(([value, label]) => h('option', { value }, label)))
  );
  const message = /** @type {HTMLInputElement} */ (
    h('input', { id: 'my-status-message', class: 'status-message', placeholder: 'Status message', maxlength: 500 })
  );
  const current = () => ({ show: select.value, status: message.value.trim() });
  select.addEventListener('change', () => change(current()));
  message.addEventListener('change', () => change(current()));
  message.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') message.blur(); // commits: fires 'change'
  });
  const element = h(
    'div',
    { class: 'presence-menu', role: 'group', 'aria-label': 'Your status' },
    h('label', { for: 'my-status', class: 'sr-only' }, 'Your status'),
    select,
    h('label', { for: 'my-status-message', class: 'sr-only' }, 'Status message'),
    message,
  );
  return { element, current };
}
