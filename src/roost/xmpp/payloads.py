"""Payloads the server passes on without interpreting them (end-to-end encryption, receipts, calls).

A message's children that no part of the server reads are kept, serialised, as the core
message's `extras` and written back into every copy of it (live, carbons, offline, MAM),
so two XMPP clients can use extensions the server does not know. The server-only parts
are not kept: the body (stored as such), chat states (the typing indicator), client-supplied
`<stanza-id/>`s, `<delay/>`s, carbons and archive results (forgeries, SECURITY.md), the
hints the server acts on (`<private/>`, `<no-copy/>`), a `<subject/>` and the MUC
namespaces' elements (a room's own; a subject without a body would change a room's topic),
and a reply's `<reply/>` and quote fallback (XEP-0461: the server stores the reply and
writes both anew for each reader), but for encrypted content, whose quote is inside it:
then the client's own are kept and passed on. The same holds for 1:1 chats and rooms.

`encryption` names the end-to-end encryption from XEP-0380 `<encryption/>` or from the
encrypted element itself: "omemo" (eu.siacs.conversations.axolotl), "omemo:1", "omemo:2",
"openpgp" (XEP-0373), "pgp" (XEP-0027), "otr" (a body starting with ?OTR).
"""

from __future__ import annotations

import secrets
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from roost.xmpp.stream.parser import StanzaReceived, StreamParser
from roost.xmpp.xml import CLIENT_NS, serialize

EME = "urn:xmpp:eme:0"
OMEMO = ("eu.siacs.conversations.axolotl", "urn:xmpp:omemo:1", "urn:xmpp:omemo:2")
NAMES = {
    OMEMO[0]: "omemo",
    OMEMO[1]: "omemo:1",
    OMEMO[2]: "omemo:2",
    "urn:xmpp:openpgp:0": "openpgp",
    "jabber:x:encrypted": "pgp",
    "urn:xmpp:otr:0": "otr",
}
ENCRYPTED = {
    *(f"{{{ns}}}encrypted" for ns in OMEMO),
    "{urn:xmpp:openpgp:0}openpgp",
    "{jabber:x:encrypted}x",
}
# What only a server writes into a message: from a client, a forgery (SECURITY.md).
SERVER_ONLY_TAGS = {"{urn:xmpp:sid:0}stanza-id", "{urn:xmpp:delay}delay", "{jabber:x:delay}x", f"{{{CLIENT_NS}}}error"}
SERVER_ONLY_NAMESPACES = (
    "urn:xmpp:carbons:2",
    "urn:xmpp:mam:",
    "http://jabber.org/protocol/muc",  # the room's own elements: invitations, statuses
)
DROPPED_TAGS = SERVER_ONLY_TAGS | {
    f"{{{CLIENT_NS}}}body",
    "{urn:xmpp:hints}no-copy",
    f"{{{CLIENT_NS}}}subject",  # in a room, a subject without a body changes the topic (room admins)
}
DROPPED_NAMESPACES = ("http://jabber.org/protocol/chatstates", *SERVER_ONLY_NAMESPACES)
NAME_MAX = 64
REPLY = "urn:xmpp:reply:0"
REPLY_TAG = f"{{{REPLY}}}reply"
REPLY_FALLBACK = "{urn:xmpp:fallback:0}fallback"
EME_TAG = f"{{{EME}}}encryption"
HINTS = "urn:xmpp:hints"
ORIGIN_ID = "{urn:xmpp:sid:0}origin-id"
CLIENT_REF_MAX = 128  # a client's own id of a message is kept to this many characters


@dataclass(frozen=True, slots=True)
class Extras:
    """What a message carries beside its body: serialised elements, encryption, encrypted content."""

    xml: str | None
    encryption: str | None
    has_content: bool  # an encrypted message with content (not an OMEMO key transport)
    relayable: bool = False  # something for the other side beside bookkeeping (hints, origin-id)


def of(stanza: ET.Element) -> Extras:
    """The payloads of a message a client sent that the server keeps without reading them."""
    if all(child.tag in DROPPED_TAGS for child in stanza):  # a plain chat message: nothing to keep
        return Extras(None, encryption_of(stanza, None), False)
    encrypted = next((child for child in stanza if child.tag in ENCRYPTED), None)
    kept = [child for child in stanza if _is_kept(child, quoted=encrypted is None)]
    text = "".join(serialize(child).decode() for child in kept) or None
    has_content = encrypted is not None and _has_content(encrypted)
    relayable = any(not _is_bookkeeping(child) for child in kept)
    return Extras(text, encryption_of(stanza, encrypted), has_content, relayable)


def _is_bookkeeping(child: ET.Element) -> bool:
    """Hints and an origin-id say how to handle a message; alone (a typing notice with
    <no-store/>, as Conversations sends) they are nothing to pass on."""
    return child.tag.startswith(f"{{{HINTS}}}") or child.tag == ORIGIN_ID


