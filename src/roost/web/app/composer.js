// @ts-check
/**
 * The message box: Enter sends (Shift+Enter for a new line), typing indicators, @mention
 * completion, replies, and files (picker, drag and drop, paste) uploaded at once, with
 * progress and cancel, sent with the next message. Text not sent yet stays as a draft of its
 * conversation while others are open (files and a reply being written do not).
 */
import { announce, h, tell } from './dom.js';
import { fileSize, newClientId } from './format.js';
import { mentionCompletion } from './mentions.js';
import { emit, nameOf } from './store.js';
import { upload } from './uploads.js';

const TYPING_REPEAT_MS = 3000;

/**
 * @typedef {{command: (c: any) => Promise<any>, fire: (c: any) => void}} Commands
 * @typedef {{client_id: string, conversation_id: string, body: string, files: string[], reply_to: string | null}} PendingSend
 */

/** Messages sent but not acknowledged yet, shown as "Sending…". @type {Map<string, PendingSend>} */
export const outbox = new Map();

/** What was typed and not sent, by conversation: it waits while another conversation is open. @type {Map<string, string>} */
const drafts = new Map();

/**
 * @param {string} conversationId
 * @param {string} title who or what the message goes to, for the accessible name
 * @param {Commands} connection
 */
export function composer(conversationId, title, connection) {
  /** @type {Map<string, {id: string | null, cancel: () => void, item: HTMLElement}>} */
  const files = new Map();
  let lastTyping = 0;
  const input = /** @type {HTMLTextAreaElement} */ (
    h('textarea', { id: 'composer-input', rows: 1, dir: 'auto', placeholder: `Message ${title}`, 'aria-label': `Message ${title}` })
  );
  input.value = drafts.get(conversationId) ?? '';
  /** Kept when the conversation closes (`dispose`): typed, completed, or sent (then none). */
  const keepDraft = () => { if (input.value) drafts.set(conversationId, input.value); else drafts.delete(conversationId); };
  /** The conversation's name changed (a room renamed). @param {string} now */
  const retitle = (now) => {
    input.placeholder = `Message ${now}`;
    input.setAttribute('aria-label', `Message ${now}`);
  };
  const picker = /** @type {HTMLInputElement} */ (h('input', { type: 'file', id: 'attach', multiple: true, class: 'sr-only' }));
  const attachLabel = h('label', { for: 'attach', class: 'attach', title: 'Attach files' }, h('span', { class: 'attach-icon', 'aria-hidden': 'true' }, '+'), h('span', { class: 'sr-only' }, 'Attach files'));
  const sendButton = h('button', { type: 'submit', class: 'send' }, 'Send');
  const uploads = h('ul', { class: 'uploads', 'aria-label': 'Files to send' });
  const mentions = mentionCompletion(input, conversationId);
  /** @type {string | null} */ let replyTo = null;
  const replyBar = h('div', { class: 'replying', hidden: true });

  /** Reply to a message: shown above the box until sent or cancelled. @param {import('./store.js').Message} message */
  const reply = (message) => {
    replyTo = message.id;
    const text = message.body.slice(0, 120);
    replyBar.replaceChildren(
      h('span', { class: 'reply-label' }, `Replying to ${nameOf(message.sender_id)}: `, h('span', { class: 'reply-text' }, text)),
      h('button', { type: 'button', class: 'cancel', 'aria-label': 'Cancel reply', onclick: cancelReply }, '✕'),
    );
    replyBar.hidden = false;
    input.focus();
  };
  const cancelReply = () => {
    replyTo = null;
    replyBar.hidden = true;
    replyBar.replaceChildren();
  };

  const typing = (/** @type {boolean} */ active) => {
    connection.fire({ type: 'typing', conversation_id: conversationId, active });
    lastTyping = active ? Date.now() : 0;
  };

  /** @param {File} file */
  const addFile = (file) => {
    const key = newClientId();
    const bar = /** @type {HTMLProgressElement} */ (h('progress', { max: file.size || 1, value: 0, 'aria-label': `Uploading ${file.name}` }));
    const cancel = h('button', { type: 'button', class: 'cancel', 'aria-label': `Remove ${file.name}` }, '✕');
    const item = h('li', { class: 'upload' }, h('span', { class: 'name' }, file.name), h('span', { class: 'size' }, fileSize(file.size)), bar, cancel);
    const handle = upload(conversationId, file, (sent) => { bar.value = sent; });
    const entry = { id: /** @type {string | null} */ (null), cancel: handle.cancel, item };
    files.set(key, entry);
    cancel.addEventListener('click', () => {
      handle.cancel();
      files.delete(key);
      item.remove();
      announce(`Removed ${file.name}`);
    });
    handle.promise.then(
      (stored) => {
        entry.id = stored.id;
        bar.value = file.size || 1;
        bar.setAttribute('aria-label', `${file.name} uploaded`);
        item.classList.add('done');
      },
      (error) => {
        if (error.code === 'upload.cancelled') return;
        item.classList.add('failed');
        item.append(h('span', { role: 'alert' }, `${file.name}: ${error.message}`));
      },
    );
    uploads.append(item);
  };

  const submit = async () => {
    if ([...files.values()].some((f) => f.id === null)) {
      tell('Wait for the files to finish uploading.', 'error');
      return;
    }
    const body = input.value;
    const attachments = [...files.values()].map((f) => /** @type {string} */ (f.id));
    if (!body.trim() && attachments.length === 0) return;
    const pending = { client_id: newClientId(), conversation_id: conversationId, body, files: attachments, reply_to: replyTo };
    const sentFiles = [...files.entries()];
    const sentReply = replyTo ? { id: replyTo, parts: [...replyBar.childNodes] } : null;
    input.value = '';
    cancelReply();
    files.clear();
    uploads.replaceChildren();
    typing(false);
    outbox.set(pending.client_id, pending);
    emit(`messages:${conversationId}`);
    try {
      await connection.command({ type: 'send', client_id: pending.client_id, conversation_id: conversationId, body, attachments, reply_to: pending.reply_to });
    } catch (error) {
      tell(`Not sent: ${/** @type {Error} */ (error).message}`, 'error');
      if (!input.value) { // nothing is lost: the text, its files and its reply are back to fix
        input.value = body;
        if (!input.isConnected && !drafts.has(conversationId)) keepDraft(); // closed meanwhile; not over newer text
        if (files.size === 0) for (const [key, entry] of sentFiles) { files.set(key, entry); uploads.append(entry.item); }
        if (!replyTo && sentReply) {
          replyTo = sentReply.id;
          replyBar.replaceChildren(...sentReply.parts);
          replyBar.hidden = false;
        }
      }
    } finally {
      outbox.delete(pending.client_id);
      emit(`messages:${conversationId}`);
    }
  };

  input.addEventListener('keydown', (event) => {
    if (event.defaultPrevented) return; // taken by the mention list
    if (event.key === 'Escape' && replyTo) cancelReply();
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      submit();
    }
  });
  input.addEventListener('input', () => {
    if (!input.value) typing(false);
    else if (Date.now() - lastTyping > TYPING_REPEAT_MS) typing(true);
  });
  input.addEventListener('paste', (event) => {
    for (const file of event.clipboardData?.files ?? []) addFile(file);
  });
  picker.addEventListener('change', () => {
    for (const file of picker.files ?? []) addFile(file);
    picker.value = '';
  });
  const form = h('form', { class: 'composer', 'aria-label': 'Send a message' }, replyBar, uploads, mentions, h('div', { class: 'row' }, picker, attachLabel, input, sendButton));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    submit();
  });
  return { form, input, addFile, reply, retitle, dispose: keepDraft };
}
