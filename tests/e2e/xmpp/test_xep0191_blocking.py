"""XEP-0191 blocking over real sockets: the blocklist, pushes, what a block stops, the JSON API's side."""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET
from typing import Any

import httpx
from slixmpp import JID
from slixmpp.exceptions import IqError
from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import MatchXPath

from tests.conftest import MakePerson
from tests.support.server import ServerProcess
from tests.support.xmpp import Client, connected, send_iq, wait_for

NS = "urn:xmpp:blocking"


def pushes(client: Client) -> asyncio.Queue[Any]:
    queue: asyncio.Queue[Any] = asyncio.Queue()
    for kind in ("block", "unblock"):
        matcher = MatchXPath(f"{{jabber:client}}iq/{{{NS}}}{kind}")
        client.register_handler(Callback(f"push {kind}", matcher, queue.put_nowait))
    return queue


async def blocklist(client: Client) -> list[str]:
    result = await send_iq(client, "get", f"<blocklist xmlns='{NS}'/>")
    return [item.get("jid") for item in result.xml.iter(f"{{{NS}}}item")]


async def condition_of(client: Client, kind: str, payload: str, to: str | None = None) -> tuple[str, ET.Element]:
    try:
        await send_iq(client, kind, payload, to=to)
    except IqError as error:
        return str(error.condition), error.iq.xml
    raise AssertionError("expected an error")


async def test_block_and_unblock_with_pushes_to_every_resource(server: ServerProcess, make_person: MakePerson) -> None:
    alice, bob, carol = await make_person("alice"), await make_person("bob"), await make_person("carol")
    bob_jid, carol_jid = f"{bob.username}@localhost", f"{carol.username}@localhost"
    async with (
        connected(server, alice.username, alice.password, resource="one") as one,
        connected(server, alice.username, alice.password, resource="two") as two,
    ):
        assert await blocklist(one) == [] and await blocklist(two) == []
        seen = pushes(two)
        await send_iq(one, "set", f"<block xmlns='{NS}'><item jid='{bob_jid}/phone'/><item jid='{carol_jid}'/></block>")
        push = await wait_for(seen, lambda _iq: True)
        assert push["type"] == "set"
        assert sorted(i.get("jid") for i in push.xml.iter(f"{{{NS}}}item")) == sorted([bob_jid, carol_jid])
        assert sorted(await blocklist(two)) == sorted([bob_jid, carol_jid])
        listed = await alice.get("/api/v1/blocks")
        assert sorted(item["username"] for item in listed["items"]) == sorted([bob.username, carol.username])
        await send_iq(one, "set", f"<unblock xmlns='{NS}'><item jid='{bob_jid}'/></unblock>")
        push = await wait_for(seen, lambda iq: iq.xml.find(f"{{{NS}}}unblock") is not None)
        assert [i.get("jid") for i in push.xml.iter(f"{{{NS}}}item")] == [bob_jid]
        assert await blocklist(one) == [carol_jid]
        response = await alice.http.put(f"/api/v1/blocks/{bob.user_id}")  # from the web: pushed too
        assert response.status_code == 204
        push = await wait_for(seen, lambda iq: iq.xml.find(f"{{{NS}}}block") is not None)
        assert [i.get("jid") for i in push.xml.iter(f"{{{NS}}}item")] == [bob_jid]
        await send_iq(one, "set", f"<unblock xmlns='{NS}'/>")  # no item: everyone
        await wait_for(seen, lambda iq: iq.xml.find(f"{{{NS}}}unblock") is not None)
        assert await blocklist(two) == []


async def test_a_block_stops_direct_messages_both_ways(server: ServerProcess, make_person: MakePerson) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    conversation = await alice.direct(bob)
    alice_jid, bob_jid = f"{alice.username}@localhost", f"{bob.username}@localhost"
    async with (
        connected(server, alice.username, alice.password) as a,
        connected(server, bob.username, bob.password) as b,
    ):
        errors: asyncio.Queue[Any] = asyncio.Queue()
        a.add_event_handler("message_error", errors.put_nowait)
        b.add_event_handler("message_error", errors.put_nowait)
        await send_iq(a, "set", f"<block xmlns='{NS}'><item jid='{bob_jid}'/></block>")
        b.send_message(mto=JID(alice_jid), mbody="let me in", mtype="chat")
        refused = await wait_for(errors, lambda e: e["to"].bare == bob_jid)
        assert refused["error"]["condition"] == "service-unavailable"
        assert refused["error"]["text"] == ""  # nothing tells bob he is blocked
        a.send_message(mto=JID(bob_jid), mbody="and you?", mtype="chat")
        mine = await wait_for(errors, lambda e: e["to"].bare == alice_jid)
        assert mine["error"]["condition"] == "not-acceptable"
        assert mine.xml.find("{jabber:client}error/{urn:xmpp:blocking:errors}blocked") is not None
        response = await bob.http.post(f"/api/v1/conversations/{conversation}/messages", json={"body": "from the web"})
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "block.blocked"
        assert (await alice.get(f"/api/v1/conversations/{conversation}/messages"))["messages"] == []
        for payload in (
            "<received xmlns='urn:xmpp:receipts' id='r-1'/>",
            "<propose xmlns='urn:xmpp:jingle-message:0' id='c-1'/>",
        ):
            relayed = b.make_message(mto=JID(alice_jid), mtype="chat")
            relayed.append(ET.fromstring(payload))  # no body: relayed, not stored, and refused too
            relayed.send()
            refused = await wait_for(errors, lambda e: e["to"].bare == bob_jid)
            assert refused["error"]["condition"] == "service-unavailable"
        await send_iq(a, "set", f"<unblock xmlns='{NS}'><item jid='{bob_jid}'/></unblock>")
        b.send_message(mto=JID(alice_jid), mbody="thanks", mtype="chat")
        assert (await wait_for(a.messages, lambda m: m["body"] == "thanks"))["from"].bare == bob_jid


