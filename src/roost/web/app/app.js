// @ts-check
/**
 * The signed-in app: the layout (header, navigation, main), the WebSocket connection and
 * the routing between views. Areas live in their own modules; this one only wires them.
 */
import { post, setCsrfToken } from './api.js';
import { Connection } from './connection.js';
import { ConversationView } from './conversation.js';
import { directory } from './directory.js';
import { announce, h } from './dom.js';
import { presenceMenu } from './presence-menu.js';
import { conversationList } from './sidebar.js';
import { emit, nameOf, on, state } from './store.js';
import { applyFrame, loadAll, loadConversation, loadConversations } from './sync.js';
import { askForNotifications, notifyIncoming } from './notify.js';

/**
 * @param {HTMLElement} root
 * @param {import('./store.js').User} me
 * @param {() => void} signedOut
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
      if (!resumed) loadAll().catch((error) => announce(error.message));
      else loadConversations().catch(() => undefined);
    },
    onSignedOut: () => finish(),
  });
  const restartFresh = () => {
    state.messages.clear();
    state.hasBefore.clear();
    connection.resetCursor();
    connection.socket?.close(4000);
  };
  const menu = presenceMenu((presence) => connection.command({ type: 'presence', ...presence }).catch(() => undefined));

  /** @param {string} id */
  const open = (id) => {
    view?.dispose();
    state.current = id;
    emit('current');
    view = new ConversationView(id, connection, () => shell.setAttribute('data-view', 'list'));
    main.replaceChildren(view.element);
    shell.setAttribute('data-view', 'conversation');
    view.start().catch((error) => announce(error.message));
  };
  /** @param {number} userId */
  const startDirect = async (userId) => {
    const conversation = await post('/directs', { user_id: userId });
    if (!state.conversations.get(conversation.id)?.member_ids.length) await loadConversation(conversation.id);
    open(conversation.id);
  };
  const finish = () => {
    connection.stop();
    view?.dispose();
    setCsrfToken('');
    signedOut();
  };
  const signOut = async () => {
    try {
      await post('/logout');
    } finally {
      finish();
    }
  };

  const header = h(
    'header',
    { class: 'topbar' },
    h('h1', { class: 'brand' }, 'Roost'),
    status,
    menu.element,
    h('span', { class: 'me' }, nameOf(me.id)),
    'Notification' in window && Notification.permission === 'default' &&
      h('button', { type: 'button', class: 'notify', onclick: (/** @type {Event} */ event) => {
        askForNotifications();
        /** @type {HTMLElement} */ (event.currentTarget).hidden = true;
      } }, 'Enable notifications'),
    h('button', { type: 'button', class: 'sign-out', onclick: signOut }, 'Sign out'),
  );
  const nav = h(
    'nav',
    { class: 'sidebar', 'aria-label': 'Conversations and people' },
    h('h2', { id: 'conversations-heading' }, 'Conversations'),
    conversationList(open),
    h('h2', { id: 'people-heading' }, 'People'),
    directory((userId) => { startDirect(userId).catch((error) => announce(error.message)); }),
  );
  shell.append(nav, main);
  root.replaceChildren(header, shell, h('div', { id: 'announcer', class: 'sr-only', 'aria-live': 'polite' }));
  on('incoming', (message) => {
    const inView = message.conversation_id === state.current;
    notifyIncoming(message, inView);
    if (inView) announce(`${nameOf(message.sender_id)}: ${message.deleted ? '' : message.body.slice(0, 200)}`);
  });
  connection.start();
}
