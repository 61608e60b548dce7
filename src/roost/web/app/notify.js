// @ts-check
/**
 * Getting attention: desktop notifications (only after the person opts in with a click, never
 * asked on load), none for muted conversations, and the unread count in the tab title.
 */
import { h } from './dom.js';
import { nameOf, on, state } from './store.js';

const TITLE = 'Roost';

/**
 * @param {import('./store.js').Message} message
 * @param {boolean} inView the message's conversation is open
 */
export function notifyIncoming(message, inView) {
  if (!('Notification' in window) || Notification.permission !== 'granted') return;
  if (state.muted.has(message.conversation_id)) return;
  if (inView && document.visibilityState === 'visible') return;
  const text = message.deleted ? '' : message.encryption ? 'Encrypted message' : message.body.slice(0, 140);
  new Notification(nameOf(message.sender_id), { body: text || 'Sent a file', tag: message.conversation_id });
}

/**
 * The opt-in button: shown while the browser has not been asked yet. Browsers refuse
 * permission prompts that no gesture started, and asking on load is rude anyway.
 * @returns {HTMLElement | false}
 */
export function notifyButton() {
  if (!('Notification' in window) || Notification.permission !== 'default') return false;
  const button = h('button', {
    type: 'button',
    class: 'notify',
    title: 'Show a desktop notification when a message arrives while Roost is in the background',
    onclick: () => {
      Notification.requestPermission().then(
        (answer) => { button.hidden = answer !== 'default'; },
        () => undefined,
      );
    },
  }, 'Enable notifications');
  return button;
}

/** Keep "(unread) Roost" in the tab title: the unread messages of conversations not muted. */
export function unreadInTitle() {
  const update = () => {
    let unread = 0;
    for (const conversation of state.conversations.values()) {
      if (!state.muted.has(conversation.id)) unread += conversation.unread;
    }
    document.title = unread > 0 ? `(${unread}) ${TITLE}` : TITLE;
  };
  on('conversations', update);
  update();
}
