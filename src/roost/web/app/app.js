// @ts-check
/**
 * The signed-in app: the layout (header, navigation, main), the WebSocket connection and
 * the routing between views. Areas live in their own modules; this one only wires them.
 */
import { post, setCsrfToken } from './api.js';
import { Connection } from './connection.js';
import { ConversationView } from './conversation.js';
import { directory } from './directory.js';
import { announce, h, showError } from './dom.js';
import { presenceMenu } from './presence-menu.js';
import { openNewRoom, openRoomDirectory } from './rooms.js';
import { conversationList } from './sidebar.js';
import { emit, nameOf, on, state } from './store.js';
import { installShortcuts, showShortcuts } from './shortcuts.js';
import { applyFrame, loadAll, loadConversation, loadConversations, replayBegins } from './sync.js';
import { notifyButton, notifyIncoming, unreadInTitle } from './notify.js';
import { searchView } from './search.js';
import { adminView } from './admin.js';
import { profileView } from './profile.js';

/**
 * @param {HTMLElement} root
 * @param {import('./store.js').User} me
 * @param {(reason?: string) => void} signedOut given why, when the server ended the session
 */
export function startApp(root, me, signedOut) {
  state.me = me;
  state.users.set(me.id, me);
  /** @type {ConversationView | null} */ let view = null;
  const status = h('p', { class: 'connection', role: 'status' }, 'Connecting…');
  const main = h('main', { id: 'main', class: 'main', tabindex: -1 }, h('p', { class: 'placeholder' }, 'Pick a conversation, or someone from the directory.'));
  const shell = h('div', { class: 'shell', 'data-view': 'list' });

  const connection = new Connection({
    onFrame: (frame) => {
      applyFrame(frame);
      if (frame.type === 'caught_up' && !frame.complete) restartFresh();
    },
    onStatus: (now) => {
      state.connection = now;
      status.textContent = now === 'online' ? '' : 'Reconnecting…';
      status.classList.toggle('offline', now !== 'online');
      emit('connection', now);
    },
    onOpen: (resumed) => {
      const own = menu.current();
      if (own.show !== 'available' || own.status) connection.fire({ type: 'presence', ...own });
      // A fresh start (first connection, or a catch-up too long to replay) reloads everything,
      // the open conversation's latest page too: its history was dropped.
      if (!resumed) loadAll().then(() => view?.refresh()).catch(showError);
      else {
        replayBegins();
        loadConversations().catch(() => undefined);
      }
    },
    onSignedOut: (reason) => finish(reason),
  });
  const restartFresh = () => {
    state.messages.clear();
    state.hasBefore.clear();
    state.windowEnd.clear();
    connection.resetCursor();
    connection.socket?.close(4000);
  };
  const menu = presenceMenu((presence) => connection.command({ type: 'presence', ...presence }).catch(() => undefined));

  const toList = () => shell.setAttribute('data-view', 'list');
  /** @param {string} id @param {string | null} [around] a message to show, highlighted */
  const open = (id, around = null) => {
    view?.dispose();
    state.current = id;
    emit('current');
    view = new ConversationView(id, connection, toList);
    main.replaceChildren(view.element);
    shell.setAttribute('data-view', 'conversation');
    view.start(around).catch(showError);
  };
  /** A page in the main area instead of a conversation (search, admin, profile). @param {HTMLElement} page */
  const showPage = (page) => {
    view?.dispose();
    view = null;
    state.current = null;
    emit('current');
    main.replaceChildren(page);
    shell.setAttribute('data-view', 'conversation');
    /** @type {HTMLElement | null} */ (page.querySelector('h2'))?.focus();
  };
  // Removed from the open room, or left it: back to the placeholder.
  on('conversations', () => {
    if (state.current && !state.conversations.has(state.current)) {
      view?.dispose();
      view = null;
      state.current = null;
      main.replaceChildren(h('p', { class: 'placeholder' }, 'You are no longer in that conversation.'));
      toList();
    }
  });
  /** @param {number} userId */
  const startDirect = async (userId) => {
    const conversation = await post('/directs', { user_id: userId });
    if (!state.conversations.get(conversation.id)?.member_ids.length) await loadConversation(conversation.id);
    open(conversation.id);
  };
  const removeShortcuts = installShortcuts({ open, closePanel: () => view?.closePanel() ?? false });
  const finish = (/** @type {string | undefined} */ reason = undefined) => {
    removeShortcuts();
    connection.stop();
    view?.dispose();
    setCsrfToken('');
    document.cookie = 'roost_signed_in=; Max-Age=0; path=/; SameSite=Strict';
    signedOut(reason);
  };
  const signOut = async () => {
    try {
      await post('/logout');
    } finally {
      finish();
    }
  };

  const myName = h('span', {}, nameOf(me.id));
  // Made an admin, or no longer one, while the page is open: the button follows (the server checks anyway).
  const adminButton = h('button', { type: 'button', class: 'admin-open', hidden: !me.is_admin, onclick: () => showPage(adminView(toList)) }, 'Admin');
  on('people', () => {
    myName.textContent = nameOf(me.id);
    adminButton.hidden = !state.users.get(me.id)?.is_admin;
  });
  const header = h(
    'header',
    { class: 'topbar' },
    h('h1', { class: 'brand' }, 'Roost'),
    status,
    menu.element,
    h('button', { type: 'button', class: 'search-open', onclick: () => showPage(searchView(open, toList)) }, 'Search'),
    adminButton,
    h('button', { type: 'button', class: 'me', 'aria-label': 'Your profile', onclick: () => showPage(profileView(toList)) }, myName),
    notifyButton(),
    h('button', { type: 'button', class: 'shortcuts-open', 'aria-label': 'Keyboard shortcuts', 'aria-keyshortcuts': '?', title: 'Keyboard shortcuts (?)', onclick: showShortcuts }, '?'),
    h('button', { type: 'button', class: 'sign-out', onclick: signOut }, 'Sign out'),
  );
  const nav = h(
    'nav',
    { class: 'sidebar', 'aria-label': 'Conversations and people' },
    h('h2', { id: 'conversations-heading' }, 'Conversations'),
    h(
      'div',
      { class: 'room-buttons' },
      h('button', { type: 'button', onclick: () => openNewRoom(open) }, 'New room'),
      h('button', { type: 'button', onclick: () => openRoomDirectory(open) }, 'Browse rooms'),
    ),
    conversationList(open),
    h('h2', { id: 'people-heading' }, 'People'),
    directory((userId) => { startDirect(userId).catch(showError); }),
  );
  shell.append(nav, main);
  root.replaceChildren(header, shell, h('div', { id: 'announcer', class: 'sr-only', 'aria-live': 'polite' }));
  on('incoming', (message) => {
    const inView = message.conversation_id === state.current;
    notifyIncoming(message, inView);
    if (inView) announce(`${nameOf(message.sender_id)}: ${message.deleted ? '' : message.body.slice(0, 200)}`);
  });
  unreadInTitle();
  connection.start();
}
