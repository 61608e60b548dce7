// @ts-check
/**
 * The open conversation: history loaded page by page as you scroll up (never all of it), or a
 * window around one message (search results, replies) extended as you scroll either way;
 * day separators, a "new messages" line, live updates, typing, read marker, "seen by", jump to latest.
 */
import { composer, outbox } from './composer.js';
import { conversationHeader } from './conversation-header.js';
import { h, replaceKeepingFocus, showError } from './dom.js';
import { compareIds, dayOf } from './format.js';
import { isShown, isWindowed, loadAround, loadLatest, loadNewer, loadOlder, quoted } from './history.js';
import { openImageViewer } from './image-viewer.js';
import { membersPanel } from './members.js';
import { messageItem, versionOf } from './message-view.js';
import { placeReceipt, seenBy, seenText } from './seen.js';
import { loadReadMarkers } from './sync.js';
import { emit, messagesOf, nameOf, on, sortedMessages, state, titleOf } from './store.js';

const NEAR_TOP_PX = 150;
const NEAR_BOTTOM_PX = 60;
const CONTINUED_MS = 5 * 60 * 1000;

/**
 * @typedef {{command: (c: any) => Promise<any>, fire: (c: any) => void}} Commands
 */

/** @param {import('./store.js').Message} message @param {import('./store.js').Message | undefined} previous */
function isContinued(message, previous) {
  if (!previous || previous.sender_id !== message.sender_id) return false;
  return new Date(message.created_at).getTime() - new Date(previous.created_at).getTime() < CONTINUED_MS;
}

/** @param {string} conversationId */
function typingLine(conversationId) {
  const typists = [...(state.typing.get(conversationId)?.keys() ?? [])].map(nameOf);
  if (typists.length === 0) return '';
  if (typists.length === 1) return `${typists[0]} is typing…`;
  return `${typists.join(', ')} are typing…`;
}

export class ConversationView {
  /**
   * @param {string} conversationId
   * @param {Commands} connection
   * @param {() => void} back for phone width: back to the list
   */
  constructor(conversationId, connection, back) {
    this.id = conversationId;
    this.connection = connection;
    const conversation = state.conversations.get(conversationId);
    const title = conversation ? titleOf(conversation) : 'Conversation';
    /** @type {Map<string, {version: string, continued: boolean, node: HTMLElement}>} */ this.nodes = new Map();
    this.loading = false;
    /** whether the view shows the latest message: it stays there as what is shown grows (an image that loads) */ this.pinned = false;
    /** where the view was scrolled to, to tell moving up from content that grew under the view */ this.lastTop = 0;
    /** @type {string | null} the message to show highlighted */ this.target = null;
    this.unreadFrom = conversation?.unread ? conversation.last_read_id : null;
    this.list = h('ol', { class: 'messages', 'aria-label': `Messages with ${title}` });
    this.scroller = h('div', { class: 'scroller', role: 'region', tabindex: 0, 'aria-label': 'Message history' }, this.list);
    this.typing = h('p', { class: 'typing', 'aria-live': 'polite' });
    this.jump = h('button', { type: 'button', class: 'jump', hidden: true, onclick: () => this.toLatest() }, 'Jump to latest');
    this.box = composer(conversationId, title, connection);
    /** @type {import('./message-actions.js').Hooks} */
    this.hooks = {
      reply: (message) => this.box.reply(message),
      jumpTo: (id) => { this.jumpTo(id).catch(showError); },
      viewImage: (fileId) => this.viewImage(fileId),
    };
    /** @type {{element: HTMLElement, dispose: () => void} | null} */ this.panel = null;
    this.header = conversationHeader(conversationId, { back, toggleMembers: (button) => this.toggleMembers(button) });
    this.archived = h('p', { class: 'archived-note', role: 'status', hidden: true }, 'This room is archived: its history stays, and nobody can write in it.');
    this.body = h('div', { class: 'conversation-body' }, h('div', { class: 'conversation-main' }, this.scroller, this.jump, this.typing, this.archived, this.box.form));
    this.showArchived();
    this.element = h('section', { class: 'conversation', 'aria-labelledby': 'conversation-title' }, this.header.element, this.body);
    this.element.addEventListener('dragover', (event) => event.preventDefault());
    this.element.addEventListener('drop', (event) => {
      event.preventDefault();
      if (this.box.form.hidden) return;  // an archived room takes no files
      for (const file of event.dataTransfer?.files ?? []) this.box.addFile(file);
    });
    this.scroller.addEventListener('scroll', () => this.scrolled());
    this.resized = new ResizeObserver(() => this.keepPinned());
    this.resized.observe(this.list);
    this.unsubscribe = [
      on(`messages:${conversationId}`, () => this.render('live')),
      on(`typing:${conversationId}`, () => { this.typing.textContent = typingLine(conversationId); }),
      on('people', () => this.render('live')),
      on(`reads:${conversationId}`, () => this.render('seen')),
      on(`members:${conversationId}`, () => this.loadReads()),
      on('conversations', () => {
        const now = state.conversations.get(conversationId);
        if (now) {
          this.list.setAttribute('aria-label', `Messages with ${titleOf(now)}`);
          this.box.retitle(titleOf(now));
        }
        this.showArchived();
      }),
    ];
    // Messages that came while the tab was hidden are read once it shows them again.
    const shown = () => { if (this.atBottom()) this.markRead(); };
    document.addEventListener('visibilitychange', shown);
    this.unsubscribe.push(() => document.removeEventListener('visibilitychange', shown));
  }