async def test_a_block_hides_presence_both_ways(server: ServerProcess, make_person: MakePerson) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    alice_jid, bob_jid = f"{alice.username}@localhost", f"{bob.username}@localhost"
    async with (
        connected(server, alice.username, alice.password) as a,
        connected(server, bob.username, bob.password) as b,
    ):
        await wait_for(b.presences, lambda p: p["from"].bare == alice_jid and p["type"] == "available")
        await send_iq(a, "set", f"<block xmlns='{NS}'><item jid='{bob_jid}'/></block>")
        gone = await wait_for(b.presences, lambda p: p["from"].bare == alice_jid)
        assert gone["type"] == "unavailable"
        hidden = await wait_for(a.presences, lambda p: p["from"].bare == bob_jid and p["type"] == "unavailable")
        assert hidden is not None
        a.send_presence(pshow="dnd", pstatus="busy")
        b.send_presence(pshow="away")
        await wait_for(b.presences, lambda p: p["from"].bare == bob_jid and p["show"] == "away")  # own, reflected
        assert all(p["from"].bare != alice_jid for p in drain_all(b.presences))
        online = {p["user_id"] for p in await bob.get("/api/v1/presence")}
        assert alice.user_id not in online
        async with connected(server, bob.username, bob.password, resource="late") as late:
            await asyncio.sleep(0.5)
            assert all(p["from"].bare != alice_jid for p in drain_all(late.presences))
        # Asking directly reveals nothing either: a probe gets no answer, an iq to her bare JID
        # (her vCard) service-unavailable, as to someone not there. Alice, who blocks, is told
        # why her own iq to him fails (XEP-0191 §3.6), as for her messages.
        b.send_presence(ptype="probe", pto=alice_jid)
        b.send_presence(ptype="probe", pto=bob_jid)  # a barrier: his own comes back after hers would
        await wait_for(b.presences, lambda p: p["from"].bare == bob_jid and p["show"] == "away")
        assert all(p["from"].bare != alice_jid for p in drain_all(b.presences))
        condition, answer = await condition_of(b, "get", "<vCard xmlns='vcard-temp'/>", to=alice_jid)
        assert condition == "service-unavailable"
        assert answer.find("{jabber:client}error/{urn:xmpp:blocking:errors}blocked") is None
        condition, answer = await condition_of(a, "get", "<vCard xmlns='vcard-temp'/>", to=bob_jid)
        assert condition == "not-acceptable"
        assert answer.find("{jabber:client}error/{urn:xmpp:blocking:errors}blocked") is not None
        await send_iq(a, "set", f"<unblock xmlns='{NS}'/>")
        back = await wait_for(b.presences, lambda p: p["from"].bare == alice_jid)
        assert back["show"] == "dnd"


def drain_all(queue: asyncio.Queue[Any]) -> list[Any]:
    items = []
    while not queue.empty():
        items.append(queue.get_nowait())
    return items


async def test_block_errors(server: ServerProcess, make_person: MakePerson) -> None:
    alice = await make_person("alice")
    async with connected(server, alice.username, alice.password) as a:
        cases = [
            (f"<block xmlns='{NS}'/>", "bad-request"),
            (f"<block xmlns='{NS}'><item jid='nobody-here@localhost'/></block>", "item-not-found"),
            (f"<block xmlns='{NS}'><item jid='someone@elsewhere.example'/></block>", "item-not-found"),
            (f"<block xmlns='{NS}'><item jid='a@b@c'/></block>", "jid-malformed"),
            (f"<block xmlns='{NS}'><item jid='{alice.username}@localhost'/></block>", "bad-request"),
        ]
        for payload, expected in cases:
            condition, _ = await condition_of(a, "set", payload)
            assert condition == expected, payload
        assert await blocklist(a) == []


async def test_the_json_api(server: ServerProcess, make_person: MakePerson) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    async with httpx.AsyncClient(base_url=server.url) as anonymous:
        assert (await anonymous.get("/api/v1/blocks")).status_code == 401
        assert (await anonymous.put(f"/api/v1/blocks/{bob.user_id}")).status_code == 401
    assert (await alice.http.put(f"/api/v1/blocks/{alice.user_id}")).json()["error"]["code"] == "block.self"
    assert (await alice.http.put("/api/v1/blocks/999999")).status_code == 404
    for _ in range(2):  # idempotent
        assert (await alice.http.put(f"/api/v1/blocks/{bob.user_id}")).status_code == 204
    assert [b["user_id"] for b in (await alice.get("/api/v1/blocks"))["items"]] == [bob.user_id]
    assert (await bob.get("/api/v1/blocks"))["items"] == []
    assert (await alice.http.delete(f"/api/v1/blocks/{bob.user_id}")).status_code == 204
    assert (await alice.http.delete(f"/api/v1/blocks/{bob.user_id}")).status_code == 204
    assert (await alice.get("/api/v1/blocks"))["items"] == []
    await alice.http.put(f"/api/v1/blocks/{bob.user_id}")
    assert (await alice.http.delete("/api/v1/blocks")).status_code == 204
    assert (await alice.get("/api/v1/blocks"))["items"] == []
    spec = (await alice.http.get("/api/openapi.json")).json()
    assert {"get", "delete"} <= set(spec["paths"]["/api/v1/blocks"])
    assert {"put", "delete"} <= set(spec["paths"]["/api/v1/blocks/{user_id}"])
