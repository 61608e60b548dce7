"""Edits, deletions and read markers made anywhere, as XMPP stanzas (XEP-0308, XEP-0424, XEP-0333)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING

from roost.core.events import MessageDeleted, MessageEdited, ReadMarkerMoved
from roost.model.errors import RoostError
from roost.model.messages import Message
from roost.xmpp import attachments, payloads
from roost.xmpp.render import CLIENT, carbon, direct, jid_of, other_jid

if TYPE_CHECKING:
    from roost.xmpp.session import XmppSession

SID = "urn:xmpp:sid:0"
CORRECT = "urn:xmpp:message-correct:0"
RETRACT = "urn:xmpp:message-retract:1"
MARKERS = "urn:xmpp:chat-markers:0"
FALLBACK = "urn:xmpp:fallback:0"
RETRACT_FALLBACK = "This person attempted to retract a previous message, but your client does not support it."


def reference(message: Message) -> str:
    """The id XMPP clients know the message by (the one it was rendered with)."""
    return message.reference


async def changed_message(event: MessageEdited | MessageDeleted, session: XmppSession) -> list[ET.Element]:
    """A correction or a retraction for an available session: a colleague's, or one's own made
    elsewhere (another client, the web) as a <sent/> carbon (XEP-0280) when carbons are on.

    Given live or at offline delivery (XEP-0160), once; it moves the delivery mark past it."""
    message = event.message
    own = message.sender_id == session.user_id
    if not session.available or (own and not session.carbons):
        return []
    if await direct(session, message.conversation_id) is None or not session.give(event.event_id):
        return []  # a room's (MUC), or had already (given by offline delivery, XEP-0160)
    sender = _as_sent(session, message, await jid_of(session, message.sender_id))
    if own:
        to = await other_jid(session, message.conversation_id, session.user_id)
        stanza = carbon(session, "sent", _stanza(session, event, sender, to))
    else:
        stanza = _stanza(session, event, sender, str(session.jid))
    session.mark_delivered(event.event_id)  # once the stanza exists (as for messages, render.py)
    return [stanza]


def _stanza(session: XmppSession, event: MessageEdited | MessageDeleted, sender: str, to: str) -> ET.Element:
    """The 1:1 change. Its `id` is the one its client gave it, live, else its event id; with a
    client's id it names its archive id too (XEP-0359, by the reader's account: MAM lists the
    change there; XEP-0198 counts it). What the client passed on with its correction, live (a
    receipt request, its origin-id), goes with it."""
    stanza = ET.Element(f"{{{CLIENT}}}message", {"type": "chat", "from": sender, "to": to})
    edited = event if isinstance(event, MessageEdited) else None
    client_ref = edited.client_ref if edited is not None else None
    stanza.set("id", client_ref or str(event.event_id))
    if client_ref is not None:
        ET.SubElement(stanza, f"{{{SID}}}stanza-id", {"id": str(event.event_id), "by": session.bare_text})
    change(session, stanza, event, retracted_id=reference(event.message))
    if edited is not None and edited.relayed:
        stanza.extend(payloads.elements(edited.relayed, max_bytes=session.limits.max_stanza_bytes))
    return stanza


def _as_sent(session: XmppSession, message: Message, bare: str) -> str:
    """The address the message came from when it was delivered: the full JID of the XMPP
    resource that sent it while the server remembers it, else the bare JID. XEP-0308 §5: a
    client accepts a correction only from the full JID the original came from."""
    origin = session.server.hub.origin_of(message.sender_id, message.client_key)
    return f"{bare}/{origin.resource}" if origin is not None and origin.resource else bare


def change(
    session: XmppSession, stanza: ET.Element, event: MessageEdited | MessageDeleted, *, retracted_id: str
) -> ET.Element:
    """The correction (XEP-0308: the new body, naming the message by the id it was sent with)
    or retraction (XEP-0424, with a fallback body) of a message, added to `stanza`. A retraction
    names the message by `retracted_id`: that id in a 1:1 chat, the stanza-id in a room. The
    correction of an encrypted message carries its new payload (the body is only a fallback)."""
    if isinstance(event, MessageEdited):
        message = event.message
        body, oob = attachments.linked(session, message)  # the files stay: their links stay in the body
        if message.body or message.encryption is None:
            ET.SubElement(stanza, f"{{{CLIENT}}}body").text = body
        if message.encryption is not None:
            stanza.extend(payloads.elements(message.extras, max_bytes=session.limits.max_stanza_bytes))
        stanza.extend(oob)
        ET.SubElement(stanza, f"{{{CORRECT}}}replace", {"id": reference(message)})
    else:
        ET.SubElement(stanza, f"{{{RETRACT}}}retract", {"id": retracted_id})
        ET.SubElement(stanza, f"{{{FALLBACK}}}fallback", {"for": RETRACT})
        ET.SubElement(stanza, f"{{{CLIENT}}}body").text = RETRACT_FALLBACK
    return stanza


async def read_marker(event: ReadMarkerMoved, session: XmppSession) -> list[ET.Element]:
    """<displayed/> from a colleague who read; one's own (from elsewhere) as a <sent/> carbon."""
    own = event.user_id == session.user_id
    if not session.available or (own and not session.carbons):
        return []
    if await direct(session, event.conversation_id) is None:
        return []
    try:
        message = await session.services.archive.get(session.user, event.message_id)
    except RoostError:
        return []
    stanza = ET.Element(f"{{{CLIENT}}}message", {"type": "chat", "from": await jid_of(session, event.user_id)})
    ET.SubElement(stanza, f"{{{MARKERS}}}displayed", {"id": reference(message)})
    if not own:
        stanza.set("to", str(session.jid))
        return [stanza]
    stanza.set("from", session.bare_text)
    stanza.set("to", await other_jid(session, event.conversation_id, session.user_id))
    return [carbon(session, "sent", stanza)]
