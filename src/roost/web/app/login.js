// @ts-check
/** The sign-in form. */
import { ApiError, post, setCsrfToken } from './api.js';
import { h } from './dom.js';

/** What the sign-in page says when the server ended the session (close reasons of docs/events.md). */
const ENDED = /** @type {Record<string, string>} */ ({
  'account disabled': 'Your account has been disabled. Ask an administrator if this is a mistake.',
  'account deleted': 'Your account has been deleted.',
  'logged out': 'You were signed out.',
});

/**
 * @param {HTMLElement} root
 * @param {(user: import('./store.js').User) => void} signedIn
 * @param {string} [ended] the server's reason for ending the last session, if it did
 */
export function showLogin(root, signedIn, ended) {
  const username = h('input', { id: 'username', name: 'username', autocomplete: 'username', required: true });
  const password = h('input', { id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const error = h('p', { class: 'error', role: 'alert' }, ended ? ENDED[ended] ?? 'Your session has ended.' : '');
  const button = h('button', { type: 'submit' }, 'Sign in');
  const form = h(
    'form',
    { class: 'login', 'aria-labelledby': 'login-heading' },
    h('h1', { id: 'login-heading' }, 'Sign in to Roost'),
    h('label', { for: 'username' }, 'Username'),
    username,
    h('label', { for: 'password' }, 'Password'),
    password,
    error,
    button,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    button.setAttribute('disabled', '');
    try {
      const body = {
        username: /** @type {HTMLInputElement} */ (username).value,
        password: /** @type {HTMLInputElement} */ (password).value,
      };
      const answer = await post('/login', body);
      setCsrfToken(answer.csrf_token);
      signedIn(answer.user);
    } catch (failure) {
      error.textContent = failure instanceof ApiError ? failure.message : 'The server cannot be reached.';
      button.removeAttribute('disabled');
    }
  });
  root.replaceChildren(h('main', { class: 'login-page' }, form));
  username.focus();
}
