"""XEP-0198 Stream Management with slixmpp over real sockets: acknowledgements, resumption of a dropped
stream without losing or repeating a message, and <failed/> when a stream cannot be resumed."""

from __future__ import annotations

import asyncio
from typing import Any

from slixmpp import JID
from slixmpp.plugins.xep_0198 import stanza as sm
from slixmpp.xmlstream.handler import Waiter
from slixmpp.xmlstream.matcher import MatchXPath

from tests.conftest import MakePerson
from tests.support.client import Person
from tests.support.muc import MUC_PLUGINS, make_room, room_jid, watch
from tests.support.server import ServerProcess
from tests.support.xmpp import TIMEOUT, Client, connected, next_event, wait_for

SM_PLUGINS = ("xep_0030", "xep_0199", "xep_0198")
STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas"


def jid(someone: Person) -> JID:
    return JID(f"{someone.username}@localhost")


def failure(stanza: Any) -> str:
    """The defined condition of an SM <failed/>."""
    return str(next(child.tag.split("}")[1] for child in stanza.xml if child.tag.startswith(f"{{{STANZAS}}}")))


async def drop(client: Client) -> None:
    """Lose the TCP connection without closing the stream (a phone going into a tunnel)."""
    gone = next_event(client, "disconnected")
    client.abort()
    await asyncio.wait_for(gone, TIMEOUT)


async def resume(client: Client, server: ServerProcess) -> Any:
    resumed = next_event(client, "session_resumed")
    client.connect("127.0.0.1", server.xmpp_port)
    return await asyncio.wait_for(resumed, TIMEOUT)


async def bodies_until(client: Client, last: str) -> list[str]:
    got: list[str] = []
    while not got or got[-1] != last:
        message = await client.next_message()
        if message["body"]:
            got.append(message["body"])
    return got


async def acknowledged(client: Client, count: int) -> int:
    """The h of the first <a/> that acknowledges `count` stanzas (earlier answers may still be in flight)."""
    while True:
        waiter = Waiter("ack", MatchXPath(sm.Ack.tag_name()))
        client.register_handler(waiter)
        ack = await waiter.wait(timeout=int(TIMEOUT))
        assert ack is not None, "no <a/> from the server"
        if ack["h"] >= count:
            return int(ack["h"])


async def stored(reader: Person, other: Person, body: str) -> None:
    """Wait (bounded) until `body` is the latest message of the two's conversation."""
    conversation = await reader.direct(other)
    for _ in range(100):
        history = await reader.get(f"/api/v1/conversations/{conversation}/messages")
        if history["messages"] and history["messages"][-1]["body"] == body:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"{body!r} was not stored")


def ask_for_max(client: Client, seconds: int) -> None:
    """Ask for a shorter resumption time in <enable max=.../>."""

    def with_max(stanza: Any) -> Any:
        if isinstance(stanza, sm.Enable):
            stanza["max"] = str(seconds)
        return stanza

    client.add_filter("out", with_max)


async def test_enable_and_acknowledge_handled_stanzas(server: ServerProcess, make_person: MakePerson) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    async with (
        connected(server, alice.username, alice.password, plugins=SM_PLUGINS) as a,
        connected(server, bob.username, bob.password) as b,
    ):
        management = a.plugin["xep_0198"]
        assert management.sm_id
        for number in range(3):
            a.send_message(mto=jid(bob), mbody=f"counted {number}", mtype="chat")
        assert await bodies_until(b, "counted 2") == ["counted 0", "counted 1", "counted 2"]
        sent = management.seq
        management.request_ack()  # type: ignore[no-untyped-call]
        assert await acknowledged(a, sent) == sent  # every stanza alice sent was handled
        assert not management.unacked_queue
    conversation = await alice.direct(bob)
    history = await alice.get(f"/api/v1/conversations/{conversation}/messages")
    assert [m["body"] for m in history["messages"]] == ["counted 0", "counted 1", "counted 2"]


