"""Presence per resource (RFC 6121 §4): XMPP clients see each of a colleague's resources with show,
status and priority, the web sessions as one `/web` resource; the web sees one presence per person.
Negative priority (§8.5.2.1.1): no messages to the bare JID."""

from __future__ import annotations

import asyncio

from slixmpp import JID

from tests.conftest import Connect, MakePerson
from tests.support.roster import jid, presence_from
from tests.support.server import ServerProcess
from tests.support.xmpp import connected


async def test_each_resource_is_seen_and_the_web_is_one(
    server: ServerProcess, make_person: MakePerson, connect: Connect
) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    watcher = await connect(alice)
    async with connected(server, alice.username, alice.password) as a:
        async with (
            connected(server, bob.username, bob.password, resource="laptop", send_presence=False) as laptop,
            connected(server, bob.username, bob.password, resource="phone", send_presence=False) as phone,
        ):
            laptop.send_presence(ppriority=5)
            seen_laptop = await presence_from(a, jid(bob, "laptop"))
            assert seen_laptop["priority"] == 5
            # one at a time: presence_from drops what it does not match, and the two streams race
            phone.send_presence(pshow="away", pstatus="on the train", ppriority=-1)
            seen_phone = await presence_from(a, jid(bob, "phone"))
            assert (seen_phone["show"], seen_phone["status"], seen_phone["priority"]) == ("away", "on the train", -1)
            web = await connect(bob)
            await presence_from(a, jid(bob, "web"))
            await web.close()
            await presence_from(a, jid(bob, "web"), "unavailable")

            online = await watcher.until("presence", user_id=bob.user_id)
            assert online["show"] == "available"  # the web sees the person, the most available resource
        await presence_from(a, jid(bob), "unavailable")
        offline = await watcher.until("presence", user_id=bob.user_id, show="unavailable")
        assert offline["last_seen_at"]


async def test_a_new_resource_learns_the_others_and_its_own_siblings(
    server: ServerProcess, make_person: MakePerson
) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    async with (
        connected(server, bob.username, bob.password, resource="desk"),
        connected(server, alice.username, alice.password, resource="one"),
        connected(server, alice.username, alice.password, resource="two") as two,
    ):
        await presence_from(two, jid(bob, "desk"))
        await presence_from(two, jid(alice, "one"))  # the user's other resource (§4.2.2)


async def test_negative_priority_gets_no_bare_jid_messages(server: ServerProcess, make_person: MakePerson) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    async with (
        connected(server, bob.username, bob.password, resource="main") as main,
        connected(server, bob.username, bob.password, resource="bot", send_presence=False) as bot,
        connected(server, alice.username, alice.password) as a,
    ):
        bot.send_presence(ppriority=-1)
        await presence_from(a, jid(bob, "bot"))
        a.send_message(mto=JID(jid(bob)), mbody="to the bare JID", mtype="chat")
        assert (await main.next_message())["body"] == "to the bare JID"
        a.send_message(mto=JID(jid(bob, "bot")), mbody="to the bot itself", mtype="chat")
        got = await bot.next_message()
        assert got["body"] == "to the bot itself"  # addressed to it: delivered (§8.5.3.2.1)
        await asyncio.sleep(0.3)
        assert bot.messages.empty()
