"""Core events as XMPP stanzas for one bound session (RFC 6121 messages and presence, XEP-0085, XEP-0359)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING

from roost.core.events import Event, MessageCreated, PresenceChanged, TypingChanged
from roost.model.conversations import Conversation, ConversationKind
from roost.model.errors import RoostError
from roost.model.presence import Presence, Show
from roost.xmpp.ext.xep0045_muc.events import room_stanzas

if TYPE_CHECKING:
    from roost.xmpp.session import XmppSession

CLIENT = "jabber:client"
SID = "urn:xmpp:sid:0"
CHATSTATES = "http://jabber.org/protocol/chatstates"


async def render(event: Event, session: XmppSession) -> list[ET.Element]:
    """The stanzas this session's client should get for a core event (often none)."""
    if (room := await room_stanzas(event, session)) is not None:  # XEP-0045 occupants
        return room
    if isinstance(event, MessageCreated):
        return await _message(event, session)
    if isinstance(event, PresenceChanged):  # only after the client's initial presence (RFC 6121 §4.2.2)
        return [await presence_stanza(event.presence, session)] if session.available else []
    if isinstance(event, TypingChanged):
        return await _chat_state(event, session)
    return []


async def _direct(session: XmppSession, conversation_id: int) -> Conversation | None:
    cached = session.server.hub.conversations.get(conversation_id)
    if cached is None:
        try:
            cached = await session.services.conversations.get(session.user, conversation_id)
        except RoostError:
            return None
        session.server.hub.conversations[conversation_id] = cached
    return cached if cached.kind is ConversationKind.DIRECT else None


async def jid_of(session: XmppSession, user_id: int) -> str:
    hub = session.server.hub
    if user_id not in hub.usernames:
        hub.remember(await session.services.accounts.get(user_id))
    return f"{hub.usernames[user_id]}@{session.server.limits.domain}"


async def _message(event: MessageCreated, session: XmppSession) -> list[ET.Element]:
    message = event.message
    if message.sender_id == session.user_id:  # carbons (XEP-0280) will copy these to other resources
        return []
    if await _direct(session, message.conversation_id) is None:
        return []  # group rooms reach XMPP through MUC
    stanza = ET.Element(
        f"{{{CLIENT}}}message",
        {
            "type": "chat",
            "from": await jid_of(session, message.sender_id),
            "to": str(session.jid),
            "id": message.client_id or str(message.id),
        },
    )
    ET.SubElement(stanza, f"{{{CLIENT}}}body").text = message.body
    ET.SubElement(stanza, f"{{{SID}}}stanza-id", {"id": str(message.id), "by": str(session.jid.bare)})
    return [stanza]


async def presence_stanza(presence: Presence, session: XmppSession) -> ET.Element:
    stanza = ET.Element(f"{{{CLIENT}}}presence", {"from": await jid_of(session, presence.user_id)})
    stanza.set("to", str(session.jid))
    if presence.show is Show.UNAVAILABLE:
        stanza.set("type", "unavailable")
    elif presence.show is not Show.AVAILABLE:
        ET.SubElement(stanza, f"{{{CLIENT}}}show").text = presence.show.value
    if presence.status:
        ET.SubElement(stanza, f"{{{CLIENT}}}status").text = presence.status
    return stanza


async def _chat_state(event: TypingChanged, session: XmppSession) -> list[ET.Element]:
    if event.user_id == session.user_id or await _direct(session, event.conversation_id) is None:
        return []
    stanza = ET.Element(
        f"{{{CLIENT}}}message", {"type": "chat", "from": await jid_of(session, event.user_id), "to": str(session.jid)}
    )
    ET.SubElement(stanza, f"{{{CHATSTATES}}}{'composing' if event.active else 'paused'}")
    return [stanza]
