"""Invitations for rooms someone is added to elsewhere (XEP-0045 §7.8.2, a mediated invitation).

A person added to a room on the web, through a group's room, or in a room made with them
as a member, is told so in their XMPP clients: each available stream not joined to the
room gets an invitation from the room, naming who added them (the room itself for an admin tool),
so the client can offer to join. Additions made from an XMPP client send their own
invitation (`messages.py`, the event's `origin`); joining a room oneself sends none.

A person added while none of their XMPP clients was available gets the invitation at the
next login, with the offline messages (XEP-0160): every membership given live moves their
delivery mark, and the rooms they were added to after it are invited to then.
"""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from roost.core.archive.offline import FIRST_USE
from roost.core.events import ConversationChanged, MembershipChanged
from roost.model.conversations import Conversation, ConversationKind
from roost.model.errors import RoostError
from roost.model.ids import ADMIN_TOOL_NODE, id_node, id_time_ms
from roost.xmpp.ext.xep0045_muc.stanzas import CLIENT, MUC_USER, room_jid, room_local
from roost.xmpp.render import jid_of

if TYPE_CHECKING:
    from roost.xmpp.session import XmppSession


async def added_to_room(event: MembershipChanged, session: XmppSession) -> list[ET.Element]:
    """An invitation for this stream's person, added to a room by someone else, elsewhere."""
    if event.change != "added" or event.user_id != session.user_id:
        return []
    if not _told(session, event.conversation_id, event.event_id, live=True) or event.origin is not None:
        return []
    if event.actor_id == session.user_id or not _invitable(session, event.conversation_id):
        return []
    conversations = session.services.conversations
    if not await conversations.is_member(session.user_id, event.conversation_id):
        return []  # removed again meanwhile
    try:
        room = await conversations.get(session.user, event.conversation_id)
    except RoostError:
        return []
    return [await _invitation(session, room, event.actor_id, event.event_id)]


async def room_made_with_me(event: ConversationChanged, session: XmppSession) -> list[ET.Element]:
    """An invitation for the members of a room made with them in it (not for its maker)."""
    room = event.conversation
    by_tool = id_node(event.event_id) == ADMIN_TOOL_NODE  # the CLI names an owner: they did not make it
    if event.change != "created" or room.kind is not ConversationKind.ROOM:
        return []
    if room.created_by == session.user_id and not by_tool:
        return []
    if not _told(session, room.id, event.event_id, live=True) or not _invitable(session, room.id):
        return []
    return [await _invitation(session, room, None if by_tool else room.created_by, event.event_id)]


async def missed_invitations(session: XmppSession, rooms: list[tuple[int, int]]) -> None:
    """Invitations, at offline delivery (XEP-0160), for the rooms (room id, event id) the
    person was added to while none of their XMPP clients was available (from the room,
    naming the room as the inviter: the log keeps no adder). Each moves the delivery mark past its event,
    so the next login does not repeat it. At the first XMPP login ever (event id
    `FIRST_USE`) every room the person is in comes, dated by no event: the mark stays."""
    for room_id, event_id in rooms:
        dated = event_id != FIRST_USE
        if (dated and not _told(session, room_id, event_id, live=False)) or not _invitable(session, room_id):
            continue
        if not dated:
            session.server.state(_Told).note(session, room_id)
        try:
            room = await session.services.conversations.get(session.user, room_id)
        except RoostError:
            continue  # gone meanwhile
        # after the changes queued before it
        session.forward(await _invitation(session, room, None, event_id if dated else None))


TOLD_KEPT = 10_000  # rooms remembered per process (the admin tool's changes reach streams seconds late)


@dataclass
class _Told:
    """Each person's streams' last invitation to each room (recent ones): the hub's moment
    and the wall-clock millisecond it was given at."""

    last: OrderedDict[tuple[int, int], tuple[int, int]] = field(default_factory=OrderedDict)

    def covers(self, session: XmppSession, room_id: int, event_id: int) -> bool:
        """Another stream of the person was invited to the room before this stream came, and
        after the event was made (so that invitation told of it; in the same millisecond: not
        known, so invited again)."""
        told = self.last.get((session.user_id, room_id))
        return told is not None and told[0] < session.available_since and id_time_ms(event_id) < told[1]

    def note(self, session: XmppSession, room_id: int) -> None:
        key = (session.user_id, room_id)
        self.last[key] = (session.server.hub.moment(), int(time.time() * 1000))
        self.last.move_to_end(key)
        while len(self.last) > TOLD_KEPT:
            self.last.popitem(last=False)


def _told(session: XmppSession, room_id: int, event_id: int, *, live: bool) -> bool:
    """An available stream is told of the event now (the delivery mark moves past it, XEP-0160);
    False: it is not available yet, has a negative priority (it gets no 1:1 messages, so it may
    not move the mark past them), had this event already (given live or at offline delivery),
    or, `live`, another stream of the person was invited to the room since the event, before
    this one came. That last case is the admin tool's: its room changes reach live streams at
    the server's next look at them (`core/conversations/elsewhere.py`), seconds late; a login
    in between is invited at its offline delivery, and the next login must not be invited
    again when the change arrives live. At offline delivery the mark decides alone: an
    invitation a stream never acknowledged (XEP-0198) moved it back, to be given again."""
    if not (session.available and session.priority >= 0):
        return False
    told = session.server.state(_Told)
    if (live and told.covers(session, room_id, event_id)) or not session.give(event_id):
        return False
    told.note(session, room_id)
    session.mark_delivered(event_id)
    return True


def _invitable(session: XmppSession, conversation_id: int) -> bool:
    """Available (a client that shows invitations) and not in the room already."""
    return session.available and session.server.rooms.joined(conversation_id, session) is None


async def _invitation(
    session: XmppSession, room: Conversation, inviter: int | None, event_id: int | None
) -> ET.Element:
    """The invitation, its id the event's: XEP-0198 hands an unacknowledged one back (`xep0198_sm.py`)."""
    address = room_jid(session.domain, room_local(room))
    message = ET.Element(f"{{{CLIENT}}}message", {"from": str(address), "to": str(session.jid)})
    if event_id is not None:
        message.set("id", str(event_id))
    invite = ET.SubElement(ET.SubElement(message, f"{{{MUC_USER}}}x"), f"{{{MUC_USER}}}invite")
    # The room must name an inviter (XEP-0045 §7.8.2; Gajim drops an invitation without one):
    # the room itself when nobody is known (an admin tool, or a login after being added).
    invite.set("from", str(address) if inviter is None else await jid_of(session, inviter))
    return message
