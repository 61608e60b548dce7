// @ts-check
/**
 * The inline filters of a search, typed with the words: `from:` a person (user id, `@user id`,
 * a quoted name, or `me`), `in:` a conversation (a room's name, `#` optional, or the person of a
 * direct conversation), `since:` and `until:` a day (YYYY-MM-DD). Quotes hold spaces:
 * `in:"Release team"`. Names match without regard to case; a room may be named by the start of
 * its name when that names one room only.
 */

/**
 * @typedef {{ id: number, username: string, display_name: string }} Person
 * @typedef {{ id: string, title: string, personId: number | null }} Place a conversation: its title, and the other person of a direct one
 * @typedef {{ words: string, senderId: number | null, conversationId: string | null, since: string, until: string, problem: string | null }} ParsedSearch
 */

const FILTER = /(^|\s)(from|in|since|until):(?:"([^"]*)"|(\S+))/gi;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** @param {string} name */
const folded = (name) => name.trim().toLowerCase();

/** @param {string} name @param {Person[]} people @param {number | null} me */
function person(name, people, me) {
  const wanted = folded(name.replace(/^@/, ''));
  if (wanted === 'me' && me !== null) return people.find((p) => p.id === me) ?? null;
  return people.find((p) => folded(p.username) === wanted)
    ?? people.find((p) => folded(p.display_name) === wanted)
    ?? null;
}

/** @param {string} name @param {Place[]} places @param {Person[]} people @param {number | null} me */
function place(name, places, people, me) {
  const wanted = folded(name.replace(/^#/, ''));
  const exact = places.filter((c) => folded(c.title) === wanted);
  if (exact.length === 1) return exact[0];
  const who = person(name, people, me);
  const direct = who ? places.find((c) => c.personId === who.id) : undefined;
  if (direct) return direct;
  const starting = places.filter((c) => folded(c.title).startsWith(wanted));
  return starting.length === 1 ? starting[0] : null;
}

/**
 * The words to search for and the filters typed among them; `problem` says what could not be
 * understood (a name that names no one), and then nothing should be searched.
 * @param {string} text @param {Person[]} people @param {Place[]} places @param {number | null} me
 * @returns {ParsedSearch}
 */
export function parseSearch(text, people, places, me) {
  /** @type {ParsedSearch} */
  const parsed = { words: '', senderId: null, conversationId: null, since: '', until: '', problem: null };
  parsed.words = text.replace(FILTER, (_all, space, key, quoted, bare) => {
    const value = quoted ?? bare;
    const kind = key.toLowerCase();
    if (kind === 'from') {
      const found = person(value, people, me);
      if (found) parsed.senderId = found.id;
      else parsed.problem ??= `No one here is called “${value}”.`;
    } else if (kind === 'in') {
      const found = place(value, places, people, me);
      if (found) parsed.conversationId = found.id;
      else parsed.problem ??= `None of your conversations is called “${value}”.`;
    } else if (DAY.test(value)) {
      parsed[kind === 'since' ? 'since' : 'until'] = value;
    } else {
      parsed.problem ??= `“${kind}:” takes a day as YYYY-MM-DD, not “${value}”.`;
    }
    return space;
  }).replace(/\s+/g, ' ').trim();
  return parsed;
}
