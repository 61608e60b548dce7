// @ts-check
/**
 * Building DOM nodes without HTML strings. Children are nodes or plain text (always text,
 * never parsed as HTML): user content goes through here or through markdown.js.
 */

/** @typedef {Node | string | number | null | undefined | false} Child */

/**
 * @param {string} tag
 * @param {Record<string, unknown>} [props] on* are listeners, `class` the class name,
 *   booleans toggle attributes, everything else is set as an attribute.
 * @param {...(Child | Child[])} children
 * @returns {HTMLElement}
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'style') throw new Error('inline styles break the CSP: use a class');
    if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2), /** @type {EventListener} */ (value));
    } else if (key === 'class') {
      el.className = String(value);
    } else if (value === true) {
      el.setAttribute(key, '');
    } else {
      el.setAttribute(key, String(value));
    }
  }
  append(el, children);
  return el;
}

/**
 * @param {Element | DocumentFragment} parent
 * @param {(Child | Child[])[]} children
 */
export function append(parent, children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(typeof child === 'number' ? String(child) : child);
  }
}

/** @param {string} id */
export function byId(id) {
  const el = document.getElementById(id);
  if (!el) throw new Error(`no element #${id}`);
  return el;
}

/** Announce a short text to screen readers through the polite live region. */
export function announce(text) {
  const region = document.getElementById('announcer');
  if (region) region.textContent = text;
}

const NOTICE_MS = 5000;
const ERROR_MS = 12000;
/** @type {ReturnType<typeof setTimeout> | undefined} */
let toastTimer;

/**
 * Tell everyone, not only screen readers: the text in the live region and, for sighted users,
 * in a toast at the bottom of the window that goes away by itself or when closed.
 * @param {string} text @param {'notice' | 'error'} [kind]
 */
export function tell(text, kind = 'notice') {
  announce(text);
  let toast = document.getElementById('toast');
  if (!toast) {
    toast = h('div', { id: 'toast', class: 'toast', hidden: true });
    document.body.append(toast);
  }
  const close = h('button', { type: 'button', class: 'close', 'aria-label': 'Close', onclick: () => { if (toast) toast.hidden = true; } }, '×');
  toast.className = `toast ${kind}`;
  toast.replaceChildren(h('span', { class: 'text' }, text), close);
  toast.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { if (toast) toast.hidden = true; }, kind === 'error' ? ERROR_MS : NOTICE_MS);
}

/**
 * Ask before something that cannot be taken back, in place (no browser dialog, which the page
 * never opens): `box` shows the question, a danger button that does it and one that keeps
 * things as they were (the children `box` had before).
 * @param {HTMLElement} box @param {string} question @param {string} yes @param {string} keep @param {() => void} onYes
 */
export function askInPlace(box, question, yes, keep, onYes) {
  const before = [...box.childNodes];
  const sure = h('button', { type: 'button', class: 'danger', onclick: onYes }, yes);
  box.replaceChildren(h('p', { role: 'status' }, question), sure, h('button', { type: 'button', onclick: () => box.replaceChildren(...before) }, keep));
  sure.focus();
}

/** Something the user asked for failed: say what, visibly. @param {unknown} error */
export function showError(error) {
  tell(error instanceof Error ? error.message : String(error), 'error');
}

/**
 * Replace `parent`'s children, keeping the keyboard focus (and a text field's selection)
 * on an element that is among the new children too: re-inserting a node blurs it, and a
 * re-render must not end an edit in progress or move a keyboard user's place.
 * @param {HTMLElement} parent @param {Node[]} children
 */
export function replaceKeepingFocus(parent, children) {
  const active = document.activeElement;
  const kept = active instanceof HTMLElement && parent.contains(active) ? active : null;
  const field = kept instanceof HTMLTextAreaElement || kept instanceof HTMLInputElement ? kept : null;
  const range = field ? [field.selectionStart, field.selectionEnd] : null;
  parent.replaceChildren(...children);
  if (!kept || !kept.isConnected || document.activeElement === kept) return;
  kept.focus({ preventScroll: true });
  if (field && range && range[0] !== null && range[1] !== null) field.setSelectionRange(range[0], range[1]);
}
