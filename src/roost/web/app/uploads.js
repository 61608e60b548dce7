// @ts-check
/**
 * Resumable uploads (docs/files.md): announce the file, then PATCH it in chunks with
 * Upload-Offset; progress is reported as bytes arrive, and cancel deletes the upload.
 */
import { ApiError, errorOf, headersFor, post } from './api.js';

const CHUNK_BYTES = 4 * 1024 * 1024;

/**
 * @typedef {{promise: Promise<import('./store.js').Attachment>, cancel: () => void}} UploadHandle
 */

/**
 * @param {string} url
 * @param {Blob} chunk
 * @param {number} offset
 * @param {(sent: number) => void} progress
 * @param {(xhr: XMLHttpRequest) => void} started
 * @returns {Promise<any>}
 */
function patch(url, chunk, offset, progress, started) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('PATCH', url);
    const headers = headersFor('PATCH', {
      'Content-Type': 'application/offset+octet-stream',
      'Upload-Offset': String(offset),
      'Tus-Resumable': '1.0.0',
    });
    for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
    xhr.responseType = 'json';
    xhr.upload.addEventListener('progress', (event) => progress(event.loaded));
    xhr.addEventListener('load', async () => {
      if (xhr.status === 200) resolve(xhr.response);
      else reject(await errorOf(new Response(JSON.stringify(xhr.response), { status: xhr.status })));
    });
    xhr.addEventListener('error', () => reject(new ApiError(0, 'upload.network', 'The connection dropped.')));
    xhr.addEventListener('abort', () => reject(new ApiError(0, 'upload.cancelled', 'Upload cancelled.')));
    started(xhr);
    xhr.send(chunk);
  });
}

/**
 * @param {string} conversationId
 * @param {File} file
 * @param {(sent: number, total: number) => void} onProgress
 * @returns {UploadHandle}
 */
export function upload(conversationId, file, onProgress) {
  let cancelled = false;
  /** @type {XMLHttpRequest | null} */ let current = null;
  /** @type {string | null} */ let url = null;
  let finished = false;
  const run = async () => {
    const contentType = file.type || 'application/octet-stream';
    const created = await post(`/conversations/${conversationId}/uploads`, { name: file.name, size: file.size, content_type: contentType });
    url = created.url;
    let state = created;
    while (!state.file) {
      if (cancelled) throw new ApiError(0, 'upload.cancelled', 'Upload cancelled.');
      const offset = state.offset;
      const chunk = file.slice(offset, offset + CHUNK_BYTES);
      state = await patch(created.url, chunk, offset, (sent) => onProgress(offset + sent, file.size), (xhr) => { current = xhr; });
      onProgress(state.offset, file.size);
    }
    finished = true;
    return state.file;
  };
  const cancel = () => {
    cancelled = true;
    current?.abort();
    // A finished upload is a file no message carries yet: the server removes it after files.unattached_hours.
    if (url && !finished) fetch(url, { method: 'DELETE', headers: headersFor('DELETE') }).catch(() => undefined);
  };
  return { promise: run(), cancel };
}
