"""XEP-0045 fan-out without a server: a room message reaches each joined stream at once, made once.

The streams here have a recording sink and a server with no core services: everything
that would need one (a reply, an event queued before) must stay on the per-session
render task, which these tests never let run.
"""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from typing import Any, cast

from roost.core.events import MessageCreated, TypingChanged
from roost.model.conversations import Role
from roost.model.messages import Message
from roost.model.users import User
from roost.xmpp.context import XmppLimits, XmppServer
from roost.xmpp.ext.xep0045_muc.occupancy import Occupant, RoomOccupants
from roost.xmpp.session import XmppSession
from roost.xmpp.xml import serialize

C = "{jabber:client}"
SID = "{urn:xmpp:sid:0}"
NOW = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)


class _Sink:
    def __init__(self) -> None:
        self.sent: list[ET.Element] = []

    def send(self, element: ET.Element) -> None:
        self.sent.append(element)

    async def close_stream(self, condition: str, text: str = "") -> None:
        raise AssertionError("not closed here")


def _room(*names: str) -> tuple[XmppServer, RoomOccupants, list[tuple[XmppSession, _Sink]]]:
    server = XmppServer(
        services=cast(Any, None), limits=XmppLimits(domain="example.com"), registry=cast(Any, None), tls=None
    )
    room = RoomOccupants(7, "team")
    streams = []
    for user_id, name in enumerate(names, start=1):
        sink = _Sink()
        user = User(user_id, name, name.title(), "", "", is_admin=False, is_disabled=False, created_at=NOW)
        session = XmppSession(sink, server, user, "laptop")
        server.rooms.add(room, Occupant(name, user_id, Role.MEMBER), session)
        streams.append((session, sink))
    return server, room, streams


def _created(message_id: int, *, reply_to: int | None = None) -> MessageCreated:
    message = Message(message_id, 7, 1, "c1", "fish & chips", NOW, reply_to=reply_to)
    return MessageCreated(message, event_id=message_id)


async def test_a_room_message_reaches_every_joined_stream_at_once() -> None:
    _server, room, streams = _room("amy", "bob", "cy")
    event = _created(42)
    for session, _sink in streams:
        session.deliver(event)  # no await: sent before the router hands the event to the next stream
    for session, sink in streams:
        [stanza] = sink.sent
        assert stanza.attrib == {
            "type": "groupchat",
            "from": "team@conference.example.com/amy",
            "to": str(session.jid),
            "id": "c1",
        }
        assert stanza.findtext(f"{C}body") == "fish & chips"
        assert stanza.find(f"{SID}stanza-id").attrib == {"id": "42", "by": "team@conference.example.com"}  # type: ignore[union-attr]
        expected = ET.Element(stanza.tag, stanza.attrib)
        expected.extend(list(stanza))
        assert serialize(stanza) == serialize(expected)
    assert room.fanout is not None and room.fanout[0] is event  # one stanza made for the three


async def test_what_needs_a_lookup_and_what_follows_it_wait_for_the_render_task() -> None:
    _server, _room_occupants, [(session, sink)] = _room("amy")
    session.deliver(_created(43, reply_to=42))  # a reply quotes the replied message: a lookup
    session.deliver(_created(44))  # renders without one, but must not overtake the reply
    session.deliver(TypingChanged(conversation_id=7, user_id=1, active=True))
    assert sink.sent == [] and len(session._events) == 3
    assert session._drain is not None
    session._drain.cancel()
    await asyncio.gather(session._drain, return_exceptions=True)
