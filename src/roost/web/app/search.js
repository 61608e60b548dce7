// @ts-check
/**
 * Search across one's conversations, with filters (conversation, sender, dates), chosen in the
 * form or typed with the words (`from:ann in:"Release team" since:2026-01-01`, see
 * search-query.js): typed ones move into the form's fields. A result opens its conversation
 * around that message, highlighted, not the whole history.
 */
import { get } from './api.js';
import { h } from './dom.js';
import { page } from './page.js';
import { fullDate } from './format.js';
import { nameOf, on, sortedConversations, state, titleOf } from './store.js';
import { parseSearch } from './search-query.js';

const LIMIT = 100;

/** The text with the searched words marked (all as text nodes: nothing is parsed). @param {string} text @param {string} query */
function marked(text, query) {
  const words = query.toLowerCase().split(/\s+/).filter((w) => w.length > 0);
  if (words.length === 0) return [text];
  const pattern = new RegExp(`(${words.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})`, 'i');
  return text.split(pattern).map((part, index) => (index % 2 === 1 ? h('mark', {}, part) : part));
}

/** @param {string} id @param {string} label @param {HTMLElement} control */
const field = (id, label, control) => h('div', { class: 'field' }, h('label', { for: id }, label), control);

/** @param {string} day "YYYY-MM-DD" in local time @param {boolean} end */
function dayBound(day, end) {
  return day ? new Date(`${day}T${end ? '23:59:59.999' : '00:00:00'}`).toISOString() : '';
}

/**
 * @param {(id: string, around: string) => void} open
 * @param {() => void} back for phone width
 */
export function searchView(open, back) {
  const text = /** @type {HTMLInputElement} */ (h('input', {
    type: 'search', id: 'search-text', required: true, maxlength: 500, placeholder: 'Words, from:name, in:conversation, since:YYYY-MM-DD',
  }));
  const where = /** @type {HTMLSelectElement} */ (h('select', { id: 'search-conversation' }));
  const sender = /** @type {HTMLSelectElement} */ (h('select', { id: 'search-sender' }));
  const fillChoices = () => {
    const [chosenWhere, chosenSender] = [where.value, sender.value];
    where.replaceChildren(h('option', { value: '' }, 'All conversations'),
      ...sortedConversations().map((c) => h('option', { value: c.id }, titleOf(c))));
    const people = [...state.users.values()].sort((a, b) => nameOf(a.id).localeCompare(nameOf(b.id)));
    sender.replaceChildren(h('option', { value: '' }, 'Anyone'), ...people.map((u) => h('option', { value: String(u.id) }, nameOf(u.id))));
    where.value = chosenWhere;
    sender.value = chosenSender;
  };
  fillChoices();
  // The lists may still be loading: follow them while this page is shown.
  const stops = ['conversations', 'people'].map((topic) => on(topic, () => {
    if (!where.isConnected) stops.forEach((stop) => stop());
    else fillChoices();
  }));
  const since = /** @type {HTMLInputElement} */ (h('input', { type: 'date', id: 'search-since' }));
  const until = /** @type {HTMLInputElement} */ (h('input', { type: 'date', id: 'search-until' }));
  const status = h('p', { class: 'search-status', role: 'status' });
  const results = h('ol', { class: 'search-results', 'aria-label': 'Search results' });
  const form = h(
    'form',
    { class: 'search-form', role: 'search', 'aria-label': 'Search messages' },
    field('search-text', 'Search for', text),
    field('search-conversation', 'Conversation', where),
    field('search-sender', 'Sender', sender),
    field('search-since', 'Since', since),
    field('search-until', 'Until', until),
    h('button', { type: 'submit' }, 'Search'),
  );

  /** @param {import('./store.js').Message} message @param {string} query */
  const result = (message, query) => {
    const conversation = state.conversations.get(message.conversation_id);
    const where = conversation ? titleOf(conversation) : 'a conversation';
    return h('li', {}, h(
      'button',
      { type: 'button', class: 'result', onclick: () => open(message.conversation_id, message.id) },
      h('span', { class: 'meta' }, h('span', { class: 'sender' }, nameOf(message.sender_id)), ` in ${where} · ${fullDate(message.created_at)}`),
      h('span', { class: 'snippet' }, message.encryption ? 'Encrypted message' : marked(message.body.slice(0, 300), query)),
    ));
  };
  const more = h('button', { type: 'button', class: 'more-results', hidden: true }, 'Show older results');
  /** @type {URLSearchParams | null} the last search, for its next pages */ let asked = null;
  let shown = 0;
  let searches = 0; // answers to an earlier search (or page) than the latest are dropped
  /** One page of results: the first (a new search) or the next (older than the last shown). @param {string | null} before */
  const fetchPage = async (before) => {
    if (!asked) return;
    const params = new URLSearchParams(asked);
    if (before) params.set('before', before);
    const mine = ++searches;
    status.textContent = 'Searching…';
    more.hidden = true;
    try {
      const found = await get(`/search?${params}`);
      if (mine !== searches) return;
      const items = found.messages.map((/** @type {any} */ m) => result(m, params.get('q') ?? ''));
      if (before) results.append(...items);
      else results.replaceChildren(...items);
      shown = (before ? shown : 0) + found.messages.length;
      const full = found.messages.length === LIMIT; // perhaps more: offer the next page
      status.textContent = shown === 0 ? 'Nothing found.' : `${shown}${full ? '+' : ''} ${shown === 1 ? 'result' : 'results'}`;
      more.hidden = !full;
      const last = found.messages[found.messages.length - 1];
      more.dataset.before = last ? last.id : '';
    } catch (error) {
      if (mine === searches) status.textContent = /** @type {Error} */ (error).message;
    }
  };
  more.addEventListener('click', () => fetchPage(more.dataset.before || null));
  /** The filters typed among the words, moved into the form's fields; false when one names nothing. */
  const takeTypedFilters = () => {
    const me = state.me?.id ?? null;
    const places = sortedConversations().map((c) => ({
      id: c.id,
      title: titleOf(c),
      personId: c.kind === 'direct' ? (c.member_ids.find((id) => id !== me) ?? me) : null,
    }));
    const typed = parseSearch(text.value, [...state.users.values()], places, me);
    if (typed.problem) {
      status.textContent = typed.problem;
      return false;
    }
    if (typed.senderId !== null) sender.value = String(typed.senderId);
    if (typed.conversationId !== null) where.value = typed.conversationId;
    if (typed.since) since.value = typed.since;
    if (typed.until) until.value = typed.until;
    text.value = typed.words;
    if (!typed.words) status.textContent = 'Type words to search for, beside the filters.';
    return Boolean(typed.words);
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!takeTypedFilters()) return;
    asked = new URLSearchParams({ q: text.value, limit: String(LIMIT) });
    if (where.value) asked.append('conversation_id', where.value);
    if (sender.value) asked.set('sender_id', sender.value);
    if (since.value) asked.set('since', dayBound(since.value, false));
    if (until.value) asked.set('until', dayBound(until.value, true));
    fetchPage(null);
  });
  queueMicrotask(() => text.focus());
  return page('search', 'Search messages', back, form, status, results, more);
}
