// @ts-check
/**
 * A small emoji picker: a grid of common emoji, each a button named in words. Arrow keys move
 * between them, Enter or a click picks one, Escape closes and gives focus back to the opener.
 */
import { h } from './dom.js';

export const EMOJI = /** @type {[string, string][]} */ ([
  ['👍', 'thumbs up'],
  ['👎', 'thumbs down'],
  ['❤️', 'red heart'],
  ['😂', 'face with tears of joy'],
  ['😄', 'grinning face'],
  ['😮', 'surprised face'],
  ['😢', 'crying face'],
  ['🤔', 'thinking face'],
  ['🎉', 'party popper'],
  ['🙏', 'folded hands'],
  ['👏', 'clapping hands'],
  ['👀', 'eyes'],
  ['🔥', 'fire'],
  ['🚀', 'rocket'],
  ['✅', 'check mark'],
  ['💯', 'hundred points'],
]);
const COLUMNS = 8;
const MOVES = /** @type {Record<string, number>} */ ({ ArrowRight: 1, ArrowLeft: -1, ArrowDown: COLUMNS, ArrowUp: -COLUMNS });

/** The words for an emoji, for accessible names. @param {string} emoji */
export const emojiName = (emoji) => EMOJI.find(([e]) => e === emoji)?.[1] ?? emoji;

/**
 * Open a picker next to `opener`; it removes itself once something is picked or it is closed.
 * @param {HTMLElement} opener the button that opened it (focus goes back there)
 * @param {(emoji: string) => void} pick
 */
export function openEmojiPicker(opener, pick) {
  const close = () => {
    picker.remove();
    opener.setAttribute('aria-expanded', 'false');
    opener.focus();
  };
  const buttons = EMOJI.map(([emoji, name]) =>
    h('button', { type: 'button', class: 'emoji', 'aria-label': name, title: name, onclick: () => { close(); pick(emoji); } }, emoji),
  );
  const grid = h('div', { class: 'emoji-grid', role: 'group', 'aria-label': 'Emoji' }, buttons);
  const picker = h('div', { class: 'emoji-picker', role: 'dialog', 'aria-label': 'Pick a reaction' }, grid);
  picker.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') {
      event.preventDefault();
      event.stopPropagation();
      close();
      return;
    }
    const move = MOVES[event.key];
    if (move === undefined) return;
    event.preventDefault();
    const at = buttons.indexOf(/** @type {HTMLElement} */ (document.activeElement));
    buttons[Math.max(0, Math.min(buttons.length - 1, at + move))].focus();
  });
  picker.addEventListener('focusout', (event) => {
    const next = /** @type {Node | null} */ (event.relatedTarget);
    if (next && !picker.contains(next) && next !== opener) {
      picker.remove();
      opener.setAttribute('aria-expanded', 'false');
    }
  });
  opener.setAttribute('aria-expanded', 'true');
  opener.after(picker);
  buttons[0].focus();
}
