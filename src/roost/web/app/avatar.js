// @ts-check
/**
 * A person's avatar: the small square picture the server makes of it, or their initials on a
 * colour of their own when they have none. Next to their name it is decoration (empty alt,
 * hidden from screen readers); on its own it is labelled with the name.
 */
import { h } from './dom.js';
import { nameOf, state } from './store.js';

const HUES = 8;

/** @param {string} name */
export function initialsOf(name) {
  const words = name.trim().split(/\s+/).filter(Boolean);
  const letters = words.length > 1 ? [words[0], words[words.length - 1]] : words;
  return letters.map((word) => Array.from(word)[0] ?? '').join('').toUpperCase() || '?';
}

/** @param {number} userId */
function userOf(userId) {
  return state.users.get(userId) ?? (state.me?.id === userId ? state.me : undefined);
}

/** What the avatar shows now: it changes when the person's picture or name does. @param {number} userId */
export function avatarKey(userId) {
  return `${userOf(userId)?.avatar_url ?? ''}|${nameOf(userId)}`;
}

/**
 * @param {number} userId
 * @param {{size?: 'small' | 'large', labelled?: boolean}} [options]
 *   labelled: the name is not shown next to it, so the picture carries it (alt text)
 * @returns {HTMLElement}
 */
export function avatar(userId, { size = 'small', labelled = false } = {}) {
  const name = nameOf(userId);
  const url = userOf(userId)?.avatar_url;
  const hidden = labelled ? false : 'true';
  if (url) {
    const src = size === 'small' ? `${url}&size=small` : url;
    return h('img', { class: `avatar ${size}`, src, alt: labelled ? name : '', 'aria-hidden': hidden, loading: 'lazy' });
  }
  return h(
    'span',
    { class: `avatar ${size} initials hue-${userId % HUES}`, role: labelled ? 'img' : false, 'aria-label': labelled ? name : false, 'aria-hidden': hidden },
    initialsOf(name),
  );
}
