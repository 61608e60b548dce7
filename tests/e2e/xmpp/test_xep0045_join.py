"""XEP-0045 with slixmpp over real sockets: discovery, joining, history, subject, nicks, leaving."""

from __future__ import annotations

import pytest
from slixmpp import JID
from slixmpp.exceptions import IqError, PresenceError

from tests.conftest import MakePerson
from tests.support.muc import MUC_PLUGINS, SERVICE, codes, make_room, member_ids, room_jid, wait_for, watch
from tests.support.server import ServerProcess
from tests.support.xmpp import TIMEOUT, connected, send_iq

MUC = "http://jabber.org/protocol/muc"


async def test_the_service_and_its_rooms_are_discoverable(server: ServerProcess, make_person: MakePerson) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    secret = await make_room(alice, "Secret plans")
    lobby = await make_room(alice, "Lobby", visibility="open")
    hidden = await make_room(alice, "Not for bob")
    theirs = await make_room(alice, "Bob's too", members=(bob,))
    async with connected(server, bob.username, bob.password, plugins=MUC_PLUGINS) as b:
        disco = b.plugin["xep_0030"]
        items = await disco.get_items(jid=JID("localhost"), timeout=TIMEOUT)
        assert "conference.localhost" in {item[0] for item in items["disco_items"]["items"]}
        info = await disco.get_info(jid=SERVICE, timeout=TIMEOUT)
        assert ("conference", "text", None, "Rooms") in info["disco_info"]["identities"]
        assert MUC in info["disco_info"]["features"]
        rooms = await disco.get_items(jid=SERVICE, timeout=TIMEOUT)
        listed = {item[0]: item[2] for item in rooms["disco_items"]["items"]}
        assert listed[str(room_jid(lobby))] == "Lobby"
        assert listed[str(room_jid(theirs))] == "Bob's too"
        assert str(room_jid(secret)) not in listed
        assert str(room_jid(hidden)) not in listed
        open_info = await disco.get_info(jid=room_jid(lobby), timeout=TIMEOUT)
        assert {"muc_open", "muc_persistent", "muc_nonanonymous"} <= set(open_info["disco_info"]["features"])
        members_info = await disco.get_info(jid=room_jid(theirs), timeout=TIMEOUT)
        assert "muc_membersonly" in members_info["disco_info"]["features"]
        assert ("conference", "text", None, "Bob's too") in members_info["disco_info"]["identities"]
        try:
            await disco.get_info(jid=room_jid(hidden), timeout=TIMEOUT)
            raise AssertionError("a room bob may not see was described")
        except IqError as error:
            assert error.condition == "item-not-found"


async def test_an_unknown_namespace_is_service_unavailable_and_a_known_one_not_implemented(
    server: ServerProcess, make_person: MakePerson
) -> None:
    """RFC 6120 §8.4: a namespace the service does not know gets service-unavailable, as the
    server's domain and accounts answer; feature-not-implemented is for a request it does not
    support of a feature it has."""
    alice = await make_person("alice")
    room = await make_room(alice, "Namespaces")
    async with connected(server, alice.username, alice.password, plugins=MUC_PLUGINS) as a:
        for to in (SERVICE, room_jid(room)):
            with pytest.raises(IqError) as unknown:
                await send_iq(a, "get", "<query xmlns='urn:example:unknown'/>", to=str(to))
            assert unknown.value.condition == "service-unavailable"
            with pytest.raises(IqError) as known:
                await send_iq(a, "set", "<query xmlns='http://jabber.org/protocol/disco#info'/>", to=str(to))
            assert known.value.condition == "feature-not-implemented"


async def test_joining_an_open_room_makes_a_member_with_presence_history_and_subject(
    server: ServerProcess, make_person: MakePerson
) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    room = await make_room(alice, "Lobby", visibility="open", topic="Coffee at ten")
    for text in ("one", "two", "three"):
        await alice.send(room["id"], text)
    async with (
        connected(server, alice.username, alice.password, plugins=MUC_PLUGINS) as a,
        connected(server, bob.username, bob.password, plugins=MUC_PLUGINS) as b,
    ):
        muc_a, muc_b = a.plugin["xep_0045"], b.plugin["xep_0045"]
        seen_by_a = watch(a)
        presence, subject, _occupants, history = await muc_a.join_muc_wait(room_jid(room), "Al", timeout=TIMEOUT)
        assert {110, 100, 170} <= codes(presence)
        assert presence["muc"]["affiliation"] == "owner"
        assert presence["muc"]["role"] == "moderator"
        assert subject["subject"] == "Coffee at ten"
        assert [m["body"] for m in history] == ["one", "two", "three"]
        assert history[0]["from"] == room_jid(room, "Al")  # a joined sender: by their nick
        delay = history[0].xml.find("{urn:xmpp:delay}delay")
        assert delay is not None and delay.get("from") == str(room_jid(room)) and delay.get("stamp")
        assert bob.user_id not in await member_ids(alice, room)
        joined, _, occupants, _ = await muc_b.join_muc_wait(room_jid(room), "Bobby", maxstanzas=1, timeout=TIMEOUT)
        assert joined["muc"]["affiliation"] == "member"
        others = [o for o in occupants if o["from"] != room_jid(room, "Bobby")]
        assert [o["from"] for o in others] == [room_jid(room, "Al")]
        assert others[0]["muc"]["jid"].bare == f"{alice.username}@localhost"
        assert bob.user_id in await member_ids(alice, room)  # joining an open room is the core's join
        seen = await wait_for(seen_by_a, lambda p: p["from"] == room_jid(room, "Bobby"))
        assert seen["muc"]["role"] == "participant"


