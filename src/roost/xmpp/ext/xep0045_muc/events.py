"""Core events as room stanzas for the streams joined to a room.

Each stream renders its own events (as for 1:1 chat): a message in a room it is joined
to becomes a groupchat message from room/nick (the nick of the stream that sent it, when
one did: a person may be joined under several nicks, XEP-0045 §7.4; so do its corrections
and retractions, and the reactions, markers, chat states and payloads a stream sends); its
user's removal from the room (by a room admin on the web, or leaving there) takes it out of
the room with status 321; a topic change is a subject message; a role change or a presence
change of an occupant is a new occupant presence (of each of their nicks). Events about
rooms the stream is not in fall through (None).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from roost.core.events import (
    ConversationChanged,
    Event,
    MembershipChanged,
    MessageCreated,
    MessageDeleted,
    MessageEdited,
    PayloadRelayed,
    PresenceChanged,
    ReactionsChanged,
    ReadMarkerMoved,
    TypingChanged,
)
from roost.model.presence import Show
from roost.xmpp import payloads
from roost.xmpp.changes import change
from roost.xmpp.ext import xep0444_reactions
from roost.xmpp.ext.xep0045_muc.history import quoted_room_message, room_message, sender_nick
from roost.xmpp.ext.xep0045_muc.join import REMOVED, announce, leave
from roost.xmpp.ext.xep0045_muc.moderation import moderation
from roost.xmpp.ext.xep0045_muc.occupancy import RoomOccupants
from roost.xmpp.ext.xep0045_muc.stanzas import CLIENT, room_jid, subject
from roost.xmpp.xml import SharedStanza

MARKERS = "urn:xmpp:chat-markers:0"
CHATSTATES = "http://jabber.org/protocol/chatstates"

if TYPE_CHECKING:
    from roost.xmpp.session import XmppSession


async def room_stanzas(event: Event, session: XmppSession) -> list[ET.Element] | None:
    """The stanzas for a room event this stream is joined to; None when the event is not one."""
    if not session.server.rooms.rooms:
        return None
    renderer = _RENDERERS.get(type(event))
    if renderer is not None:
        return await renderer(event, session)
    if isinstance(event, ConversationChanged):
        return await _topic(event, session)
    if isinstance(event, PresenceChanged) and event.presence.show is not Show.UNAVAILABLE:
        for conversation_id in session.server.rooms.rooms_of(session):
            room = session.server.rooms.room(conversation_id)
            if room is None:
                continue
            for occupant in room.occupants_of_user(event.presence.user_id):  # each nick of the person
                announce(session, room, occupant, only_to=session)
    return None


def room_message_now(event: MessageCreated, session: XmppSession) -> list[ET.Element] | None:
    """A message in a room this stream is joined to, if it can be rendered without a lookup; else None.

    The stanza is made once for all the room's streams (they render the event one after
    the other, as the router hands it out) and serialised once (`SharedStanza`): only `to`
    differs. A reply (XEP-0461) or a sender whose name is not known yet takes `_message`."""
    room = session.server.rooms.joined(event.message.conversation_id, session)
    if room is None:
        return None
    fanout = room.fanout
    if fanout is None or fanout[0] is not event:
        message = event.message
        sent_under = session.server.rooms.sent_nick(message)
        nick = room.nick_shown(message.sender_id, sent_under) or session.server.hub.usernames.get(message.sender_id)
        if nick is None or message.reply_to is not None:
            return None
        stanza = room_message(session, room_jid(session.domain, room.local, nick), message)
        fanout = room.fanout = (event, SharedStanza(stanza))
    return [fanout[1].addressed(session.jid_text)]


async def _message(event: MessageCreated, session: XmppSession) -> list[ET.Element] | None:
    room = session.server.rooms.joined(event.message.conversation_id, session)
    if room is None:
        return None
    return [await quoted_room_message(session, room, event.message)]


async def _changed(event: MessageEdited | MessageDeleted, session: XmppSession) -> list[ET.Element] | None:
    """A correction or retraction, from the sender's occupant JID to every stream joined to the
    room (the sender's own too, as the room reflects every message); made from XMPP or the web.
    Someone else's deletion (a moderator's) comes from the room itself (`moderation.py`)."""
    room = session.server.rooms.joined(event.message.conversation_id, session)
    if room is None:
        return None
    if isinstance(event, MessageDeleted) and event.message.is_moderated:
        return [await moderation(session, room, event)]
    # From the nick the message was sent under: clients take a change only from the sender (XEP-0308, XEP-0424).
    sent_under = session.server.rooms.sent_nick(event.message)
    stanza = await _from_occupant(session, room, event.message.sender_id, event.event_id, sent_under=sent_under)
    return [change(session, stanza, event, retracted_id=str(event.message.id))]


async def _read(event: ReadMarkerMoved, session: XmppSession) -> list[ET.Element] | None:
    """A member read up to a message (XEP-0333, from XMPP or the web): a <displayed/> marker from
    their occupant JID naming the room's stanza-id, to every stream joined to the room."""
    room = session.server.rooms.joined(event.conversation_id, session)
    if room is None:
        return None
    stanza = await _from_occupant(
        session, room, event.user_id, event.event_id, sent_under=room.nick_of_sender(event.user_id)
    )
    ET.SubElement(stanza, f"{{{MARKERS}}}displayed", {"id": str(event.message_id)})
    return [stanza]