def only(stanza: ET.Element, tags: tuple[str, ...]) -> str | None:
    """The payloads of a plain message (no encrypted content) the server would keep, serialised,
    but only those whose tag is one of `tags` or starts with one ending in '}' (a namespace)."""
    namespaces = tuple(tag for tag in tags if tag.endswith("}"))
    kept = [c for c in stanza if _is_kept(c, quoted=True) and (c.tag in tags or c.tag.startswith(namespaces))]
    return "".join(serialize(child).decode() for child in kept) or None


def reencrypted(stored: str | None, correction: ET.Element, *, max_bytes: int) -> Extras:
    """A stored message's payload after a correction (XEP-0308) of its encrypted content: the
    correction's encrypted element and <encryption/> (none: the message is plain now) instead
    of the old ones; the rest (its origin-id, hints, <markable/>) stays the original's."""
    encrypted = next((child for child in correction if child.tag in ENCRYPTED), None)
    kept = [e for e in elements(stored, max_bytes=max_bytes) if e.tag not in ENCRYPTED and e.tag != EME_TAG]
    new = [child for child in correction if child.tag in ENCRYPTED or child.tag == EME_TAG]
    text = "".join(serialize(element).decode() for element in kept + new) or None
    return Extras(text, encryption_of(correction, encrypted), encrypted is not None and _has_content(encrypted))


def encryption_of(stanza: ET.Element, encrypted: ET.Element | None) -> str | None:
    eme = stanza.find(f"{{{EME}}}encryption")
    if eme is not None and eme.get("namespace"):
        namespace = eme.get("namespace", "")
        return NAMES.get(namespace, namespace[:NAME_MAX])
    if encrypted is not None:
        return NAMES[encrypted.tag[1:].split("}")[0]]
    if (stanza.findtext(f"{{{CLIENT_NS}}}body") or "").startswith("?OTR"):
        return "otr"
    return None


def _has_content(encrypted: ET.Element) -> bool:
    """OMEMO without <payload/> only moves keys (a key transport message): nothing to show or keep."""
    namespace = encrypted.tag[1:].split("}")[0]
    return namespace not in OMEMO or encrypted.find(f"{{{namespace}}}payload") is not None


def is_server_only(child: ET.Element) -> bool:
    """What only a server writes into a message (an archive's stanza-id, a delay, a carbon or
    an archive result, a room's own elements): from a client, a forgery (SECURITY.md)."""
    return child.tag in SERVER_ONLY_TAGS or child.tag[1:].startswith(SERVER_ONLY_NAMESPACES)


def _is_kept(child: ET.Element, *, quoted: bool) -> bool:
    """`quoted`: the server writes a reply's <reply/> and quote anew (XEP-0461); it cannot
    for encrypted content, whose quote is inside: then the client's own are kept."""
    if child.tag in DROPPED_TAGS or not child.tag.startswith("{"):
        return False
    if child.tag == "{urn:xmpp:carbons:2}private":
        return False
    if quoted and (child.tag == REPLY_TAG or (child.tag == REPLY_FALLBACK and child.get("for") == REPLY)):
        return False
    return not child.tag[1:].startswith(DROPPED_NAMESPACES)


def elements(text: str | None, *, max_bytes: int) -> list[ET.Element]:
    """The stored payload elements again (parsed with the stream's restricted parser)."""
    if not text:
        return []
    parser = StreamParser(max_stanza_bytes=max_bytes + 1024)
    head = f"<stream:stream xmlns='{CLIENT_NS}' xmlns:stream='http://etherx.jabber.org/streams'>"
    events = parser.feed(head.encode() + text.encode())
    return [event.element for event in events if isinstance(event, StanzaReceived)]


@dataclass(frozen=True, slots=True)
class ClientIds:
    """How a client names its message: `client_id` de-duplicates, `client_ref` only names it,
    `key` is what the server remembers how it was sent by (`Message.client_key`)."""

    client_id: str | None
    client_ref: str | None

    @property
    def key(self) -> str:
        key = self.client_id or self.client_ref
        assert key is not None  # `client_ids` makes a client id when the client gave neither
        return key


def client_ids(stanza: ET.Element) -> ClientIds:
    """How a message names itself. An XEP-0359 origin-id is unique for good: the
    de-duplication key (a re-sent message is stored once). A stanza id alone is unique only
    within its stream (RFC 6120 §8.1.3: Psi numbers them anew on each connection), so it
    only names the message for its client (corrections, receipts), without de-duplication;
    so does an `id` beside an origin-id of another value. A message with neither gets a
    client id made here, so that carbons and rooms can remember how it was sent."""
    stanza_id = (stanza.get("id") or "")[:CLIENT_REF_MAX] or None
    origin = stanza.find(ORIGIN_ID)
    if origin is not None and (value := origin.get("id")):
        # a client that makes the two differ names the message by its `id` too (XEP-0308's <replace/>)
        value = value[:CLIENT_REF_MAX]
        return ClientIds(value, stanza_id if stanza_id != value else None)
    if stanza_id is None:
        return ClientIds(f"roost-{secrets.token_hex(8)}", None)
    return ClientIds(None, stanza_id)