async def test_history_limits(server: ServerProcess, make_person: MakePerson) -> None:
    alice = await make_person("alice")
    room = await make_room(alice, "History")
    for number in range(5):
        await alice.send(room["id"], f"message {number}")
    async with connected(server, alice.username, alice.password, plugins=MUC_PLUGINS) as a:
        muc, presences = a.plugin["xep_0045"], watch(a)
        _, _, _, two = await muc.join_muc_wait(room_jid(room), "a1", maxstanzas=2, timeout=TIMEOUT)
        assert [m["body"] for m in two] == ["message 3", "message 4"]
        muc.leave_muc(room_jid(room), "a1")
        await wait_for(presences, lambda p: p["from"] == room_jid(room, "a1") and p["type"] == "unavailable")
        _, _, _, none = await muc.join_muc_wait(room_jid(room), "a1", maxchars=0, timeout=TIMEOUT)
        assert none == []
        muc.leave_muc(room_jid(room), "a1")
        await wait_for(presences, lambda p: p["from"] == room_jid(room, "a1") and p["type"] == "unavailable")
        _, _, _, small = await muc.join_muc_wait(room_jid(room), "a1", maxchars=400, timeout=TIMEOUT)
        assert 0 < len(small) < 5 and small[-1]["body"] == "message 4"


async def test_members_only_rooms_refuse_others_and_unknown_rooms_look_the_same(
    server: ServerProcess, make_person: MakePerson
) -> None:
    alice, eve = await make_person("alice"), await make_person("eve")
    room = await make_room(alice, "Private")
    async with connected(server, eve.username, eve.password, plugins=MUC_PLUGINS) as e:
        muc = e.plugin["xep_0045"]
        for target in (room_jid(room), JID("999999999@conference.localhost")):
            try:
                await muc.join_muc_wait(target, "eve", timeout=TIMEOUT)
                raise AssertionError("joined a members-only room")
            except PresenceError as error:
                assert error.condition == "registration-required"
                assert error.etype == "auth"
    assert eve.user_id not in await member_ids(alice, room)


async def test_nick_conflicts(server: ServerProcess, make_person: MakePerson) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    room = await make_room(alice, "Nicks", visibility="open")
    async with (
        connected(server, alice.username, alice.password, plugins=MUC_PLUGINS) as a,
        connected(server, bob.username, bob.password, plugins=MUC_PLUGINS) as b,
    ):
        await a.plugin["xep_0045"].join_muc_wait(room_jid(room), "boss", timeout=TIMEOUT)
        for taken in ("boss", alice.username):  # an occupant's nick, and someone else's username
            try:
                await b.plugin["xep_0045"].join_muc_wait(room_jid(room), taken, timeout=TIMEOUT)
                raise AssertionError("took someone else's nick")
            except PresenceError as error:
                assert error.condition == "conflict"
        await b.plugin["xep_0045"].join_muc_wait(room_jid(room), bob.username, timeout=TIMEOUT)


async def test_leaving_and_disconnecting_are_seen_by_the_others(server: ServerProcess, make_person: MakePerson) -> None:
    alice, bob, carol = await make_person("alice"), await make_person("bob"), await make_person("carol")
    room = await make_room(alice, "Comings and goings", members=(bob, carol))
    async with connected(server, alice.username, alice.password, plugins=MUC_PLUGINS) as a:
        seen_by_a = watch(a)
        await a.plugin["xep_0045"].join_muc_wait(room_jid(room), "alice", timeout=TIMEOUT)
        async with connected(server, bob.username, bob.password, plugins=MUC_PLUGINS) as b:
            seen_by_b = watch(b)
            await b.plugin["xep_0045"].join_muc_wait(room_jid(room), "bob", timeout=TIMEOUT)
            await wait_for(seen_by_a, lambda p: p["from"] == room_jid(room, "bob"))
            b.plugin["xep_0045"].leave_muc(room_jid(room), "bob", "bye")
            own = await wait_for(seen_by_b, lambda p: p["from"] == room_jid(room, "bob") and p["type"] == "unavailable")
            assert 110 in codes(own)
            gone = await wait_for(
                seen_by_a, lambda p: p["from"] == room_jid(room, "bob") and p["type"] == "unavailable"
            )
            assert 110 not in codes(gone)
            for left in (own, gone):  # §7.14: leaving ends the role, not the membership
                assert (left["muc"]["affiliation"], left["muc"]["role"]) == ("member", "none")
            assert bob.user_id in await member_ids(alice, room)  # leaving the MUC is not leaving the room
        async with connected(server, carol.username, carol.password, plugins=MUC_PLUGINS) as c:
            await c.plugin["xep_0045"].join_muc_wait(room_jid(room), "carol", timeout=TIMEOUT)
            await wait_for(seen_by_a, lambda p: p["from"] == room_jid(room, "carol"))
        gone = await wait_for(seen_by_a, lambda p: p["from"] == room_jid(room, "carol") and p["type"] == "unavailable")
        assert 110 not in codes(gone)
        assert (gone["muc"]["affiliation"], gone["muc"]["role"]) == ("member", "none")