  /** An archived room is read-only: its note instead of the message box. */
  showArchived() {
    const archived = Boolean(state.conversations.get(this.id)?.is_archived);
    this.archived.hidden = !archived;
    this.box.form.hidden = archived;
  }

  /** @param {string | null} [around] open at this message (highlighted) instead of the latest */
  async start(around = null) {
    this.loadReads();
    if (around) {
      await this.jumpTo(around);
    } else {
      if (messagesOf(this.id).size === 0 || !state.hasBefore.has(this.id) || isWindowed(this.id)) await loadLatest(this.id);
      this.render('first');
    }
    await this.fill();
    if (!around) this.box.input.focus();
  }

  /** The history was dropped (a catch-up too long to replay, `app.js`): the latest page again. */
  async refresh() {
    if (state.hasBefore.has(this.id) || isWindowed(this.id)) return;  // still loaded
    await loadLatest(this.id);
    this.render('first');
    await this.fill();
  }

  /** Everyone's read markers, for "seen by"; live after that through `read.moved`. */
  loadReads() {
    loadReadMarkers(this.id).catch(() => undefined);
  }

  /** Show a message highlighted: scrolled to if loaded, else in a window of history around it. @param {string} id */
  async jumpTo(id) {
    if (!isShown(this.id, id)) await loadAround(this.id, id);
    this.target = id;
    this.render('around');
  }

  /** Back to the latest messages (dropping a window around an older one). */
  async toLatest() {
    if (isWindowed(this.id)) {
      await loadLatest(this.id);
      this.render('first');
    }
    this.toBottom();
  }

  /** The full-size viewer, with the conversation's other shown images as previous and next. @param {string} fileId */
  viewImage(fileId) {
    const thumbnailOf = (/** @type {import('./store.js').Attachment} */ file) =>
      /** @type {HTMLElement | null} */ (this.list.querySelector(`button.image[data-file-id="${CSS.escape(file.id)}"]`));
    openImageViewer(sortedMessages(this.id), fileId, thumbnailOf);
  }

  /** @param {HTMLElement} button */
  toggleMembers(button) {
    if (this.panel) {
      this.panel.dispose();
      this.panel = null;
      button.setAttribute('aria-expanded', 'false');
      return;
    }
    this.panel = membersPanel(this.id);
    this.body.append(this.panel.element);
    button.setAttribute('aria-expanded', 'true');
  }

  /** Close the members panel if it is open; focus goes back to its button. @returns {boolean} whether it was open */
  closePanel() {
    const button = this.header.element.querySelector('.members-toggle');
    if (!this.panel || !(button instanceof HTMLElement)) return false;
    this.toggleMembers(button);
    button.focus();
    return true;
  }

  /** Load older pages until the history fills the view (or there is none). */
  async fill() {
    while (state.hasBefore.get(this.id) && this.scroller.scrollHeight <= this.scroller.clientHeight + NEAR_TOP_PX) {
      if (!(await this.loadOlder())) break;
    }
  }

  /** @returns {Promise<boolean>} whether a page came */
  async loadOlder() {
    return this.loadPage(() => loadOlder(this.id), 'prepend');
  }

  /**
   * @param {() => Promise<boolean>} load @param {'prepend' | 'append'} why
   * @returns {Promise<boolean>}
   */
  async loadPage(load, why) {
    if (this.loading) return false;
    this.loading = true;
    try {
      const came = await load();
      this.render(why);
      return came;
    } finally {
      this.loading = false;
    }
  }

  scrolled() {
    const top = this.scroller.scrollTop;
    // Moving up decides afresh; content that grew below a view at the bottom (its scroll event may
    // come after the growth, before the ResizeObserver) leaves it pinned.
    if (top < this.lastTop || !this.pinned) this.pinned = this.atBottom() && !isWindowed(this.id);
    this.lastTop = top;
    if (this.scroller.scrollTop < NEAR_TOP_PX) this.loadOlder().catch(() => undefined);
    if (this.atBottom() && isWindowed(this.id)) this.loadPage(() => loadNewer(this.id), 'append').catch(() => undefined);
    else if (this.atBottom()) {
      this.jump.hidden = true;
      this.markRead();
    }
  }

  atBottom() {
    const s = this.scroller;
    return s.scrollHeight - s.scrollTop - s.clientHeight < NEAR_BOTTOM_PX;
  }

