"""XEP-0045 between occupants with slixmpp over real sockets: nick changes (303) and private messages."""

from __future__ import annotations

import asyncio

from slixmpp.exceptions import PresenceError

from tests.conftest import MakePerson
from tests.support.muc import MUC_PLUGINS, codes, make_room, room_jid, wait_for, watch
from tests.support.server import ServerProcess
from tests.support.xmpp import TIMEOUT, connected, every_message

MUC_USER = "http://jabber.org/protocol/muc#user"


async def test_a_nick_change_is_announced_with_303(server: ServerProcess, make_person: MakePerson) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    room = await make_room(alice, "Nicks", members=(bob,))
    async with (
        connected(server, alice.username, alice.password, plugins=MUC_PLUGINS) as a,
        connected(server, bob.username, bob.password, plugins=MUC_PLUGINS) as b,
    ):
        await a.plugin["xep_0045"].join_muc_wait(room_jid(room), "alice", timeout=TIMEOUT)
        await b.plugin["xep_0045"].join_muc_wait(room_jid(room), "bob", timeout=TIMEOUT)
        seen_by_a, seen_by_b = watch(a), watch(b)
        b.send_presence(pto=room_jid(room, "bobby"))

        for queue, mine in ((seen_by_b, True), (seen_by_a, False)):
            left = await wait_for(queue, lambda p: p["from"] == room_jid(room, "bob") and p["type"] == "unavailable")
            assert 303 in codes(left) and (110 in codes(left)) is mine
            item = left.xml.find(f"{{{MUC_USER}}}x/{{{MUC_USER}}}item")
            assert item.get("nick") == "bobby"  # slixmpp's ["muc"]["nick"] is the from resource
            assert left["muc"]["affiliation"] == "member"
            came = await wait_for(queue, lambda p: p["from"] == room_jid(room, "bobby"))
            assert came["type"] != "unavailable" and (110 in codes(came)) is mine

        groupchats = watch(a, "groupchat_message")
        b.send_message(mto=room_jid(room), mbody="new name", mtype="groupchat")
        got = await wait_for(groupchats, lambda m: m["body"] == "new name")
        assert got["from"] == room_jid(room, "bobby")

        try:  # the nick of another occupant, or another person's username
            await b.plugin["xep_0045"].join_muc_wait(room_jid(room), "alice", timeout=TIMEOUT)
            raise AssertionError("took an occupant's nick")
        except PresenceError as error:
            assert error.condition == "conflict"


async def test_private_messages_reach_the_occupant_and_are_not_stored(
    server: ServerProcess, make_person: MakePerson
) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    room = await make_room(alice, "Whispers", members=(bob,))
    async with (
        connected(server, alice.username, alice.password, plugins=MUC_PLUGINS) as a,
        connected(server, bob.username, bob.password, plugins=MUC_PLUGINS, resource="one") as b1,
        connected(server, bob.username, bob.password, plugins=MUC_PLUGINS, resource="two") as b2,
    ):
        for client, nick in ((a, "alice"), (b1, "bob"), (b2, "bob")):
            await client.plugin["xep_0045"].join_muc_wait(room_jid(room), nick, timeout=TIMEOUT)
        on_one, on_two = every_message(b1), every_message(b2)
        a.send_message(mto=room_jid(room, "bob"), mbody="just for you", mtype="chat")
        for queue in (on_one, on_two):  # every stream joined under the nick
            got = await wait_for(queue, lambda m: m["body"] == "just for you")
            assert got["from"] == room_jid(room, "alice")
            assert got["type"] == "chat"
            assert got.xml.find("{http://jabber.org/protocol/muc#user}x") is not None

        errors = watch(a, "message_error")
        a.send_message(mto=room_jid(room, "nobody"), mbody="?", mtype="chat")
        assert (await wait_for(errors, lambda m: True))["error"]["condition"] == "item-not-found"
        a.send_message(mto=room_jid(room, "bob"), mbody="?", mtype="groupchat")
        assert (await wait_for(errors, lambda m: True))["error"]["condition"] == "bad-request"
    await asyncio.sleep(0.2)
    assert (await alice.get(f"/api/v1/conversations/{room['id']}/messages"))["messages"] == []
