// @ts-check
/** One message as a list item: sender, time, Markdown body, attachments, reactions. */
import { h } from './dom.js';
import { fileSize, fullDate, timeOf } from './format.js';
import { renderMarkdown } from './markdown.js';
import { nameOf } from './store.js';

/** Bodies that XMPP clients send in place of an end-to-end encrypted message they could not show. */
const ENCRYPTED_FALLBACK = /^(I sent you an OMEMO encrypted message|This message is OMEMO encrypted|\[This message is OMEMO encrypted\])/;

/** @param {import('./store.js').Attachment} file */
function attachment(file) {
  if (file.thumbnail_url) {
    const image = h('img', {
      src: file.thumbnail_url,
      alt: file.name,
      loading: 'lazy',
      width: file.width && file.height ? Math.min(file.width, 320) : false,
      height: file.width && file.height ? Math.round((Math.min(file.width, 320) * file.height) / file.width) : false,
    });
    return h('a', { class: 'image', href: file.url, target: '_blank', rel: 'noopener noreferrer', title: file.name }, image);
  }
  return h(
    'div',
    { class: 'file-card' },
    h('span', { class: 'file-icon', 'aria-hidden': 'true' }, (file.name.split('.').pop() || 'file').slice(0, 4).toUpperCase()),
    h('a', { href: file.url, download: file.name }, file.name),
    h('span', { class: 'file-size' }, fileSize(file.size)),
  );
}

/** @param {import('./store.js').Message} message */
function body(message) {
  if (message.deleted) return h('p', { class: 'deleted' }, 'This message was deleted.');
  if (ENCRYPTED_FALLBACK.test(message.body)) return h('p', { class: 'encrypted' }, 'Encrypted message');
  const content = h('div', { class: 'body' });
  content.append(renderMarkdown(message.body));
  return content;
}

/** A key that changes whenever the rendering of the message would. @param {import('./store.js').Message} m */
export function versionOf(m) {
  return `${m.edited_at}|${m.deleted}|${JSON.stringify(m.reactions)}|${m.attachments?.length ?? 0}`;
}

/**
 * @param {import('./store.js').Message} message
 * @param {boolean} continued the previous message is from the same sender, close in time
 * @param {(id: string) => import('./store.js').Message | undefined} find
 */
export function messageItem(message, continued, find) {
  const sender = nameOf(message.sender_id);
  const replied = message.reply_to ? find(message.reply_to) : undefined;
  return h(
    'li',
    { class: continued ? 'message continued' : 'message', 'data-id': message.id },
    h(
      'div',
      { class: 'meta' },
      h('span', { class: 'sender' }, sender),
      ' ',
      h('time', { datetime: message.created_at, title: fullDate(message.created_at) }, timeOf(message.created_at)),
      message.edited_at && !message.deleted && h('span', { class: 'edited' }, ' (edited)'),
    ),
    message.reply_to &&
      h('p', { class: 'reply-to' }, replied ? `Replying to ${nameOf(replied.sender_id)}` : 'Replying to an earlier message'),
    body(message),
    !message.deleted && (message.attachments ?? []).length > 0 && h('div', { class: 'attachments' }, (message.attachments ?? []).map(attachment)),
    message.reactions.length > 0 &&
      h(
        'ul',
        { class: 'reactions', 'aria-label': 'Reactions' },
        message.reactions.map((r) =>
          h('li', { 'aria-label': `${r.emoji} ${r.user_ids.length}`, title: r.user_ids.map(nameOf).join(', ') }, `${r.emoji} ${r.user_ids.length}`),
        ),
      ),
  );
}
