// @ts-check
/**
 * The JSON API: fetch with the session cookie, the CSRF token on state-changing requests,
 * and Roost's {"error": {code, message}} bodies turned into ApiError.
 */

const CSRF_KEY = 'roost.csrf';
const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

export class ApiError extends Error {
  /** @param {number} status @param {string} code @param {string} message */
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** The CSRF token of this tab's session (kept in sessionStorage: gone when the tab closes). */
export function csrfToken() {
  return sessionStorage.getItem(CSRF_KEY) || '';
}

/** @param {string} token */
export function setCsrfToken(token) {
  if (token) sessionStorage.setItem(CSRF_KEY, token);
  else sessionStorage.removeItem(CSRF_KEY);
}

/**
 * Headers for a request of this method: the CSRF token unless the method is safe.
 * @param {string} method
 * @param {Record<string, string>} [extra]
 */
export function headersFor(method, extra = {}) {
  /** @type {Record<string, string>} */
  const headers = { Accept: 'application/json', ...extra };
  if (!SAFE.has(method)) headers['X-CSRF-Token'] = csrfToken();
  return headers;
}

/**
 * @param {Response} response
 * @returns {Promise<ApiError>}
 */
export async function errorOf(response) {
  try {
    const body = await response.json();
    return new ApiError(response.status, body.error.code, body.error.message);
  } catch {
    return new ApiError(response.status, 'http.' + response.status, `The server answered ${response.status}.`);
  }
}

/**
 * @param {string} method
 * @param {string} path under /api/v1, e.g. "/conversations"
 * @param {unknown} [body] sent as JSON
 * @returns {Promise<any>}
 */
export async function api(method, path, body) {
  const extra = body === undefined ? {} : { 'Content-Type': 'application/json' };
  const response = await fetch('/api/v1' + path, {
    method,
    headers: headersFor(method, extra),
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'same-origin',
  });
  if (!response.ok) throw await errorOf(response);
  if (response.status === 204) return null;
  return response.json();
}

export const get = (/** @type {string} */ path) => api('GET', path);
export const post = (/** @type {string} */ path, /** @type {unknown} */ body) => api('POST', path, body ?? {});
export const put = (/** @type {string} */ path, /** @type {unknown} */ body) => api('PUT', path, body ?? {});
export const patch = (/** @type {string} */ path, /** @type {unknown} */ body) => api('PATCH', path, body);
export const del = (/** @type {string} */ path) => api('DELETE', path);
