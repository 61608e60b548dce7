// @ts-check
/**
 * Entry point: resume the browser's session if it has one (this tab's CSRF token, or, in a
 * new tab, the token asked for with the session cookie), else show the sign-in form.
 */
import { csrfToken, get, setCsrfToken } from './api.js';
import { startApp } from './app.js';
import { byId } from './dom.js';
import { showLogin } from './login.js';

const root = byId('app');

/** @param {string} [reason] why the server ended the last session, if it did */
function signIn(reason) {
  showLogin(root, (user) => startApp(root, user, signIn), reason);
}

/** Set at sign-in next to the HttpOnly session cookie: whether a session may exist at all. */
const hasSession = () => document.cookie.split('; ').includes('roost_signed_in=1');

async function boot() {
  if (!csrfToken() && !hasSession()) return signIn(undefined);
  try {
    if (!csrfToken()) setCsrfToken((await get('/csrf')).csrf_token);
    startApp(root, await get('/me'), signIn);
  } catch {
    signIn(undefined);
  }
}

boot();
