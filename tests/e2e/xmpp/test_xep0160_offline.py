"""XEP-0160 offline delivery over real sockets: what came while no XMPP client was available
arrives at initial presence with an XEP-0203 delay, once."""

from __future__ import annotations

from typing import Any

from slixmpp import JID

from tests.conftest import MakePerson
from tests.support.client import Person
from tests.support.server import ServerProcess
from tests.support.xmpp import TIMEOUT, Client, connected, drain, wait_for

DELAY = "{urn:xmpp:delay}delay"


def delayed(client: Client) -> list[tuple[str, Any]]:
    """(body, delay element) of the messages received so far."""
    return [(m["body"], m.xml.find(DELAY)) for m in drain(client.messages) if m["body"]]


async def log_in_and_out(server: ServerProcess, someone: Person, watcher: Client) -> None:
    """One XMPP session of `someone`, ended; returns once `watcher` saw them go offline."""
    async with connected(server, someone.username, someone.password, resource="once"):
        pass
    jid = f"{someone.username}@localhost"
    await wait_for(watcher.presences, lambda p: p["from"].bare == jid and p["type"] == "unavailable")


async def test_messages_sent_while_offline_arrive_with_delay_once(
    server: ServerProcess, make_person: MakePerson
) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    conversation = await bob.direct(alice)
    async with connected(server, bob.username, bob.password) as b:
        await log_in_and_out(server, alice, b)
        await bob.send(conversation, "while you were out")
        await alice.send(conversation, "sent from alice's browser")  # her own: in MAM, not offline
        await bob.send(conversation, "and again")
        async with connected(server, alice.username, alice.password) as a:
            got = delayed(a)
            assert [body for body, _ in got] == ["while you were out", "and again"]
            assert all(stamp is not None and stamp.get("stamp").endswith("Z") for _, stamp in got)
            assert got[0][1].get("from") == "localhost"
            b.send_message(mto=JID(f"{alice.username}@localhost"), mbody="live", mtype="chat")
            live = await wait_for(a.messages, lambda m: m["body"] == "live")
            assert live.xml.find(DELAY) is None
        async with connected(server, alice.username, alice.password) as again:
            assert delayed(again) == []  # nothing twice


async def test_the_first_xmpp_login_does_not_replay_history(server: ServerProcess, make_person: MakePerson) -> None:
    carol, bob = await make_person("carol"), await make_person("bob")
    conversation = await bob.direct(carol)
    await bob.send(carol_conversation := conversation, "before carol ever used XMPP")
    async with connected(server, bob.username, bob.password) as b:
        async with connected(server, carol.username, carol.password) as c:
            assert delayed(c) == []  # that one is in the archive (MAM)
        await wait_for(
            b.presences, lambda p: p["from"].bare == f"{carol.username}@localhost" and p["type"] == "unavailable"
        )
        await bob.send(carol_conversation, "after")
        async with connected(server, carol.username, carol.password) as c:
            assert [body for body, _ in delayed(c)] == ["after"]


async def test_a_second_resource_gets_no_offline_copies(server: ServerProcess, make_person: MakePerson) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    conversation = await bob.direct(alice)
    async with connected(server, alice.username, alice.password, resource="phone") as phone:
        await bob.send(conversation, "to the phone")
        await wait_for(phone.messages, lambda m: m["body"] == "to the phone")
        async with connected(server, alice.username, alice.password, resource="laptop") as laptop:
            assert delayed(laptop) == []


async def test_messages_before_initial_presence_wait_for_it(server: ServerProcess, make_person: MakePerson) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    conversation = await bob.direct(alice)
    async with connected(server, bob.username, bob.password) as b:
        await log_in_and_out(server, alice, b)
        async with connected(server, alice.username, alice.password, send_presence=False) as a:
            await bob.send(conversation, "before your presence")
            await a.plugin["xep_0199"].ping(jid=JID("localhost"), timeout=TIMEOUT)
            assert delayed(a) == []  # not available yet (RFC 6121 §8.5.2.1.1)
            a.send_presence()
            got = await wait_for(a.messages, lambda m: m["body"] == "before your presence")
            assert got["body"] == "before your presence"
            await a.get_roster()
            assert delayed(a) == []  # once
        info_features = await _features(server, alice)
        assert "msgoffline" in info_features


async def test_a_message_to_a_connected_full_jid_arrives_before_initial_presence(
    server: ServerProcess, make_person: MakePerson
) -> None:
    """RFC 6121 §8.5.3.1: a full JID names a connected resource; the bare JID waits for presence."""
    alice, bob = await make_person("alice"), await make_person("bob")
    async with connected(server, bob.username, bob.password) as b:
        await log_in_and_out(server, alice, b)
        async with connected(server, alice.username, alice.password, resource="desk", send_presence=False) as a:
            b.send_message(mto=JID(f"{alice.username}@localhost"), mbody="to the bare JID", mtype="chat")
            b.send_message(mto=JID(f"{alice.username}@localhost/desk"), mbody="to the desk", mtype="chat")
            got = await wait_for(a.messages, lambda m: m["body"] == "to the desk")
            assert got.xml.find(DELAY) is None
            assert [m["body"] for m in drain(a.messages)] == []  # the bare one waits for presence
            a.send_presence()
            waited = await wait_for(a.messages, lambda m: m["body"] == "to the bare JID")
            assert waited.xml.find(DELAY) is not None
            await a.get_roster()
            assert [body for body, _ in delayed(a)] == []  # and the desk's one is not given twice


async def _features(server: ServerProcess, someone: Person) -> list[str]:
    async with connected(server, someone.username, someone.password) as client:
        info = await client.plugin["xep_0030"].get_info(jid=JID("localhost"), timeout=TIMEOUT)
        return list(info["disco_info"]["features"])