async def test_a_dropped_stream_resumes_and_every_message_arrives_once(
    server: ServerProcess, make_person: MakePerson
) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    async with (
        connected(server, alice.username, alice.password, plugins=SM_PLUGINS) as a,
        connected(server, bob.username, bob.password) as b,
    ):
        b.send_message(mto=jid(alice), mbody="before", mtype="chat")
        assert await bodies_until(a, "before") == ["before"]
        await drop(a)
        for number in range(4):
            b.send_message(mto=jid(alice), mbody=f"meanwhile {number}", mtype="chat")
        await stored(alice, bob, "meanwhile 3")  # routed to alice's detached session before she is back
        resumed = await resume(a, server)
        assert resumed["h"] >= 0
        b.send_message(mto=jid(alice), mbody="after", mtype="chat")
        assert await bodies_until(a, "after") == [f"meanwhile {n}" for n in range(4)] + ["after"]
        assert a.messages.empty()
        a.send_message(mto=jid(bob), mbody="back again", mtype="chat")
        assert (await wait_for(b.messages, lambda m: m["body"] == "back again"))["from"].bare == jid(alice)


async def test_resuming_while_the_old_connection_looks_alive(server: ServerProcess, make_person: MakePerson) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    async with (
        connected(server, alice.username, alice.password, plugins=SM_PLUGINS) as a,
        connected(server, bob.username, bob.password) as b,
    ):
        old = Client(f"{alice.username}@localhost/tests", alice.password, SM_PLUGINS)
        old.plugin["xep_0198"].sm_id = a.plugin["xep_0198"].sm_id  # a second socket resumes the same stream
        old.plugin["xep_0198"].handled = a.plugin["xep_0198"].handled
        old.plugin["xep_0198"].last_ack = a.plugin["xep_0198"].last_ack
        old.plugin["xep_0198"].seq = a.plugin["xep_0198"].seq
        taken = next_event(a, "disconnected")
        try:
            await resume(old, server)
            await asyncio.wait_for(taken, TIMEOUT)  # the first connection is closed with <conflict/>
            b.send_message(mto=jid(alice), mbody="to the new socket", mtype="chat")
            assert await bodies_until(old, "to the new socket") == ["to the new socket"]
        finally:
            old.disconnect()


async def test_unknown_or_foreign_ids_fail_with_item_not_found(server: ServerProcess, make_person: MakePerson) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    async with connected(server, bob.username, bob.password, plugins=SM_PLUGINS) as b:
        for previd in ("no-such-stream", b.plugin["xep_0198"].sm_id):
            client = Client(f"{alice.username}@localhost/tests", alice.password, SM_PLUGINS)
            client.plugin["xep_0198"].sm_id = previd
            failed = next_event(client, "sm_failed")
            client.connect("127.0.0.1", server.xmpp_port)
            try:
                assert failure(await asyncio.wait_for(failed, TIMEOUT)) == "item-not-found"
                assert await asyncio.wait_for(client.started, TIMEOUT)  # binds a new session instead
            finally:
                client.disconnect()
        await b.plugin["xep_0199"].ping(jid=JID("localhost"), timeout=TIMEOUT)  # bob's stream is untouched


async def test_enable_twice_and_resume_after_binding_are_unexpected(
    server: ServerProcess, make_person: MakePerson
) -> None:
    alice = await make_person("alice")
    async with connected(server, alice.username, alice.password, plugins=SM_PLUGINS) as a:
        for nonza in ("<enable xmlns='urn:xmpp:sm:3'/>", "<resume xmlns='urn:xmpp:sm:3' h='0' previd='x'/>"):
            failed = next_event(a, "sm_failed")
            a.send_raw(nonza)
            assert failure(await asyncio.wait_for(failed, TIMEOUT)) == "unexpected-request"
        await a.plugin["xep_0199"].ping(jid=JID("localhost"), timeout=TIMEOUT)


async def test_acknowledging_more_than_was_sent_ends_the_stream(server: ServerProcess, make_person: MakePerson) -> None:
    alice = await make_person("alice")
    async with connected(server, alice.username, alice.password, plugins=SM_PLUGINS) as a:
        error = next_event(a, "stream_error")
        a.send_raw("<a xmlns='urn:xmpp:sm:3' h='4000'/>")
        assert (await asyncio.wait_for(error, TIMEOUT))["condition"] == "undefined-condition"


