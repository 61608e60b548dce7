"""XEP-0045 pieces without a server: room localparts, <history/> parsing, occupancy bookkeeping."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest

from roost.model.conversations import Role
from roost.model.jid import Jid
from roost.model.messages import Message
from roost.xmpp.errors import StanzaError
from roost.xmpp.ext.xep0045_muc.history import HistoryRequest
from roost.xmpp.ext.xep0045_muc.occupancy import Occupancy, Occupant, RoomOccupants
from roost.xmpp.ext.xep0045_muc.stanzas import MUC_USER, id_of, occupant_presence, stamp

MUC = "http://jabber.org/protocol/muc"


def _x(**history: str) -> ET.Element:
    x = ET.Element(f"{{{MUC}}}x")
    ET.SubElement(x, f"{{{MUC}}}history", history)
    return x


@pytest.mark.parametrize(
    ("local", "expected"), [("123", 123), ("0123", None), ("team", None), ("9" * 20, None), ("١٢", None)]
)
def test_room_ids_are_plain_decimal(local: str, expected: int | None) -> None:
    assert id_of(local) == expected


def test_history_requests() -> None:
    assert HistoryRequest.of(None) == HistoryRequest()
    assert HistoryRequest.of(ET.Element(f"{{{MUC}}}x")) == HistoryRequest()
    asked = HistoryRequest.of(_x(maxstanzas="5", maxchars="0", seconds="60", since="2025-01-02T03:04:05Z"))
    assert asked == HistoryRequest(5, 0, 60, datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC))
    now = datetime(2025, 1, 2, 3, 10, tzinfo=UTC)
    assert asked.cutoff(now) == now - timedelta(seconds=60)
    assert HistoryRequest(since=now).cutoff(now + timedelta(days=1)) == now
    for bad in ({"maxstanzas": "-1"}, {"seconds": "1e3"}, {"since": "yesterday"}):
        with pytest.raises(StanzaError) as raised:
            HistoryRequest.of(_x(**bad))
        assert raised.value.condition == "bad-request"


def test_stamps_are_utc() -> None:
    assert stamp(datetime(2025, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)) == "2025-01-02T03:04:05.678Z"


class _Stream:
    def __init__(self, name: str) -> None:
        self.id = name


def test_occupancy_keeps_one_nick_over_several_streams() -> None:
    rooms = Occupancy()
    laptop, phone = cast(Any, _Stream("laptop")), cast(Any, _Stream("phone"))
    room = RoomOccupants(7, "team")
    first = rooms.add(room, Occupant("amy", 1, Role.OWNER), laptop)
    again = rooms.add(room, Occupant("amy", 1, Role.OWNER), phone)
    assert again is first and set(first.sessions) == {"laptop", "phone"}
    assert rooms.named("team") is room and rooms.rooms_of(phone) == [7]
    assert room.nick_of_user(1) == "amy"
    assert rooms.remove(7, laptop) is None  # the nick stays while a stream holds it
    assert rooms.remove(7, phone) is first
    assert rooms.named("team") is None and rooms.remove(7, phone) is None


def test_occupancy_lookups_follow_joins_renames_and_leaves() -> None:
    rooms = Occupancy()
    laptop, phone, other = (cast(Any, _Stream(name)) for name in ("laptop", "phone", "other"))
    room = RoomOccupants(7, "team")
    amy = rooms.add(room, Occupant("amy", 1, Role.OWNER), laptop)
    assert room.occupant_of(laptop) is amy and room.occupant_of(phone) is None and room.nick_of_user(2) is None
    bob = rooms.add(room, Occupant("bob", 2, Role.MEMBER), other)
    second = rooms.add(room, Occupant("amy-phone", 1, Role.OWNER), phone)  # a second nick of the same user
    assert room.occupant_of(other) is bob and room.occupant_of(phone) is second
    assert room.nick_of_user(1) == "amy" and room.nick_of_user(2) == "bob"  # the first nick listed
    room.rename(bob, "robert")
    assert room.nick_of_user(2) == "robert" and set(room.by_nick) == {"amy", "amy-phone", "robert"}
    rooms.remove(7, laptop)
    assert room.occupant_of(laptop) is None and room.nick_of_user(1) == "amy-phone"


class _UserStream:
    def __init__(self, name: str, user_id: int) -> None:
        self.id, self.user_id = name, user_id


def test_a_person_under_two_nicks_is_shown_under_the_nick_they_sent_from() -> None:
    rooms = Occupancy()
    laptop, phone, bobs, bobs_phone = (
        cast(Any, _UserStream(name, user_id))
        for name, user_id in (("laptop", 1), ("phone", 1), ("bobs", 2), ("bobs-phone", 2))
    )
    room = RoomOccupants(7, "team")
    rooms.add(room, Occupant("amy", 1, Role.OWNER), laptop)
    rooms.add(room, Occupant("amy-phone", 1, Role.OWNER), phone)
    rooms.add(room, Occupant("bob", 2, Role.MEMBER), bobs)
    assert [o.nick for o in room.occupants_of_user(1)] == ["amy", "amy-phone"]
    assert room.nick_of_sender(1) == "amy"  # nothing sent from a stream yet: the first nick, as before
    room.note_sender(phone)
    assert room.nick_of_sender(1) == "amy-phone" and room.nick_of_session(phone) == "amy-phone"

    rooms.note_sent(7, 1, "c1", "amy-phone")
    message = Message(1, 7, 1, "c1", "hi", datetime(2025, 1, 2, tzinfo=UTC))
    assert rooms.sent_nick(message) == "amy-phone"
    assert rooms.sent_nick(replace(message, client_id=None)) is None  # sent from the web
    assert rooms.sent_nick(replace(message, conversation_id=8)) is None

    rooms.remove(7, phone)
    assert room.nick_of_sender(1) == "amy" and room.nick_of_session(phone) is None  # the phone left
    assert room.nick_shown(1, "amy-phone") == "amy-phone"  # history keeps the nick it was sent under
    rooms.add(room, Occupant("amy-phone", 2, Role.MEMBER), bobs_phone)
    assert room.nick_shown(1, "amy-phone") == "amy"  # unless someone else holds it now


def test_a_leaver_keeps_their_affiliation_unless_removed() -> None:
    room, to = Jid("team", "conference.example.com", "amy"), Jid("bob", "example.com", "laptop")

    def item(stanza: ET.Element) -> dict[str, str]:
        found = stanza.find(f"{{{MUC_USER}}}x/{{{MUC_USER}}}item")
        assert found is not None
        return {key: found.get(key, "") for key in ("affiliation", "role")}

    left = occupant_presence(room, to, role=None, real_jid="amy@example.com/laptop", affiliation=Role.ADMIN)
    assert left.get("type") == "unavailable" and item(left) == {"affiliation": "admin", "role": "none"}
    removed = occupant_presence(room, to, role=None, real_jid="amy@example.com/laptop")
    assert item(removed) == {"affiliation": "none", "role": "none"}
