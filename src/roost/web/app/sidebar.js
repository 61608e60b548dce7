// @ts-check
/** The conversation list: newest activity first, with unread and mention badges. */
import { avatar } from './avatar.js';
import { h } from './dom.js';
import { on, sortedConversations, state, titleOf } from './store.js';

/** The other person of a direct conversation (yourself, in the one with yourself). @param {import('./store.js').Conversation} conversation */
function otherOf(conversation) {
  return conversation.member_ids.find((id) => id !== state.me?.id) ?? state.me?.id ?? 0;
}

/**
 * @param {(id: string) => void} open called with a conversation id
 * @returns {HTMLElement}
 */
export function conversationList(open) {
  const list = h('ul', { class: 'conversations', 'aria-labelledby': 'conversations-heading', 'aria-keyshortcuts': 'Alt+ArrowUp Alt+ArrowDown' });
  const render = () => {
    const items = sortedConversations().map((conversation) => {
      const title = titleOf(conversation);
      const current = conversation.id === state.current;
      const unread = conversation.unread > 0 ? `, ${conversation.unread} unread` : '';
      const mentions = conversation.mentions > 0 ? `, ${conversation.mentions} mentioning you` : '';
      const muted = state.muted.has(conversation.id);
      return h(
        'li',
        {},
        h(
          'button',
          {
            type: 'button',
            class: `conv-item${conversation.unread > 0 ? ' unread' : ''}${muted ? ' muted' : ''}`,
            'aria-current': current ? 'page' : false,
            'aria-label': `${title}${unread}${mentions}${muted ? ', muted' : ''}`,
            onclick: () => open(conversation.id),
          },
          conversation.kind === 'direct'
            ? avatar(otherOf(conversation))
            : h('span', { class: 'kind', 'aria-hidden': 'true' }, '#'),
          h('span', { class: 'title', dir: 'auto' }, title),
          muted && h('span', { class: 'muted-icon', 'aria-hidden': 'true', title: 'Muted' }, '🔕'),
          conversation.mentions > 0 && h('span', { class: 'badge mention', 'aria-hidden': 'true' }, '@'),
          conversation.unread > 0 && h('span', { class: 'badge', 'aria-hidden': 'true' }, conversation.unread),
        ),
      );
    });
    list.replaceChildren(...items);
    if (items.length === 0) list.append(h('li', { class: 'empty' }, 'No conversations yet. Pick someone below.'));
  };
  on('conversations', render);
  on('people', render);
  on('current', render);
  render();
  return list;
}
