"""Core events as XMPP stanzas for one bound session: which renderer takes which event."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from roost.core.events import (
    BlocklistChanged,
    ConversationChanged,
    Event,
    MembershipChanged,
    MessageCreated,
    MessageDeleted,
    MessageEdited,
    PayloadRelayed,
    PepChanged,
    PresenceChanged,
    ReactionsChanged,
    ReadMarkerMoved,
    TypingChanged,
    UserChanged,
)
from roost.xmpp.changes import changed_message, read_marker
from roost.xmpp.ext import xep0191_blocking, xep0444_reactions
from roost.xmpp.ext.rfc6121_roster import colleague_changed
from roost.xmpp.ext.xep0045_muc.events import room_message_now, room_stanzas
from roost.xmpp.ext.xep0045_muc.invitations import added_to_room, room_made_with_me
from roost.xmpp.ext.xep0153_avatars.hashes import avatar_changed
from roost.xmpp.ext.xep0163_pep.notify import pep_changed
from roost.xmpp.presence_events import presence_event
from roost.xmpp.relay import relayed
from roost.xmpp.render import chat_state, message_created, message_created_now

if TYPE_CHECKING:
    from roost.xmpp.session import XmppSession


async def render(event: Event, session: XmppSession) -> list[ET.Element]:
    """The stanzas this session's client should get for a core event (often none)."""
    if (room := await room_stanzas(event, session)) is not None:  # XEP-0045 occupants
        return room
    if (presence := await presence_event(event, session)) is not None:  # RFC 6121 presence and roster
        return presence
    return await _personal(event, session)


def render_now(event: Event, session: XmppSession) -> list[ET.Element] | None:
    """The stanzas for an event that renders without a lookup, or None: then `render` it, in order.

    It must give what `render` would: a room's message to its occupants (the hot path of a
    room's fan-out) and a 1:1 message in its common cases are rendered here."""
    if type(event) is MessageCreated:
        room = room_message_now(event, session)
        return room if room is not None else message_created_now(event, session)
    return None


async def user_changed(event: UserChanged, session: XmppSession) -> list[ET.Element]:
    """A colleague's roster item pushed (RFC 6121), and for a new avatar XEP-0153 presence and XEP-0084 metadata."""
    return await colleague_changed(event, session) + await avatar_changed(event, session)


async def _personal(event: Event, session: XmppSession) -> list[ET.Element]:
    if isinstance(event, PresenceChanged):  # XMPP clients see each resource (ResourcePresenceChanged)
        return []
    renderer = _RENDERERS.get(type(event))
    return await renderer(event, session) if renderer is not None else []


_RENDERERS: dict[type, Callable[[Any, XmppSession], Awaitable[list[ET.Element]]]] = {
    MessageCreated: message_created,
    TypingChanged: chat_state,
    MessageEdited: changed_message,
    MessageDeleted: changed_message,
    ReadMarkerMoved: read_marker,
    BlocklistChanged: xep0191_blocking.pushes,
    ReactionsChanged: xep0444_reactions.reactions_changed,
    PayloadRelayed: relayed,
    PepChanged: pep_changed,
    UserChanged: user_changed,
    MembershipChanged: added_to_room,  # an invitation to a room one was added to elsewhere
    ConversationChanged: room_made_with_me,
}
