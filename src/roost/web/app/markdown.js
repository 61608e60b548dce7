// @ts-check
/**
 * Message bodies: a safe Markdown subset. marked turns raw HTML into escaped text; DOMPurify
 * then keeps only the subset's tags, and links only to http, https and mailto.
 * The result is a DocumentFragment: no HTML string ever reaches innerHTML.
 */
import { Marked } from '../vendor/marked.esm.js';
import DOMPurify from '../vendor/purify.es.mjs';

const ALLOWED_TAGS = ['p', 'br', 'strong', 'em', 'del', 'code', 'pre', 'a', 'ul', 'ol', 'li', 'blockquote', 'hr'];
const ALLOWED_ATTR = ['href', 'title', 'start'];
const SAFE_LINK = /^(?:https?:|mailto:)/i;

/** @param {string} text */
export function escapeHtml(text) {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const marked = new Marked({ gfm: true, breaks: true, async: false });
marked.use({
  renderer: {
    // Raw HTML, block or inline, is shown as the text the person typed.
    html: ({ text }) => escapeHtml(text),
    // Images would load from anywhere: show them as links instead.
    image: ({ href, text }) => `<a href="${escapeHtml(href)}">${escapeHtml(text || href)}</a>`,
    // Headings and tables are not part of the subset: their text stays, as paragraphs.
    heading({ tokens }) {
      return `<p><strong>${this.parser.parseInline(tokens)}</strong></p>`;
    },
  },
});

const purify = DOMPurify(window);
purify.addHook('afterSanitizeAttributes', (node) => {
  if (node.nodeName === 'A') {
    const href = node.getAttribute('href');
    if (href && !SAFE_LINK.test(href.trim())) node.removeAttribute('href');
    if (node.hasAttribute('href')) {
      node.setAttribute('rel', 'noopener noreferrer');
      node.setAttribute('target', '_blank');
    }
  }
});
const CONFIG = {
  ALLOWED_TAGS,
  ALLOWED_ATTR,
  ALLOWED_URI_REGEXP: SAFE_LINK,
  RETURN_DOM_FRAGMENT: true,
};

/**
 * @param {string} body the message as the sender typed it
 * @returns {DocumentFragment}
 */
export function renderMarkdown(body) {
  const html = /** @type {string} */ (marked.parse(body));
  return /** @type {DocumentFragment} */ (/** @type {unknown} */ (purify.sanitize(html, CONFIG)));
}