async def test_a_stream_not_resumed_in_time_ends_and_presence_turns_unavailable(
    server: ServerProcess, make_person: MakePerson
) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    async with connected(server, bob.username, bob.password) as b:
        a = Client(f"{alice.username}@localhost/tests", alice.password, SM_PLUGINS)
        ask_for_max(a, 1)
        a.connect("127.0.0.1", server.xmpp_port)
        try:
            assert await asyncio.wait_for(a.started, TIMEOUT)
            a.send_presence()
            await wait_for(b.presences, lambda p: p["from"].bare == jid(alice) and p["type"] == "available")
            await drop(a)
            await wait_for(b.presences, lambda p: p["from"].bare == jid(alice) and p["type"] == "unavailable")
            failed = next_event(a, "sm_failed")
            a.connect("127.0.0.1", server.xmpp_port)
            assert failure(await asyncio.wait_for(failed, TIMEOUT)) == "item-not-found"
        finally:
            a.disconnect()


async def test_a_clean_close_is_not_resumable(server: ServerProcess, make_person: MakePerson) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    async with connected(server, bob.username, bob.password) as b:
        async with connected(server, alice.username, alice.password, plugins=SM_PLUGINS) as a:
            await wait_for(b.presences, lambda p: p["from"].bare == jid(alice) and p["type"] == "available")
            previd = a.plugin["xep_0198"].sm_id
        await wait_for(b.presences, lambda p: p["from"].bare == jid(alice) and p["type"] == "unavailable")
    again = Client(f"{alice.username}@localhost/tests", alice.password, SM_PLUGINS)
    again.plugin["xep_0198"].sm_id = previd
    failed = next_event(again, "sm_failed")
    again.connect("127.0.0.1", server.xmpp_port)
    try:
        assert failure(await asyncio.wait_for(failed, TIMEOUT)) == "item-not-found"
    finally:
        again.disconnect()


async def _online_phone(server: ServerProcess, alice: Person, bob_client: Client) -> Client:
    """alice's phone (stream management, resumable for 1 s), online: bob has seen it."""
    phone = Client(f"{alice.username}@localhost/phone", alice.password, SM_PLUGINS)
    ask_for_max(phone, 1)
    phone.connect("127.0.0.1", server.xmpp_port)
    assert await asyncio.wait_for(phone.started, TIMEOUT)
    phone.send_presence()
    await wait_for(bob_client.presences, lambda p: p["from"] == JID(f"{alice.username}@localhost/phone"))
    return phone


async def _detached_phone(server: ServerProcess, alice: Person, bob_client: Client) -> Client:
    """alice's phone, online, then dropped."""
    phone = await _online_phone(server, alice, bob_client)
    await drop(phone)
    return phone


async def test_what_a_stream_never_acknowledged_is_delivered_offline_when_it_is_not_resumed(
    server: ServerProcess, make_person: MakePerson
) -> None:
    """XEP-0198 §5: unacknowledged stanzas of a session that ends count as sent to an unavailable
    resource; with no other resource online, the next login's offline delivery gives them."""
    alice, bob = await make_person("alice"), await make_person("bob")
    async with connected(server, bob.username, bob.password) as b:
        phone = await _detached_phone(server, alice, b)
        try:
            for number in range(3):
                b.send_message(mto=jid(alice), mbody=f"into the tunnel {number}", mtype="chat")
            await stored(alice, bob, "into the tunnel 2")  # handed to the detached session, never acked
            await wait_for(b.presences, lambda p: p["from"].bare == jid(alice) and p["type"] == "unavailable")
        finally:
            phone.disconnect()
        async with connected(server, alice.username, alice.password, resource="phone") as fresh:
            assert await bodies_until(fresh, "into the tunnel 2") == [f"into the tunnel {n}" for n in range(3)]


async def test_what_a_stream_never_acknowledged_goes_to_the_users_other_resources(
    server: ServerProcess, make_person: MakePerson
) -> None:
    """With another resource online, that one gets them when the dropped stream's session ends."""
    alice, bob = await make_person("alice"), await make_person("bob")
    async with (
        connected(server, bob.username, bob.password) as b,
        connected(server, alice.username, alice.password, resource="desk") as desk,
    ):
        phone = await _detached_phone(server, alice, b)
        try:
            for number in range(2):
                b.send_message(
                    mto=JID(f"{alice.username}@localhost/phone"), mbody=f"to the phone {number}", mtype="chat"
                )
            await stored(alice, bob, "to the phone 1")
        finally:
            phone.disconnect()
        assert await bodies_until(desk, "to the phone 1") == ["to the phone 0", "to the phone 1"]
        b.send_message(mto=jid(alice), mbody="later", mtype="chat")
        assert await bodies_until(desk, "later") == ["later"]  # each once


