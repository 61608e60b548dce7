// @ts-check
/** Entry point: resume this tab's session if it has one, else show the sign-in form. */
import { csrfToken, get } from './api.js';
import { startApp } from './app.js';
import { byId } from './dom.js';
import { showLogin } from './login.js';

const root = byId('app');

function signIn() {
  showLogin(root, (user) => startApp(root, user, signIn));
}

async function boot() {
  if (!csrfToken()) return signIn();
  try {
    startApp(root, await get('/me'), signIn);
  } catch {
    signIn();
  }
}

boot();
