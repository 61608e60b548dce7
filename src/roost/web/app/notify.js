// @ts-check
/** Desktop notifications for messages that arrive while the tab is hidden (if the person allowed them). */
import { nameOf } from './store.js';

/**
 * @param {import('./store.js').Message} message
 * @param {boolean} inView the message's conversation is open
 */
export function notifyIncoming(message, inView) {
  if (!('Notification' in window) || Notification.permission !== 'granted') return;
  if (inView && document.visibilityState === 'visible') return;
  const text = message.deleted ? '' : message.body.slice(0, 140);
  new Notification(nameOf(message.sender_id), { body: text || 'Sent a file', tag: message.conversation_id });
}

/** Ask once, on a click (browsers refuse permission prompts that no gesture started). */
export function askForNotifications() {
  if ('Notification' in window && Notification.permission === 'default') Notification.requestPermission().catch(() => undefined);
}