async def test_a_change_a_stream_never_acknowledged_comes_again_at_the_next_login(
    server: ServerProcess, make_person: MakePerson
) -> None:
    """A correction handed to a dropped stream moved the delivery mark; it is undone with the session."""
    alice, bob = await make_person("alice"), await make_person("bob")
    conversation = await bob.direct(alice)
    async with connected(server, bob.username, bob.password) as b:
        phone = await _online_phone(server, alice, b)
        try:
            sent = await bob.send(conversation, "helo")
            await wait_for(phone.messages, lambda m: m["body"] == "helo")
            await drop(phone)
            edited = await bob.http.patch(f"/api/v1/messages/{sent['id']}", json={"body": "hello"})
            assert edited.status_code == 200, edited.text
            await wait_for(b.presences, lambda p: p["from"].bare == jid(alice) and p["type"] == "unavailable")
        finally:
            phone.disconnect()
    async with connected(server, alice.username, alice.password, resource="phone") as fresh:
        await wait_for(fresh.messages, lambda m: m["body"] == "hello")  # the correction, or the message as it is now


async def test_an_invitation_a_stream_never_acknowledged_comes_again_at_the_next_login(
    server: ServerProcess, make_person: MakePerson
) -> None:
    """An invitation to a room (added elsewhere) handed to a dropped stream moved the delivery
    mark; it is undone with the session, so the next login is invited again (XEP-0160 time)."""
    alice, bob = await make_person("alice"), await make_person("bob")
    async with connected(server, bob.username, bob.password) as b:
        phone = await _detached_phone(server, alice, b)
        try:
            room = await make_room(bob, "Made while alice was in a tunnel", members=(alice,))
            await wait_for(b.presences, lambda p: p["from"].bare == jid(alice) and p["type"] == "unavailable")
        finally:
            phone.disconnect()
    async with connected(
        server, alice.username, alice.password, resource="phone", plugins=MUC_PLUGINS, send_presence=False
    ) as fresh:
        invites = watch(fresh, "groupchat_invite")
        fresh.send_presence()
        await wait_for(invites, lambda m: m["from"] == room_jid(room))


async def test_a_stream_not_resumed_in_time_leaves_its_rooms(server: ServerProcess, make_person: MakePerson) -> None:
    """A session that ends while detached (no connection left to clean up after) still takes
    its nick out of the rooms it joined: the others see it leave (XEP-0045 §7.14)."""
    alice, bob = await make_person("alice"), await make_person("bob")
    room = await make_room(bob, "Tunnel watchers", members=(alice,))
    async with connected(server, bob.username, bob.password, plugins=MUC_PLUGINS) as b:
        await b.plugin["xep_0045"].join_muc_wait(room_jid(room), "bob", maxstanzas=0, timeout=TIMEOUT)
        occupants = watch(b)
        phone = Client(f"{alice.username}@localhost/phone", alice.password, (*SM_PLUGINS, "xep_0045"))
        ask_for_max(phone, 1)
        phone.connect("127.0.0.1", server.xmpp_port)
        try:
            assert await asyncio.wait_for(phone.started, TIMEOUT)
            await phone.plugin["xep_0045"].join_muc_wait(room_jid(room), "alice", maxstanzas=0, timeout=TIMEOUT)
            await wait_for(occupants, lambda p: p["from"] == room_jid(room, "alice") and p["type"] == "available")
            await drop(phone)
            gone = await wait_for(occupants, lambda p: p["from"] == room_jid(room, "alice"))
            assert gone["type"] == "unavailable"
            assert gone["muc"]["role"] == "none"
            await b.plugin["xep_0199"].ping(jid=JID("localhost"), timeout=TIMEOUT)
        finally:
            phone.disconnect()