async def _typing(event: TypingChanged, session: XmppSession) -> list[ET.Element] | None:
    """Someone typing in the room (from XMPP chat states or the web): XEP-0085 <composing/> or
    <paused/> from their occupant JID, to the other people's streams joined to the room."""
    room = session.server.rooms.joined(event.conversation_id, session)
    if room is None:
        return None
    if event.user_id == session.user_id:
        return []
    stanza = await _from_occupant(session, room, event.user_id, sent_under=room.nick_of_sender(event.user_id))
    ET.SubElement(stanza, f"{{{CHATSTATES}}}{'composing' if event.active else 'paused'}")
    return [stanza]


async def _relayed(event: PayloadRelayed, session: XmppSession) -> list[ET.Element] | None:
    """A body-less payload sent to the room (a key transport, a receipt): as the client sent it,
    from the sender's occupant JID, to every stream joined to the room (the sender's too)."""
    room = session.server.rooms.joined(event.conversation_id, session)
    if room is None:
        return None
    fanout = room.fanout
    if fanout is None or fanout[0] is not event:  # made and parsed once for all the room's streams
        sender = session.server.hub.session_at(event.sender_id, event.sender_resource or "")
        stanza = await _from_occupant(session, room, event.sender_id, sent_under=room.nick_of_session(sender))
        if event.stanza_id:
            stanza.set("id", event.stanza_id)
        stanza.extend(payloads.elements(event.payload, max_bytes=session.limits.max_stanza_bytes))
        fanout = room.fanout = (event, SharedStanza(stanza))
    return [fanout[1].addressed(session.jid_text)]


async def _reactions(event: ReactionsChanged, session: XmppSession) -> list[ET.Element] | None:
    """XEP-0444 in a room: the reactor's whole set, from their occupant JID, naming the stanza-id."""
    room = session.server.rooms.joined(event.message.conversation_id, session)
    if room is None:
        return None
    if event.user_id is None or not session.registry.has(xep0444_reactions.ext.name):
        return []
    sent_under = room.nick_of_sender(event.user_id)
    stanza = await _from_occupant(session, room, event.user_id, event.event_id, sent_under=sent_under)
    stanza.append(xep0444_reactions.reactions_element(event.message, event.user_id, str(event.message.id)))
    return [stanza]


async def _from_occupant(
    session: XmppSession,
    room: RoomOccupants,
    user_id: int,
    event_id: int | None = None,
    *,
    sent_under: str | None = None,
) -> ET.Element:
    """A groupchat message from someone's occupant JID to this stream: the nick their stream
    sent it under (`sent_under`), else a nick of theirs, else their username (`sender_nick`)."""
    nick = await sender_nick(session, room, user_id, sent_under=sent_under)
    attributes = {"type": "groupchat", "from": str(room_jid(session.domain, room.local, nick)), "to": str(session.jid)}
    if event_id is not None:
        attributes["id"] = str(event_id)
    return ET.Element(f"{{{CLIENT}}}message", attributes)


async def _membership(event: MembershipChanged, session: XmppSession) -> list[ET.Element] | None:
    room = session.server.rooms.joined(event.conversation_id, session)
    occupants = room.occupants_of_user(event.user_id) if room else []
    if room is None or not occupants:
        return None
    if event.change == "removed":
        if event.user_id == session.user_id:
            await leave(session, room, (REMOVED,))
        return []
    for occupant in occupants:  # each nick of the person
        if event.role is not None and event.role is not occupant.role:
            occupant.role = event.role  # the first of the room's streams to see it tells everyone
            announce(session, room, occupant)
    return []


async def _topic(event: ConversationChanged, session: XmppSession) -> list[ET.Element] | None:
    """A new topic is a subject message from the occupant JID of who set it (XEP-0045 §8.1: the
    nick they are joined under, else their username), or from the room when no one did (a tool)."""
    conversation = event.conversation
    room = session.server.rooms.joined(conversation.id, session)
    if room is None:
        return None
    if conversation.topic != room.topic:
        room.topic, room.topic_event = conversation.topic, event.event_id
    if room.topic_event != event.event_id:
        return []
    nick = ""
    if event.actor_id is not None:
        nick = await sender_nick(session, room, event.actor_id, sent_under=room.nick_of_sender(event.actor_id))
    return [subject(room_jid(session.domain, room.local, nick), session.jid, conversation.topic)]


_RENDERERS: dict[type, Callable[[Any, XmppSession], Awaitable[list[ET.Element] | None]]] = {
    MessageCreated: _message,
    ReactionsChanged: _reactions,
    MessageEdited: _changed,
    MessageDeleted: _changed,
    MembershipChanged: _membership,
    ReadMarkerMoved: _read,
    TypingChanged: _typing,
    PayloadRelayed: _relayed,
}
