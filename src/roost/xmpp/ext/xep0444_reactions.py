"""XEP-0444: Message Reactions, over the core's reactions (the web client's).

A client sends its user's whole set of reactions to one message (`<reactions id=…>`, one
`<reaction/>` per emoji; none removes them all); the core keeps each person's reactions, so
the set replaces what that person had. The `id` names the message as for XEP-0308: the id it
was sent or shown with; in a room also the room's stanza-id. A reaction made anywhere
reaches the XMPP clients of the conversation as the reactor's whole set, from the reactor
(in a room, from their occupant JID). Errors: `item-not-found` (unknown id), `bad-request`
(no id, an emoji with spaces, more than `limits.reactions_per_person`).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING

from roost.core.events import ReactionsChanged
from roost.model.messages import Message
from roost.xmpp.changes import reference
from roost.xmpp.errors import StanzaError
from roost.xmpp.ext import Extension, MessageRequest, StreamContext
from roost.xmpp.render import CLIENT, carbon, direct, jid_of, other_jid

if TYPE_CHECKING:
    from roost.xmpp.session import XmppSession

NS = "urn:xmpp:reactions:0"
HINTS = "urn:xmpp:hints"
ext = Extension(name="reactions", xep=444, version="0.2.1", title="Message Reactions", features=[NS])


@ext.message(NS, "reactions")
async def on_reactions(request: MessageRequest) -> None:
    await set_reactions(request.stream, request.conversation_id, request.payload, origin=request.origin)


async def set_reactions(
    session: StreamContext, conversation_id: int, payload: ET.Element, *, origin: str | None
) -> None:
    """Make the payload's reactions the user's set on the message it names (1:1 and rooms); the
    stream `origin` (None in a room, which reflects them) is not told."""
    target = payload.get("id")
    if not target:
        raise StanzaError("modify", "bad-request", "Reactions name their message by id.")
    emojis = [(item.text or "").strip() for item in payload.findall(f"{{{NS}}}reaction")]
    message = await session.services.archive_queries.find(session.user, conversation_id, target)
    wanted = [e for e in emojis if e]
    await session.services.archive.set_reactions(session.user, message.id, wanted, origin=origin)


def reactions_element(message: Message, user_id: int, target: str) -> ET.Element:
    """`user_id`'s whole set of reactions to the message, naming it `target`."""
    element = ET.Element(f"{{{NS}}}reactions", {"id": target})
    for reaction in message.reactions:
        if user_id in reaction.user_ids:
            ET.SubElement(element, f"{{{NS}}}reaction").text = reaction.emoji
    return element


async def reactions_changed(event: ReactionsChanged, session: XmppSession) -> list[ET.Element]:
    """A colleague's reactions in a direct conversation, for an available session (live or at
    offline delivery, XEP-0160), once; one's own, made in another client or on the web, as a
    <sent/> carbon (XEP-0280) when carbons are on (the client that sent them is not told)."""
    message, reactor = event.message, event.user_id
    own = reactor == session.user_id
    if reactor is None or not session.available or (own and not session.carbons):
        return []
    if await direct(session, message.conversation_id) is None:
        return []  # rooms: `xep0045_muc/events.py`
    if not session.give(event.event_id):
        return []  # had already (given by offline delivery, XEP-0160)
    to = await other_jid(session, message.conversation_id, reactor) if own else str(session.jid)
    attributes = {"type": "chat", "from": await jid_of(session, reactor), "to": to, "id": str(event.event_id)}
    stanza = ET.Element(f"{{{CLIENT}}}message", attributes)
    stanza.append(reactions_element(message, reactor, reference(message)))
    ET.SubElement(stanza, f"{{{HINTS}}}store")
    session.mark_delivered(event.event_id)  # once the stanza exists: the delivery mark moves past it
    return [carbon(session, "sent", stanza)] if own else [stanza]
