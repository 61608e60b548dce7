// @ts-check
/**
 * The full-size image viewer: a modal dialog named after the file, showing
 * `/api/v1/files/{id}/content`, with Download, Previous and Next (buttons or the arrow keys)
 * among the conversation's images, and Close (or Escape), which gives focus back to the thumbnail.
 */
import { h } from './dom.js';

/** @typedef {import('./store.js').Attachment} Attachment */

/**
 * @param {import('./store.js').Message[]} messages the conversation's shown messages, oldest first
 * @param {string} fileId the image to show first
 * @param {(file: Attachment) => HTMLElement | null | undefined} thumbnailOf where focus goes back on close
 */
export function openImageViewer(messages, fileId, thumbnailOf) {
  const images = messages.filter((m) => !m.deleted).flatMap((m) => m.attachments ?? []).filter((file) => file.thumbnail_url);
  const index = images.findIndex((file) => file.id === fileId);
  if (index < 0) return;
  let at = index;
  const heading = h('h2', { id: 'viewer-heading' });
  const image = /** @type {HTMLImageElement} */ (h('img', { class: 'full-image' }));
  const position = h('span', { class: 'viewer-position' });
  const download = h('a', { class: 'download' }, 'Download');
  const previous = h('button', { type: 'button', 'aria-label': 'Previous image', onclick: () => show(at - 1) }, '‹ Previous');
  const next = h('button', { type: 'button', 'aria-label': 'Next image', onclick: () => show(at + 1) }, 'Next ›');
  const dialog = /** @type {HTMLDialogElement} */ (h('dialog', { class: 'modal viewer', 'aria-labelledby': 'viewer-heading' }));
  const close = h('button', { type: 'button', class: 'close', 'aria-label': 'Close', onclick: () => dialog.close() }, '✕');
  dialog.append(
    h('div', { class: 'modal-head' }, heading, close),
    h('div', { class: 'viewer-frame' }, image),
    h('div', { class: 'viewer-actions' }, previous, position, next, download),
  );
  /** @param {number} where */
  const show = (where) => {
    if (where < 0 || where >= images.length) return;
    at = where;
    const file = images[at];
    heading.textContent = file.name;
    image.src = file.url;
    image.alt = file.name;
    download.setAttribute('href', file.url);
    download.setAttribute('download', file.name);
    download.setAttribute('aria-label', `Download ${file.name}`);
    position.textContent = images.length > 1 ? `${at + 1} of ${images.length}` : '';
    previous.hidden = images.length < 2;
    next.hidden = images.length < 2;
    previous.toggleAttribute('disabled', at === 0);
    next.toggleAttribute('disabled', at === images.length - 1);
    // a disabled button loses focus to the page, where the arrow keys would no longer reach us
    if (document.activeElement === previous && at === 0) next.focus();
    if (document.activeElement === next && at === images.length - 1) previous.focus();
  };
  dialog.addEventListener('keydown', (event) => {
    if (event.key === 'ArrowLeft') show(at - 1);
    else if (event.key === 'ArrowRight') show(at + 1);
  });
  dialog.addEventListener('close', () => {
    dialog.remove();
    const thumbnail = thumbnailOf(images[at]);
    thumbnail?.scrollIntoView({ block: 'nearest' });
    thumbnail?.focus();
  });
  show(index);
  document.body.append(dialog);
  dialog.showModal();
  close.focus();
}
