"""IQs to a client's full JID reach that client and its answer comes back (RFC 6121 §8.5.3, RFC 6120
§10.5.4): between people, between one person's resources, over TCP and WebSocket; a resource that
is not connected gets `service-unavailable`; a block (XEP-0191) stops them."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from slixmpp import JID
from slixmpp.exceptions import IqError
from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import MatchXPath

from tests.conftest import MakePerson
from tests.support.server import ServerProcess
from tests.support.xmpp import TIMEOUT, Client, connected, drain, send_iq, wait_for
from tests.support.xmpp_websocket import ws_logged_in

VERSION = "jabber:iq:version"
DISCO_INFO = "http://jabber.org/protocol/disco#info"
BLOCKING = "urn:xmpp:blocking"
CLIENT = "jabber:client"
ANSWERING = ("xep_0030", "xep_0199", "xep_0092")  # slixmpp answers disco, ping and version itself


def version_requests(client: Client) -> asyncio.Queue[Any]:
    """Every jabber:iq:version request the client receives."""
    queue: asyncio.Queue[Any] = asyncio.Queue()
    matcher = MatchXPath(f"{{{CLIENT}}}iq/{{{VERSION}}}query")
    client.register_handler(Callback("version requests", matcher, queue.put_nowait))
    return queue


async def refusal(client: Client, to: str, payload: str = f"<query xmlns='{VERSION}'/>") -> IqError:
    with pytest.raises(IqError) as refused:
        await send_iq(client, "get", payload, to=to)
    return refused.value


async def test_version_disco_and_ping_to_a_full_jid_are_answered_by_that_client(
    server: ServerProcess, make_person: MakePerson
) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    bob_full = JID(f"{bob.username}@localhost/desk")
    async with (
        connected(server, alice.username, alice.password, resource="laptop", plugins=ANSWERING) as a,
        connected(server, bob.username, bob.password, resource="desk", plugins=ANSWERING) as b,
    ):
        asked = version_requests(b)
        version = await a.plugin["xep_0092"].get_version(bob_full, timeout=TIMEOUT)
        assert version["from"] == bob_full
        assert version["software_version"]["name"] == "Slixmpp"  # bob's client, not the server (Roost)
        request = asked.get_nowait()
        assert request["from"] == JID(f"{alice.username}@localhost/laptop")  # stamped by the server
        info = await a.plugin["xep_0030"].get_info(jid=bob_full, timeout=TIMEOUT)
        assert VERSION in info["disco_info"]["features"]  # bob's client's own features
        assert ("account", "registered") not in {(c, t) for c, t, _, _ in info["disco_info"]["identities"]}
        await a.plugin["xep_0199"].ping(jid=bob_full, timeout=TIMEOUT)
        custom = await refusal(a, str(bob_full), "<query xmlns='urn:example:custom'/>")
        assert custom.iq["from"] == bob_full  # bob's client's error comes back as it was sent
        assert custom.condition == "feature-not-implemented"


async def test_an_iq_to_a_resource_that_is_not_connected_gets_service_unavailable(
    server: ServerProcess, make_person: MakePerson
) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    bob_full = f"{bob.username}@localhost/desk"
    async with connected(server, alice.username, alice.password, plugins=ANSWERING) as a:
        async with connected(server, bob.username, bob.password, resource="desk", plugins=ANSWERING):
            await a.plugin["xep_0092"].get_version(JID(bob_full), timeout=TIMEOUT)  # while connected
        await wait_for(a.presences, lambda p: p["from"] == JID(bob_full) and p["type"] == "unavailable")
        for to in (bob_full, f"{alice.username}@localhost/elsewhere"):
            refused = await refusal(a, to)
            assert (refused.condition, refused.iq["from"]) == ("service-unavailable", JID(to))
        assert (await refusal(a, "nobody-here@localhost/desk")).condition == "service-unavailable"
        a.send_raw(f"<iq type='result' id='stray' to='{bob_full}'/>")  # an answer nobody takes: dropped
        await a.plugin["xep_0199"].ping(jid=JID("localhost"), timeout=TIMEOUT)  # the stream goes on


async def test_an_iq_between_two_resources_of_one_person(server: ServerProcess, make_person: MakePerson) -> None:
    alice = await make_person("alice")
    async with (
        connected(server, alice.username, alice.password, resource="laptop", plugins=ANSWERING) as laptop,
        connected(server, alice.username, alice.password, resource="phone", plugins=ANSWERING) as phone,
    ):
        phone_jid, laptop_jid = JID(f"{alice.username}@localhost/phone"), JID(f"{alice.username}@localhost/laptop")
        version = await laptop.plugin["xep_0092"].get_version(phone_jid, timeout=TIMEOUT)
        assert (version["from"], version["software_version"]["name"]) == (phone_jid, "Slixmpp")
        info = await phone.plugin["xep_0030"].get_info(jid=laptop_jid, timeout=TIMEOUT)
        assert VERSION in info["disco_info"]["features"]


async def test_iqs_reach_and_come_from_xmpp_over_websocket(server: ServerProcess, make_person: MakePerson) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    alice_full = f"{alice.username}@localhost/laptop"
    async with (
        connected(server, alice.username, alice.password, resource="laptop", plugins=ANSWERING) as a,
        ws_logged_in(server, bob.username, bob.password, resource="browser") as ws,
    ):
        asking = asyncio.ensure_future(send_iq(a, "get", f"<query xmlns='{VERSION}'/>", to=ws.jid))
        request = await ws.until(lambda e: e.tag == f"{{{CLIENT}}}iq" and e.get("type") == "get")
        assert (request.get("from"), request[0].tag) == (alice_full, f"{{{VERSION}}}query")
        await ws.send(
            f"<iq xmlns='{CLIENT}' type='result' id='{request.get('id')}' to='{alice_full}'>"
            f"<query xmlns='{VERSION}'><name>Browser</name><version>1</version></query></iq>"
        )
        answer = await asyncio.wait_for(asking, TIMEOUT)
        assert (answer["from"], answer["software_version"]["name"]) == (JID(ws.jid), "Browser")
        await ws.send(f"<iq xmlns='{CLIENT}' type='get' id='v1' to='{alice_full}'><query xmlns='{VERSION}'/></iq>")
        result = await ws.until(lambda e: e.get("id") == "v1")
        assert (result.get("type"), result.get("from")) == ("result", alice_full)
        assert result.findtext(f"{{{VERSION}}}query/{{{VERSION}}}name") == "Slixmpp"


async def test_a_block_stops_iqs_to_full_jids_both_ways(server: ServerProcess, make_person: MakePerson) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    alice_full, bob_full = f"{alice.username}@localhost/laptop", f"{bob.username}@localhost/desk"
    async with (
        connected(server, alice.username, alice.password, resource="laptop", plugins=ANSWERING) as a,
        connected(server, bob.username, bob.password, resource="desk", plugins=ANSWERING) as b,
    ):
        asked = version_requests(a)
        await send_iq(a, "set", f"<block xmlns='{BLOCKING}'><item jid='{bob.username}@localhost'/></block>")
        blocked = await refusal(b, alice_full)
        assert (blocked.condition, blocked.text) == ("service-unavailable", "")  # nothing says bob is blocked
        blocking = await refusal(a, bob_full)
        assert blocking.condition == "not-acceptable"  # as for a message to someone you block
        assert blocking.iq.xml.find(f"{{{CLIENT}}}error/{{urn:xmpp:blocking:errors}}blocked") is not None
        await send_iq(a, "set", f"<unblock xmlns='{BLOCKING}'><item jid='{bob.username}@localhost'/></unblock>")
        version = await b.plugin["xep_0092"].get_version(JID(alice_full), timeout=TIMEOUT)
        assert version["software_version"]["name"] == "Slixmpp"
        assert [r["from"] for r in drain(asked)] == [JID(bob_full)]  # only the one after the unblock
