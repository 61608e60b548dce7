"""Core events as XMPP stanzas for one bound session (RFC 6121 messages and presence, XEP-0085, XEP-0359)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from roost.core.events import MessageCreated, TypingChanged
from roost.model.conversations import Conversation, ConversationKind
from roost.model.errors import RoostError
from roost.model.messages import Message
from roost.model.presence import Presence, ResourcePresence, Show
from roost.xmpp import attachments, payloads
from roost.xmpp.context import Origin
from roost.xmpp.ext import xep0461_replies as replies
from roost.xmpp.xml import Templated, escape_attr, escape_text

if TYPE_CHECKING:
    from roost.xmpp.session import XmppSession

CLIENT = "jabber:client"
SID = "urn:xmpp:sid:0"
CHATSTATES = "http://jabber.org/protocol/chatstates"
DELAY = "urn:xmpp:delay"
RETRACT = "urn:xmpp:message-retract:1"
CARBONS = "urn:xmpp:carbons:2"
FORWARD = "urn:xmpp:forward:0"


async def direct(session: XmppSession, conversation_id: int) -> Conversation | None:
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


async def message_created(event: MessageCreated, session: XmppSession) -> list[ET.Element]:
    """A 1:1 message for an available session: plain, as a carbon (XEP-0280), or nothing.

    Before its initial presence a session gets only what was sent to its full JID
    (RFC 6121 §8.5.3.1: a connected resource); offline delivery brings the rest then."""
    message = event.message
    if await direct(session, message.conversation_id) is None:
        return []  # rooms go through MUC
    hub = session.server.hub
    origin = hub.origin_of(message.sender_id, message.client_key)
    plain = _gets_plain(session, message, origin)
    if plain is None:
        if message.sender_id == session.user_id:
            return await _sent_copy(session, message, origin)
        return await _received_copy(session, message, origin, hub.addressed_resource(session.user_id, origin))
    if not plain or not session.give(message.id):
        return []  # not for this session, or already handed over (by offline delivery)
    stanza = await chat_stanza(session, message, origin, to=session.jid_text)
    # The mark moves once the stanza exists: a session ended during the await never sent it.
    if session.available:
        session.mark_delivered(message.id)
    return [stanza]


async def _sent_copy(session: XmppSession, message: Message, origin: Origin | None) -> list[ET.Element]:
    """XEP-0280: what the user sent from another session (XMPP or web), unless marked private."""
    if _no_sent_copy(session, origin):
        return []
    inner = await chat_stanza(session, message, origin, to=await peer_jid(session, message))
    return [carbon(session, "sent", inner)]


async def _received_copy(
    session: XmppSession, message: Message, origin: Origin | None, target: str | None
) -> list[ET.Element]:
    """XEP-0280: a message addressed to another of the user's resources (or to the bare JID)."""
    if not session.carbons or (origin is not None and origin.private) or not session.give(message.id):
        return []
    to = f"{session.bare_text}/{target}" if target else session.bare_text
    inner = await chat_stanza(session, message, origin, to=to)
    session.mark_delivered(message.id)  # once the copy exists (see message_created)
    return [carbon(session, "received", inner)]


def carbon(session: XmppSession, kind: str, inner: ET.Element) -> ET.Element:
    wrapper = ET.Element(f"{{{CLIENT}}}message", {"from": session.bare_text, "to": session.jid_text, "type": "chat"})
    forwarded = ET.SubElement(ET.SubElement(wrapper, f"{{{CARBONS}}}{kind}"), f"{{{FORWARD}}}forwarded")
    forwarded.append(inner)
    return wrapper


async def chat_stanza(session: XmppSession, message: Message, origin: Origin | None, *, to: str) -> ET.Element:
    """The message as its sender's client would have sent it, with the archive's stanza-id."""
    stanza = _chat_element(session, message, origin, sender=await jid_of(session, message.sender_id), to=to)

    async def address(replied: Message) -> tuple[str, str]:
        return await jid_of(session, replied.sender_id), replied.reference

    await replies.decorate(session, stanza, message, address)  # XEP-0461
    return stanza


def message_created_now(event: MessageCreated, session: XmppSession) -> list[ET.Element] | None:
    """`message_created` for the cases that need no lookup, or None: then render it in order.

    The hot path of 1:1 chat: a colleague's message to the session it is for (available,
    or connected and addressed by full JID), or the session's own message when it gets no
    carbon; the conversation and the sender's name known already, no reply to quote."""
    message = event.message
    hub = session.server.hub
    conversation = hub.conversations.get(message.conversation_id)
    if conversation is None or conversation.kind is not ConversationKind.DIRECT:
        return None
    origin = hub.origin_of(message.sender_id, message.client_key)
    plain = _gets_plain(session, message, origin)
    if plain is not True:
        return None if plain is None else []
    name = hub.usernames.get(message.sender_id)
    if name is None or replies.quotes(session, message):
        return None
    if not session.give(message.id):
        return []  # already handed over (by offline delivery)
    sender = f"{name}@{session.server.limits.domain}"
    stanza = _chat_element(session, message, origin, sender=sender, to=session.jid_text)
    if session.available:
        session.mark_delivered(message.id)
    return [stanza]


def _gets_plain(session: XmppSession, message: Message, origin: Origin | None) -> bool | None:
    """Whether the session gets the message itself (True), nothing (False) or a carbon (None)."""
    if not session.available:  # before initial presence: only what was sent to this very resource
        addressed = origin is not None and origin.to_resource == session.resource
        return addressed and (message.sender_id != session.user_id or (origin is not None and origin.to_self))
    target = session.server.hub.addressed_resource(session.user_id, origin)
    if message.sender_id == session.user_id:
        if _to_other_resource_of_self(session, origin, target):  # RFC 6121 §8.5.2.1.1, §8.5.3.1
            return True
        return False if _no_sent_copy(session, origin) else None
    # To another resource, or to the bare JID with a negative priority (RFC 6121 §8.5.2.1.1): carbons only
    return (
        None
        if (target is not None and target != session.resource) or (target is None and session.priority < 0)
        else True
    )


