// @ts-check
/** One message as a list item: sender, time, reply quote, Markdown body (or a notice), attachments, reactions, actions. */
import { avatar, avatarKey } from './avatar.js';
import { h } from './dom.js';
import { fileSize, fullDate, timeOf } from './format.js';
import { renderMarkdown } from './markdown.js';
import { actionBar, reactionList } from './message-actions.js';
import { nameOf } from './store.js';

/** @typedef {import('./message-actions.js').Hooks} Hooks */

/** Bodies that XMPP clients send in place of an end-to-end encrypted message they could not show. */
const ENCRYPTED_FALLBACK = /^(I sent you an OMEMO encrypted message|This message is OMEMO encrypted|\[This message is OMEMO encrypted\])/;

/** An image opens the full-size viewer; any other file is a card with a download link. @param {Hooks} hooks */
const attachment = (hooks) => (/** @type {import('./store.js').Attachment} */ file) => {
  if (file.thumbnail_url) {
    const image = h('img', {
      src: file.thumbnail_url,
      alt: file.name,
      loading: 'lazy',
      width: file.width && file.height ? Math.min(file.width, 320) : false,
      height: file.width && file.height ? Math.round((Math.min(file.width, 320) * file.height) / file.width) : false,
    });
    const view = () => hooks.viewImage(file.id);
    return h('button', { type: 'button', class: 'image', 'data-file-id': file.id, 'aria-label': `View ${file.name}`, onclick: view }, image);
  }
  return h(
    'div',
    { class: 'file-card' },
    h('span', { class: 'file-icon', 'aria-hidden': 'true' }, (file.name.split('.').pop() || 'file').slice(0, 4).toUpperCase()),
    h('a', { href: file.url, download: file.name }, file.name),
    h('span', { class: 'file-size' }, fileSize(file.size)),
  );
};

/** A link to a file on this server: an XMPP client's upload (XEP-0363) or a file shared here. */
const FILE_LINK = /^https?:\/\/([^/\s]+)(\/file\/[A-Za-z0-9_-]{16,128}\/([^/\\\s?#]+))$/;
const FILE_PATH = /^\/file\/[A-Za-z0-9_-]{16,128}\/[^/]+$/;
const IMAGE_NAME = /\.(png|jpe?g|gif|webp)$/i;

/**
 * A body that is only a link to an image on this server (a photo sent from an XMPP client)
 * shows the image, fetched from this origin by its path (the link may name the server by
 * another of its addresses); if it does not load, the link shows as text. Other bodies: null.
 * @param {string} text
 */
function linkedImage(text) {
  const found = FILE_LINK.exec(text.trim());
  if (!found) return null;
  const path = new URL(found[2], location.origin).pathname; // as the browser will ask for it
  if (!FILE_PATH.test(path)) return null; // dot segments or the like: not one of our file links
  let name = found[3];
  try { name = decodeURIComponent(name); } catch { /* shown as it is */ }
  if (!IMAGE_NAME.test(name)) return null;
  const box = h('div', { class: 'attachments' });
  const image = h('img', { src: path, alt: name, loading: 'lazy' });
  image.addEventListener('error', () => box.replaceWith(plainBody(text)));
  box.append(h('a', { href: path, target: '_blank', rel: 'noopener', class: 'image', 'aria-label': `Open ${name}` }, image));
  return box;
}

/** A tombstone's text: deleted by its sender, or removed by a room admin (with their reason). @param {import('./store.js').Message} m */
function deletedNotice(m) {
  if (m.deleted_by == null || m.deleted_by === m.sender_id) return 'Message deleted';
  return `Removed by ${nameOf(m.deleted_by)}${m.deletion_reason ? `: ${m.deletion_reason}` : ''}`;
}

/** @param {import('./store.js').Message} message */
function body(message) {
  if (message.deleted) return h('p', { class: 'deleted' }, deletedNotice(message));
  if (message.encryption || ENCRYPTED_FALLBACK.test(message.body)) {
    return h(
      'p',
      { class: 'encrypted', role: 'note' },
      h('span', { class: 'lock', 'aria-hidden': 'true' }, '🔒'),
      ' Encrypted message — open it in your XMPP client',
    );
  }
  return linkedImage(message.body) ?? plainBody(message.body);
}

/** @param {string} text */
function plainBody(text) {
  const content = h('div', { class: 'body', dir: 'auto' }); // Arabic or Hebrew text runs right to left
  content.append(renderMarkdown(text));
  return content;
}

/**
 * What a reply's quote shows of the message it replies to, as it is now (not loaded yet, edited, deleted).
 * @param {import('./store.js').Message | undefined} original
 */
function quoteOf(original) {
  const who = original ? nameOf(original.sender_id) : 'someone';
  const text = !original ? 'an earlier message' : original.deleted ? deletedNotice(original) : original.encryption ? 'Encrypted message' : original.body.slice(0, 140);
  return { who, text };
}

/**
 * A key that changes whenever the rendering of the message would: a reply's also when the
 * message it quotes is loaded, edited or deleted (an old text must not stay on screen).
 * @param {import('./store.js').Message} m @param {(id: string) => import('./store.js').Message | undefined} find
 */
export function versionOf(m, find) {
  const shown = `${m.edited_at}|${m.deleted}|${JSON.stringify(m.reactions)}|${m.attachments?.length ?? 0}|${m.encryption ?? ''}`;
  const quote = m.reply_to ? JSON.stringify(quoteOf(find(m.reply_to))) : '';
  return `${shown}|${avatarKey(m.sender_id)}|${quote}`;
}

/**
 * The quote of the message this one replies to: a button that shows the original.
 * @param {string} id @param {import('./store.js').Message | undefined} original @param {Hooks} hooks
 */
function replyQuote(id, original, hooks) {
  const { who, text } = quoteOf(original);
  return h(
    'button',
    { type: 'button', class: 'reply-to', 'aria-label': `Replying to ${who}: ${text}. Show the original`, onclick: () => hooks.jumpTo(id) },
    h('span', { class: 'reply-sender' }, `↪ ${who}`),
    ' ',
    h('span', { class: 'reply-text' }, text),
  );
}

/**
 * @param {import('./store.js').Message} message
 * @param {boolean} continued the previous message is from the same sender, close in time
 * @param {(id: string) => import('./store.js').Message | undefined} find
 * @param {Hooks} hooks
 */
export function messageItem(message, continued, find, hooks) {
  const sender = nameOf(message.sender_id);
  const replied = message.reply_to ? find(message.reply_to) : undefined;
  const node = h(
    'li',
    { class: continued ? 'message continued' : 'message', 'data-id': message.id, id: `message-${message.id}`, tabindex: -1 },
    h(
      'div',
      { class: 'meta' },
      avatar(message.sender_id),
      h('bdi', { class: 'sender' }, sender), // a right-to-left name does not pull the time into it
      ' ',
      h('time', { datetime: message.created_at, title: fullDate(message.created_at) }, timeOf(message.created_at)),
      message.edited_at && !message.deleted && !continued && h('span', { class: 'edited' }, ' (edited)'),
    ),
    message.reply_to && replyQuote(message.reply_to, replied, hooks),
    body(message),
    continued && message.edited_at && !message.deleted && h('span', { class: 'edited' }, '(edited)'), // its .meta is hidden
    !message.deleted && (message.attachments ?? []).length > 0 && h('div', { class: 'attachments' }, (message.attachments ?? []).map(attachment(hooks))),
    message.reactions.length > 0 && reactionList(message),
  );
  if (!message.deleted) node.append(actionBar(node, message, hooks));
  return node;
}