  /** Messages grew after they were rendered (images load later): a view that was at the bottom stays there. */
  keepPinned() {
    if (this.pinned) this.scroller.scrollTop = this.scroller.scrollHeight;
  }

  toBottom() {
    this.scroller.scrollTop = this.scroller.scrollHeight;
    this.jump.hidden = true;
    this.markRead();
  }

  /** Move the read marker to the newest message, if the person can see it. */
  markRead() {
    const conversation = state.conversations.get(this.id);
    const newest = sortedMessages(this.id).at(-1);
    if (!conversation || !newest || document.visibilityState !== 'visible' || isWindowed(this.id)) return;
    if (compareIds(newest.id, conversation.last_read_id) <= 0) return;
    conversation.last_read_id = newest.id;
    conversation.unread = 0;
    conversation.mentions = 0;
    emit('conversations');
    this.connection.fire({ type: 'read', conversation_id: this.id, message_id: newest.id });
  }

  /** @param {'first' | 'live' | 'seen' | 'prepend' | 'append' | 'around'} why */
  render(why) {
    const stick = why === 'first' || ((why === 'live' || why === 'seen') && (this.pinned || this.atBottom()) && !isWindowed(this.id));
    const before = { height: this.scroller.scrollHeight, top: this.scroller.scrollTop };
    replaceKeepingFocus(this.list, this.items());
    if (why === 'prepend') {
      this.scroller.scrollTop = before.top + (this.scroller.scrollHeight - before.height);
    } else if (why === 'around') {
      this.showTarget();
    } else if (stick) {
      this.toBottom();
    } else if (why === 'live' || isWindowed(this.id)) {
      this.jump.hidden = false;
    }
    this.pinned = this.atBottom() && !isWindowed(this.id);
    this.lastTop = this.scroller.scrollTop;
  }

  /** Scroll the target message into the middle of the view, highlight and focus it. */
  showTarget() {
    this.list.querySelector('.highlight')?.classList.remove('highlight');
    const node = this.target ? this.nodes.get(this.target)?.node : undefined;
    if (!node) return;
    node.classList.add('highlight');
    node.scrollIntoView({ block: 'center' });
    node.focus({ preventScroll: true });
    this.jump.hidden = !isWindowed(this.id) && this.atBottom();
  }

  /** @returns {HTMLElement[]} */
  items() {
    const messages = sortedMessages(this.id);
    const byId = (/** @type {string} */ id) => quoted(id, this.id);
    const conversation = state.conversations.get(this.id);
    const seen = conversation ? seenBy(conversation, messages, !isWindowed(this.id)) : new Map();
    /** @type {HTMLElement[]} */ const items = [];
    let day = '';
    let markerPlaced = false;
    messages.forEach((message, index) => {
      const previous = messages[index - 1];
      const thisDay = dayOf(message.created_at);
      if (thisDay !== day) {
        day = thisDay;
        items.push(h('li', { class: 'day', role: 'separator', 'aria-label': thisDay }, h('span', {}, thisDay)));
      }
      const fresh = this.unreadFrom !== null && compareIds(message.id, this.unreadFrom) > 0 && message.sender_id !== state.me?.id;
      if (fresh && !markerPlaced) {
        markerPlaced = true;
        items.push(h('li', { class: 'new-line', role: 'separator', 'aria-label': 'New messages' }, h('span', {}, 'New messages')));
      }
      const node = this.node(message, isContinued(message, previous) && thisDay === dayOf(previous.created_at), byId);
      const readers = seen.get(message.id);
      placeReceipt(node, readers ? seenText(conversation?.kind === 'direct', readers) : '');
      items.push(node);
    });
    const stored = new Set(messages.map((m) => m.client_id));
    if (isWindowed(this.id)) return items; // sending shows once the window reaches the latest
    for (const pending of outbox.values()) {
      if (pending.conversation_id !== this.id || stored.has(pending.client_id)) continue;
      items.push(h('li', { class: 'message pending' }, h('div', { class: 'meta' }, h('span', { class: 'sender' }, nameOf(state.me?.id ?? 0)), ' ', h('span', { class: 'status' }, 'Sending…')), h('p', { class: 'body' }, pending.body)));
    }
    return items;
  }

  /**
   * A message's node, rebuilt only when the message changed.
   * @param {import('./store.js').Message} message @param {boolean} continued
   * @param {(id: string) => import('./store.js').Message | undefined} find
   */
  node(message, continued, find) {
    const version = versionOf(message, find);
    const cached = this.nodes.get(message.id);
    if (cached && cached.version === version && cached.continued === continued) return cached.node;
    const node = messageItem(message, continued, find, this.hooks);
    this.nodes.set(message.id, { version, continued, node });
    return node;
  }

  dispose() {
    this.box.dispose(); // the draft as it is (a completed @mention too)
    for (const stop of this.unsubscribe) stop();
    this.resized.disconnect();
    this.header.dispose();
    this.panel?.dispose();
    this.element.remove();
  }
}