def _to_other_resource_of_self(session: XmppSession, origin: Origin | None, target: str | None) -> bool:
    """A message to one's own bare JID reaches one's other available resources (not the one that
    sent it: it has it), and one to one's own full JID that resource: "note to self" and "send to
    my other device" in Conversations and Dino."""
    if origin is None or not origin.to_self or origin.resource == session.resource:
        return False
    return target == session.resource if target is not None else session.priority >= 0


def _no_sent_copy(session: XmppSession, origin: Origin | None) -> bool:
    """XEP-0280: no carbon of a sent message without carbons, to its own resource, or when private."""
    return not session.carbons or (origin is not None and (origin.resource == session.resource or origin.private))


def _chat_element(session: XmppSession, message: Message, origin: Origin | None, *, sender: str, to: str) -> ET.Element:
    if origin is not None and origin.resource:
        sender += f"/{origin.resource}"
    if message.body and not message.extras and not message.is_deleted and not message.attachments:
        return _plain_chat(message, sender=sender, to=to, by=session.bare_text)
    stanza = ET.Element(f"{{{CLIENT}}}message", {"type": "chat", "from": sender, "to": to, "id": message.reference})
    if message.is_deleted:
        ET.SubElement(stanza, f"{{{RETRACT}}}retracted", {"id": str(message.id), "stamp": stamp(message.deleted_at)})
    else:
        body, oob = attachments.linked(session, message)  # files shared on the web: links (XEP-0066)
        if message.body or message.encryption is None or oob:
            ET.SubElement(stanza, f"{{{CLIENT}}}body").text = body
        stanza.extend(payloads.elements(message.extras, max_bytes=session.limits.max_stanza_bytes))
        stanza.extend(oob)
    ET.SubElement(stanza, f"{{{SID}}}stanza-id", {"id": str(message.id), "by": session.bare_text})
    return stanza


def _plain_chat(message: Message, *, sender: str, to: str, by: str) -> Templated:
    """A chat message with only a body, written out once here (most messages; `serialize`)."""
    attributes = {"type": "chat", "from": sender, "to": to, "id": message.reference}
    stanza = Templated(f"{{{CLIENT}}}message", attributes)
    body = ET.SubElement(stanza, f"{{{CLIENT}}}body")
    body.text = message.body
    stanza_id = ET.SubElement(stanza, f"{{{SID}}}stanza-id", {"id": str(message.id), "by": by})
    stanza.made = (attributes, [body, stanza_id])
    stanza.wire = (
        f'<message type="chat" from="{escape_attr(sender)}" to="{escape_attr(to)}"'
        f' id="{escape_attr(attributes["id"])}">'
        f'<body>{escape_text(message.body)}</body><stanza-id xmlns="{SID}" id="{message.id}" by="{escape_attr(by)}"/>'
        "</message>"
    ).encode()
    return stanza


async def peer_jid(session: XmppSession, message: Message) -> str:
    """The other person of the message's direct conversation (the sender, in a chat with oneself)."""
    return await other_jid(session, message.conversation_id, message.sender_id)


async def other_jid(session: XmppSession, conversation_id: int, user_id: int) -> str:
    """The person of a direct conversation who is not `user_id` (that one, in a chat with oneself)."""
    members = await session.services.conversations.member_ids(conversation_id)
    others = sorted(member for member in members if member != user_id)
    return await jid_of(session, others[0] if others else user_id)


def stamp(moment: datetime | None) -> str:
    """An XEP-0082 timestamp in UTC."""
    assert moment is not None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def delay(stanza: ET.Element, moment: datetime, domain: str) -> ET.Element:
    """Add an XEP-0203 <delay/> to the stanza and return it."""
    ET.SubElement(stanza, f"{{{DELAY}}}delay", {"from": domain, "stamp": stamp(moment)})
    return stanza


async def presence_stanza(presence: Presence | ResourcePresence, session: XmppSession) -> ET.Element:
    """A person's presence: from their bare JID (the per-person aggregate) or from one resource."""
    sender = await jid_of(session, presence.user_id)
    if isinstance(presence, ResourcePresence):
        sender += f"/{presence.resource}"
    stanza = ET.Element(f"{{{CLIENT}}}presence", {"from": sender, "to": str(session.jid)})
    if presence.show is Show.UNAVAILABLE:
        stanza.set("type", "unavailable")
    elif presence.show is not Show.AVAILABLE:
        ET.SubElement(stanza, f"{{{CLIENT}}}show").text = presence.show.value
    if presence.status:
        ET.SubElement(stanza, f"{{{CLIENT}}}status").text = presence.status
    if isinstance(presence, ResourcePresence) and presence.priority and presence.show is not Show.UNAVAILABLE:
        ET.SubElement(stanza, f"{{{CLIENT}}}priority").text = str(presence.priority)
    return stanza


async def chat_state(event: TypingChanged, session: XmppSession) -> list[ET.Element]:
    if event.user_id == session.user_id or await direct(session, event.conversation_id) is None:
        return []
    stanza = ET.Element(
        f"{{{CLIENT}}}message", {"type": "chat", "from": await jid_of(session, event.user_id), "to": str(session.jid)}
    )
    ET.SubElement(stanza, f"{{{CHATSTATES}}}{'composing' if event.active else 'paused'}")
    return [stanza]
