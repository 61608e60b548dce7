// @ts-check
/**
 * The open conversation: history loaded page by page as you scroll up (never all of it),
 * day separators, a "new messages" line, live updates, typing, read marker, jump to latest.
 */
import { get } from './api.js';
import { composer, outbox } from './composer.js';
import { presenceText } from './directory.js';
import { h } from './dom.js';
import { compareIds, dayOf } from './format.js';
import { messageItem, versionOf } from './message-view.js';
import { emit, messagesOf, nameOf, on, sortedMessages, state, titleOf, upsertMessages } from './store.js';

const PAGE = 50;
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
    this.unreadFrom = conversation?.unread ? conversation.last_read_id : null;
    this.list = h('ol', { class: 'messages', 'aria-label': `Messages with ${title}` });
    this.scroller = h('div', { class: 'scroller', role: 'region', tabindex: 0, 'aria-label': 'Message history' }, this.list);
    this.typing = h('p', { class: 'typing', 'aria-live': 'polite' });
    this.jump = h('button', { type: 'button', class: 'jump', hidden: true, onclick: () => this.toBottom() }, 'Jump to latest');
    this.box = composer(conversationId, title, connection);
    const other = conversation?.kind === 'direct' ? conversation.member_ids.find((id) => id !== state.me?.id) : undefined;
    this.presenceLine = h('span', { class: 'presence-line' });
    const showPresence = () => {
      if (other !== undefined) this.presenceLine.textContent = presenceText(other);
    };
    showPresence();
    this.element = h(
      'section',
      { class: 'conversation', 'aria-labelledby': 'conversation-title' },
      h(
        'header',
        { class: 'conversation-header' },
        h('button', { type: 'button', class: 'back', onclick: back, 'aria-label': 'Back to conversations' }, '‹'),
        h('h2', { id: 'conversation-title' }, title),
        other !== undefined && this.presenceLine,
        conversation?.topic && h('span', { class: 'topic' }, conversation.topic),
      ),
      this.scroller,
      this.jump,
      this.typing,
      this.box.form,
    );
    this.element.addEventListener('dragover', (event) => event.preventDefault());
    this.element.addEventListener('drop', (event) => {
      event.preventDefault();
      for (const file of event.dataTransfer?.files ?? []) this.box.addFile(file);
    });
    this.scroller.addEventListener('scroll', () => this.scrolled());
    this.unsubscribe = [
      on(`messages:${conversationId}`, () => this.render('live')),
      on(`typing:${conversationId}`, () => { this.typing.textContent = typingLine(conversationId); }),
      on('people', () => {
        showPresence();
        this.render('live');
      }),
    ];
  }

  async start() {
    if (messagesOf(this.id).size === 0 || !state.hasBefore.has(this.id)) await this.loadLatest();
    this.render('first');
    await this.fill();
    this.box.input.focus();
  }

  async loadLatest() {
    const page = await get(`/conversations/${this.id}/messages?limit=${PAGE}`);
    if (!state.hasBefore.has(this.id)) state.hasBefore.set(this.id, page.has_before);
    upsertMessages(this.id, page.messages);
  }

  /** Load older pages until the history fills the view (or there is none). */
  async fill() {
    while (state.hasBefore.get(this.id) && this.scroller.scrollHeight <= this.scroller.clientHeight + NEAR_TOP_PX) {
      if (!(await this.loadOlder())) break;
    }
  }

  /** @returns {Promise<boolean>} whether a page came */
  async loadOlder() {
    const oldest = sortedMessages(this.id)[0];
    if (this.loading || !oldest || !state.hasBefore.get(this.id)) return false;
    this.loading = true;
    try {
      const page = await get(`/conversations/${this.id}/messages?before=${oldest.id}&limit=${PAGE}`);
      state.hasBefore.set(this.id, page.has_before);
      const known = messagesOf(this.id);
      for (const message of page.messages) known.set(message.id, message);
      this.render('prepend');
      return page.messages.length > 0;
    } finally {
      this.loading = false;
    }
  }

  scrolled() {
    if (this.scroller.scrollTop < NEAR_TOP_PX) this.loadOlder().catch(() => undefined);
    if (this.atBottom()) {
      this.jump.hidden = true;
      this.markRead();
    }
  }

  atBottom() {
    const s = this.scroller;
    return s.scrollHeight - s.scrollTop - s.clientHeight < NEAR_BOTTOM_PX;
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
    if (!conversation || !newest || document.visibilityState !== 'visible') return;
    if (compareIds(newest.id, conversation.last_read_id) <= 0) return;
    conversation.last_read_id = newest.id;
    conversation.unread = 0;
    conversation.mentions = 0;
    emit('conversations');
    this.connection.fire({ type: 'read', conversation_id: this.id, message_id: newest.id });
  }

  /** @param {'first' | 'live' | 'prepend'} why */
  render(why) {
    const stick = why === 'first' || this.atBottom();
    const before = { height: this.scroller.scrollHeight, top: this.scroller.scrollTop };
    this.list.replaceChildren(...this.items());
    if (why === 'prepend') {
      this.scroller.scrollTop = before.top + (this.scroller.scrollHeight - before.height);
    } else if (stick) {
      this.toBottom();
    } else {
      this.jump.hidden = false;
    }
  }

  /** @returns {HTMLElement[]} */
  items() {
    const messages = sortedMessages(this.id);
    const byId = (/** @type {string} */ id) => messagesOf(this.id).get(id);
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
      items.push(this.node(message, isContinued(message, previous) && thisDay === dayOf(previous.created_at), byId));
    });
    const stored = new Set(messages.map((m) => m.client_id));
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
    const version = versionOf(message);
    const cached = this.nodes.get(message.id);
    if (cached && cached.version === version && cached.continued === continued) return cached.node;
    const node = messageItem(message, continued, find);
    this.nodes.set(message.id, { version, continued, node });
    return node;
  }

  dispose() {
    for (const stop of this.unsubscribe) stop();
    this.element.remove();
  }
}
