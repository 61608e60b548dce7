// @ts-check
/** A page of the main area that is not a conversation (search, admin, profile): a titled section. */
import { h } from './dom.js';

/**
 * @param {string} name e.g. "search": the section's class and its heading's id
 * @param {string} title
 * @param {() => void} back for phone width: back to the list
 * @param {...(HTMLElement | false)} content
 */
export function page(name, title, back, ...content) {
  return h(
    'section',
    { class: `page ${name}-page`, 'aria-labelledby': `${name}-heading` },
    h('header', { class: 'page-header' },
      h('button', { type: 'button', class: 'back', onclick: back, 'aria-label': 'Back to conversations' }, '‹'),
      h('h2', { id: `${name}-heading`, tabindex: -1 }, title)),
    ...content,
  );
}
