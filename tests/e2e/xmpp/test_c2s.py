"""Standard XMPP clients (slixmpp) against a real server: TLS, SASL, binding, roster, presence, chat,
service discovery, and the same conversations as the web API."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from slixmpp import JID
from slixmpp.exceptions import IqError
from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import MatchXPath

from tests.conftest import MakePerson, server_of_its_own
from tests.support.raw_xmpp import HEADER, direct_tls
from tests.support.scram import ScramClient
from tests.support.server import ServerProcess
from tests.support.xmpp import TIMEOUT, Client, connected, drain, send_payload

SERVER = JID("localhost")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A server of this module's own: it fails logins on purpose (the server throttles 127.0.0.1 then)."""
    yield from server_of_its_own(tmp_path_factory)


async def wait_for(queue: asyncio.Queue[Any], match: Any, timeout: float = TIMEOUT) -> Any:
    """The next item of the queue for which `match(item)` holds (others are dropped)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        item = await asyncio.wait_for(queue.get(), deadline - asyncio.get_running_loop().time())
        if match(item):
            return item


async def test_login_with_starttls_and_scram_binds_the_resource(server: ServerProcess, make_person: MakePerson) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    async with connected(server, alice.username, alice.password, resource="laptop") as client:
        assert str(client.boundjid) == f"{alice.username}@localhost/laptop"
        assert client.is_connected()
        roster = client.client_roster
        assert f"{bob.username}@localhost" in roster
        assert roster[f"{bob.username}@localhost"]["subscription"] == "both"
        assert roster[f"{bob.username}@localhost"]["name"] == bob.username.title()


async def test_login_with_direct_tls(server: ServerProcess, make_person: MakePerson) -> None:
    alice = await make_person("alice")
    async with connected(server, alice.username, alice.password, direct_tls=True) as client:
        assert client.boundjid.bare == f"{alice.username}@localhost"


async def test_plain_over_tls_and_a_wrong_password(server: ServerProcess, make_person: MakePerson) -> None:
    alice = await make_person("alice")
    plain = Client(f"{alice.username}@localhost/p", alice.password, ())
    plain.plugin["feature_mechanisms"].use_mech = "PLAIN"
    plain.connect("127.0.0.1", server.xmpp_port)
    try:
        assert await asyncio.wait_for(plain.started, TIMEOUT)
    finally:
        plain.disconnect()
    wrong = Client(f"{alice.username}@localhost/w", "not-the-password", ())
    wrong.connect("127.0.0.1", server.xmpp_port)
    try:
        assert await asyncio.wait_for(wrong.started, TIMEOUT) is False
    finally:
        wrong.disconnect()


async def test_chat_between_xmpp_clients_lands_in_the_shared_history(
    server: ServerProcess, make_person: MakePerson
) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    async with (
        connected(server, alice.username, alice.password) as a,
        connected(server, bob.username, bob.password) as b,
    ):
        a.send_message(mto=JID(f"{bob.username}@localhost"), mbody="hello from gajim", mtype="chat")
        got = await wait_for(b.messages, lambda m: m["body"] == "hello from gajim")
        assert got["from"].bare == f"{alice.username}@localhost"
        assert got["type"] == "chat"
    conversation = await alice.direct(bob)
    history = await bob.get(f"/api/v1/conversations/{conversation}/messages")
    assert [m["body"] for m in history["messages"]] == ["hello from gajim"]


async def test_later_messages_of_a_chat_arrive_like_the_first(server: ServerProcess, make_person: MakePerson) -> None:
    """The first message of a chat is rendered after lookups, later ones from what those
    lookups left known (xmpp/render.py message_created_now): the stanzas must not differ."""
    alice, bob = await make_person("alice"), await make_person("bob")
    async with (
        connected(server, alice.username, alice.password, resource="desk") as a,
        connected(server, bob.username, bob.password, resource="phone") as b,
    ):
        received = []
        for k in range(3):
            a.send_message(mto=JID(f"{bob.username}@localhost"), mbody=f"note {k} <&>", mtype="chat")
            received.append(await wait_for(b.messages, lambda m, k=k: m["body"] == f"note {k} <&>"))
        assert [str(m["from"]) for m in received] == [f"{alice.username}@localhost/desk"] * 3
        assert [str(m["to"]) for m in received] == [f"{bob.username}@localhost/phone"] * 3
        assert [m["type"] for m in received] == ["chat"] * 3
        ids = [m.xml.find("{urn:xmpp:sid:0}stanza-id") for m in received]
        assert [i.get("by") for i in ids] == [f"{bob.username}@localhost"] * 3
        async with connected(server, bob.username, bob.password, resource="tablet", send_presence=False) as t:
            for k in range(2):  # to a connected resource before its initial presence (RFC 6121 §8.5.3.1)
                a.send_message(mto=JID(f"{bob.username}@localhost/tablet"), mbody=f"tablet {k}", mtype="chat")
                got = await wait_for(t.messages, lambda m, k=k: m["body"] == f"tablet {k}")
                assert str(got["from"]) == f"{alice.username}@localhost/desk"
            await b.plugin["xep_0199"].ping(jid=JID("localhost"), timeout=TIMEOUT)
            assert [m["body"] for m in drain(b.messages)] == []  # addressed to the tablet; no carbons asked
    conversation = await alice.direct(bob)
    history = await bob.get(f"/api/v1/conversations/{conversation}/messages")
    assert [m["id"] for m in history["messages"]][:3] == [i.get("id") for i in ids]


async def test_web_and_xmpp_reach_each_other(server: ServerProcess, make_person: MakePerson) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    conversation = await alice.direct(bob)
    async with connected(server, bob.username, bob.password) as b:
        await alice.send(conversation, "from the browser")
        got = await wait_for(b.messages, lambda m: m["body"] == "from the browser")
        assert got["from"].bare == f"{alice.username}@localhost"
        b.send_message(mto=JID(f"{alice.username}@localhost"), mbody="from dino", mtype="chat")
        for _ in range(50):
            history = await alice.get(f"/api/v1/conversations/{conversation}/messages")
            if history["messages"][-1]["body"] == "from dino":
                break
            await asyncio.sleep(0.1)
        assert history["messages"][-1]["body"] == "from dino"
        assert history["messages"][-1]["sender_id"] == bob.user_id


async def test_presence_of_colleagues(server: ServerProcess, make_person: MakePerson) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    async with connected(server, alice.username, alice.password) as a:
        async with connected(server, bob.username, bob.password, send_presence=False) as b:
            b.send_presence(pshow="away", pstatus="at lunch")
            seen = await wait_for(
                a.presences, lambda p: p["from"].bare == f"{bob.username}@localhost" and p["show"] == "away"
            )
            assert seen["status"] == "at lunch"
        gone = await wait_for(
            a.presences, lambda p: p["from"].bare == f"{bob.username}@localhost" and p["type"] == "unavailable"
        )
        assert gone is not None


async def test_disco_ping_and_version(server: ServerProcess, make_person: MakePerson) -> None:
    alice = await make_person("alice")
    async with connected(server, alice.username, alice.password, plugins=("xep_0030", "xep_0199", "xep_0092")) as a:
        info = await a.plugin["xep_0030"].get_info(jid=SERVER, timeout=TIMEOUT)
        features = info["disco_info"]["features"]
        assert "urn:xmpp:ping" in features
        assert "http://jabber.org/protocol/disco#info" in features
        assert ("server", "im", None, "Roost") in info["disco_info"]["identities"]
        await a.plugin["xep_0199"].ping(jid=SERVER, timeout=TIMEOUT)
        version = await a.plugin["xep_0092"].get_version(SERVER, timeout=TIMEOUT)
        assert version["software_version"]["name"] == "Roost"


async def test_unknown_requests_get_stanza_errors_and_the_stream_stays(
    server: ServerProcess, make_person: MakePerson
) -> None:
    alice = await make_person("alice")
    async with connected(server, alice.username, alice.password) as a:
        iq = a.make_iq_get(queryxmlns="urn:example:unknown", ito="localhost")
        try:
            await iq.send(timeout=TIMEOUT)  # type: ignore[no-untyped-call]
            raise AssertionError("expected an error")
        except IqError as error:
            assert error.condition == "service-unavailable"
        nobody = a.make_iq_get(queryxmlns="jabber:iq:version", ito="nobody-here@localhost")
        try:
            await nobody.send(timeout=TIMEOUT)  # type: ignore[no-untyped-call]
            raise AssertionError("expected an error")
        except IqError as error:
            assert error.condition == "service-unavailable"
        await a.plugin["xep_0199"].ping(jid=SERVER, timeout=TIMEOUT)


async def test_the_error_for_a_malformed_address_comes_from_the_domain(
    server: ServerProcess, make_person: MakePerson
) -> None:
    """RFC 6120 §8.3.3.8: the server answers `jid-malformed` on the domain's behalf, from a valid
    address (not from the malformed one, which a client cannot parse)."""
    alice = await make_person("alice")
    async with connected(server, alice.username, alice.password) as a:
        errors: asyncio.Queue[Any] = asyncio.Queue()
        for tag in ("message", "iq"):
            a.register_handler(Callback(f"{tag} replies", MatchXPath(f"{{jabber:client}}{tag}"), errors.put_nowait))
        a.send_raw("<message to='bad@@localhost' id='e2' type='chat'><body>hi</body></message>")
        a.send_raw("<iq to='bad@@localhost' id='e3' type='get'><ping xmlns='urn:xmpp:ping'/></iq>")
        for stanza_id in ("e2", "e3"):
            reply = (await wait_for(errors, lambda s, i=stanza_id: s.xml.get("id") == i)).xml
            assert (reply.get("type"), reply.get("from")) == ("error", "localhost")
            assert reply.find("{jabber:client}error/{urn:ietf:params:xml:ns:xmpp-stanzas}jid-malformed") is not None


async def test_a_resource_is_bound_in_canonical_form_or_refused(server: ServerProcess, make_person: MakePerson) -> None:
    """RFC 7622 §3.4 (OpaqueString): normalised to NFC, a disallowed character (U+00AD) refused."""
    alice = await make_person("alice")
    async with direct_tls(server) as (client, _):
        assert (await client.auth("SCRAM-SHA-256", ScramClient(alice.username, alice.password))).tag.endswith("success")
        client.parser.reset()  # the stream restarts after SASL (RFC 6120 §6.4.6)
        client.send(HEADER)
        await client.recv()  # features
        bind = "<iq type='set' id='b{n}'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>{r}</resource>"
        bind += "</bind></iq>"
        client.send(bind.format(n=1, r="soft&#xad;hyphen"))
        refused = await client.recv()
        assert refused.get("type") == "error"
        assert refused.find("{jabber:client}error/{urn:ietf:params:xml:ns:xmpp-stanzas}bad-request") is not None
        client.send(bind.format(n=2, r="cafe&#x301;"))  # e + COMBINING ACUTE ACCENT
        bound = await client.recv()
        assert bound.findtext("{urn:ietf:params:xml:ns:xmpp-bind}bind/{urn:ietf:params:xml:ns:xmpp-bind}jid") == (
            f"{alice.username}@localhost/café"
        )


async def test_the_same_resource_twice_replaces_the_first_connection(
    server: ServerProcess, make_person: MakePerson
) -> None:
    alice = await make_person("alice")
    async with connected(server, alice.username, alice.password, resource="phone") as first:
        closed = asyncio.get_running_loop().create_future()
        first.add_event_handler("disconnected", lambda _e: None if closed.done() else closed.set_result(True))
        async with connected(server, alice.username, alice.password, resource="phone") as second:
            assert await asyncio.wait_for(closed, TIMEOUT)
            await second.plugin["xep_0199"].ping(jid=SERVER, timeout=TIMEOUT)


async def test_a_cli_disable_ends_the_xmpp_stream_within_seconds(
    server: ServerProcess, make_person: MakePerson
) -> None:
    """`roost user disable` runs in a process of its own: the server's sweep (every 2 s) finds
    the disabled account and ends its streams, which hold no web token."""
    dave = await make_person("dave")
    async with connected(server, dave.username, dave.password) as client:
        closed = asyncio.get_running_loop().create_future()
        client.add_event_handler("disconnected", lambda _e: None if closed.done() else closed.set_result(True))
        result = await asyncio.to_thread(server.roost, "user", "disable", dave.username)
        assert result.returncode == 0, result.stderr
        assert await asyncio.wait_for(closed, 10)


async def test_a_forged_from_ends_the_stream(server: ServerProcess, make_person: MakePerson) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    async with connected(server, alice.username, alice.password) as a:
        closed = asyncio.get_running_loop().create_future()
        a.add_event_handler("disconnected", lambda _e: None if closed.done() else closed.set_result(True))
        errors: list[Any] = []
        a.add_event_handler("stream_error", errors.append)
        a.send_message(mto=JID(f"{alice.username}@localhost"), mbody="as bob", mfrom=f"{bob.username}@localhost")
        assert await asyncio.wait_for(closed, TIMEOUT)
        assert errors and errors[0]["condition"] == "invalid-from"
    conversation = await alice.direct(bob)
    assert (await alice.get(f"/api/v1/conversations/{conversation}/messages"))["messages"] == []


async def test_wrong_passwords_are_throttled_without_locking_out(
    server: ServerProcess, make_person: MakePerson
) -> None:
    victim, other = await make_person("victim"), await make_person("other")
    outcomes = []
    for _ in range(8):
        wrong = Client(f"{victim.username}@localhost/x", "wrong-password", ())
        failures: list[Any] = []
        wrong.add_event_handler("failed_auth", failures.append)
        wrong.connect("127.0.0.1", server.xmpp_port)
        try:
            outcomes.append(await asyncio.wait_for(wrong.started, TIMEOUT))
        finally:
            wrong.disconnect()
    assert outcomes == [False] * 8
    async with connected(server, other.username, other.password) as still:  # other accounts are unaffected
        assert still.is_connected()


async def test_hundreds_of_stanzas_in_one_write_are_all_answered_in_order(
    server: ServerProcess, make_person: MakePerson
) -> None:
    """The server parses as bytes arrive and stops reading while too many stanzas wait for their
    turn (stream/transport.py): none is lost, and the answers keep the order."""
    alice = await make_person("alice")
    async with direct_tls(server) as (client, _):
        assert (await client.auth("SCRAM-SHA-256", ScramClient(alice.username, alice.password))).tag.endswith("success")
        client.parser.reset()
        client.send(HEADER)
        await client.recv()  # features
        client.send("<iq type='set' id='b'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>")
        assert (await client.recv()).get("type") == "result"
        count = 1500  # several times what the server holds parsed before it stops reading
        client.send("".join(f"<iq type='get' id='p{i}'><ping xmlns='urn:xmpp:ping'/></iq>" for i in range(count)))
        answers = [await client.recv() for _ in range(count)]
    assert [(a.get("id"), a.get("type")) for a in answers] == [(f"p{i}", "result") for i in range(count)]


async def test_a_stanza_id_may_come_again_and_an_origin_id_may_not(
    server: ServerProcess, make_person: MakePerson
) -> None:
    """RFC 6120 §8.1.3: a stanza id is unique within its stream only (Psi numbers them anew on
    each connection); an XEP-0359 origin-id is unique for good, so a re-sent one is stored once."""
    alice, bob, carol = await make_person("alice"), await make_person("bob"), await make_person("carol")
    bob_jid, carol_jid = f"{bob.username}@localhost", f"{carol.username}@localhost"
    correct = "<replace xmlns='urn:xmpp:message-correct:0' id='ab1a'/>"
    async with (
        connected(server, bob.username, bob.password) as b,
        connected(server, carol.username, carol.password) as c,
    ):
        async with connected(server, alice.username, alice.password) as first:
            send_payload(first, carol_jid, "", body="to carol", stanza_id="ab1a")
            send_payload(first, bob_jid, "", body="to bob", stanza_id="ab1a")  # another conversation
            assert (await wait_for(c.messages, lambda m: m["body"] == "to carol"))["id"] == "ab1a"
            assert (await wait_for(b.messages, lambda m: m["body"] == "to bob"))["id"] == "ab1a"
        async with connected(server, alice.username, alice.password) as second:
            send_payload(second, carol_jid, "", body="again", stanza_id="ab1a")  # a new stream counts anew
            assert (await wait_for(c.messages, lambda m: m["body"] == "again"))["id"] == "ab1a"
            send_payload(second, carol_jid, correct, body="again, fixed")  # names the newest 'ab1a'
            fixed = await wait_for(c.messages, lambda m: m["body"] == "again, fixed")
            assert fixed.xml.find("{urn:xmpp:message-correct:0}replace").get("id") == "ab1a"
            for _ in range(2):
                send_payload(second, carol_jid, "<origin-id xmlns='urn:xmpp:sid:0' id='o-1'/>", body="once")
            send_payload(second, carol_jid, "", body="after")
            await wait_for(c.messages, lambda m: m["body"] == "after")
    history = await carol.get(f"/api/v1/conversations/{await carol.direct(alice)}/messages")
    assert [m["body"] for m in history["messages"]] == ["to carol", "again, fixed", "once", "after"]


async def test_the_error_for_an_over_long_message_does_not_echo_it(
    server: ServerProcess, make_person: MakePerson
) -> None:
    """RFC 6120 §8.3.1 lets an error carry the original payload; a 100,000-character one stays home."""
    alice, bob = await make_person("alice"), await make_person("bob")
    async with connected(server, alice.username, alice.password) as a:
        errors: asyncio.Queue[Any] = asyncio.Queue()
        a.add_event_handler("message_error", errors.put_nowait)
        cases = (("x" * 100_001, bob.username, ""), ("short", "nobody-here", "short"))  # too long; no such user
        for body, to, echoed in cases:
            send_payload(a, f"{to}@localhost", "", body=body)
            error = await asyncio.wait_for(errors.get(), TIMEOUT)
            assert error["body"] == echoed
