"""XEP-0280 Message Carbons over real sockets: sent and received copies, private hints, errors."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from slixmpp import JID
from slixmpp.exceptions import IqError

from tests.conftest import MakePerson
from tests.support.client import Person
from tests.support.server import ServerProcess
from tests.support.xmpp import TIMEOUT, Client, connected, drain, every_message, send_iq, wait_for

CARBONS = "urn:xmpp:carbons:2"
FORWARDED = "{urn:xmpp:forward:0}forwarded"
ENABLE = f"<enable xmlns='{CARBONS}'/>"
PLUGINS = ("xep_0030", "xep_0199", "xep_0280")


@asynccontextmanager
async def carbon_client(server: ServerProcess, someone: Person, resource: str) -> AsyncIterator[Client]:
    """A client whose message queue also gets the carbons (slixmpp's xep_0280 checks their origin)."""
    async with connected(server, someone.username, someone.password, resource=resource, plugins=PLUGINS) as client:
        client.add_event_handler("carbon_sent", client.messages.put_nowait)
        client.add_event_handler("carbon_received", client.messages.put_nowait)
        yield client


@asynccontextmanager
async def phone_laptop_and(
    server: ServerProcess, someone: Person, other: Person
) -> AsyncIterator[tuple[Client, Client, Client]]:
    """`someone` on a phone and a laptop, both with carbons on, and `other` on one client."""
    async with (
        carbon_client(server, someone, "phone") as phone,
        carbon_client(server, someone, "laptop") as laptop,
        connected(server, other.username, other.password) as them,
    ):
        for client in (phone, laptop):
            await send_iq(client, "set", ENABLE)
        yield phone, laptop, them


def copied(stanza: Any, kind: str) -> ET.Element | None:
    """The forwarded message inside a <sent/> or <received/> carbon, if this is one."""
    carbon = stanza.xml.find(f"{{{CARBONS}}}{kind}")
    return None if carbon is None else carbon.find(f"{FORWARDED}/{{jabber:client}}message")


def body_of(inner: ET.Element | None) -> str | None:
    return None if inner is None else inner.findtext("{jabber:client}body")


def retracted(inner: ET.Element | None) -> str | None:
    """The id an XEP-0424 retraction inside a forwarded message names, if it is one."""
    found = None if inner is None else inner.find("{urn:xmpp:message-retract:1}retract")
    return None if found is None else found.get("id")


def bodies(client: Client) -> list[str | None]:
    """Bodies of the plain messages and carbons received so far."""
    found: list[str | None] = []
    for stanza in drain(client.messages):
        inner = copied(stanza, "sent") or copied(stanza, "received")
        found.append(body_of(inner) if inner is not None else stanza["body"])
    return found


async def barrier(sender: Client, *receivers: Client, to: str) -> None:
    """A message sent after the others: once it is in, anything before it would be too (and
    stays queued for `bodies`)."""
    sender.send_message(mto=JID(to), mbody="barrier", mtype="chat")
    for receiver in receivers:
        before: list[Any] = []
        while True:
            stanza = await wait_for(receiver.messages, lambda _m: True)
            if stanza["body"] == "barrier" or body_of(copied(stanza, "sent")) == "barrier":
                break
            before.append(stanza)
        for stanza in before:
            receiver.messages.put_nowait(stanza)


async def test_sent_carbons_from_another_xmpp_client_and_from_the_web(
    server: ServerProcess, make_person: MakePerson
) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    conversation = await alice.direct(bob)
    bob_jid = f"{bob.username}@localhost"
    async with (
        carbon_client(server, alice, "laptop") as laptop,
        carbon_client(server, alice, "phone") as phone,
        connected(server, bob.username, bob.password) as b,
    ):
        await send_iq(phone, "set", ENABLE)
        laptop.send_message(mto=JID(bob_jid), mbody="from the laptop", mtype="chat")
        carbon = await wait_for(phone.messages, lambda m: copied(m, "sent") is not None)
        inner = copied(carbon, "sent")
        assert inner is not None
        assert body_of(inner) == "from the laptop"
        assert carbon["from"] == JID(f"{alice.username}@localhost")
        assert inner.get("from") == f"{alice.username}@localhost/laptop"
        assert inner.get("to") == bob_jid
        assert inner.find("{urn:xmpp:sid:0}stanza-id") is not None
        await alice.send(conversation, "from the browser")
        carbon = await wait_for(phone.messages, lambda m: copied(m, "sent") is not None)
        assert body_of(copied(carbon, "sent")) == "from the browser"
        await barrier(b, laptop, to=f"{alice.username}@localhost")
        assert "from the laptop" not in bodies(laptop)  # no carbons asked for, and it sent that one
        assert "from the browser" not in bodies(laptop)


async def test_private_and_no_copy_messages_are_not_copied(server: ServerProcess, make_person: MakePerson) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    bob_jid = f"{bob.username}@localhost"
    async with (
        carbon_client(server, alice, "laptop") as laptop,
        carbon_client(server, alice, "phone") as phone,
    ):
        await send_iq(phone, "set", ENABLE)
        for hint in (f"<private xmlns='{CARBONS}'/>", "<no-copy xmlns='urn:xmpp:hints'/>"):
            message = laptop.make_message(mto=JID(bob_jid), mbody=f"secret {hint[:8]}", mtype="chat")
            message.append(ET.fromstring(hint))
            message.send()
        await barrier(laptop, phone, to=bob_jid)
        assert bodies(phone) == []


async def test_received_carbons_for_messages_to_another_resource(
    server: ServerProcess, make_person: MakePerson
) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    alice_jid = f"{alice.username}@localhost"
    async with (
        carbon_client(server, alice, "laptop") as laptop,
        carbon_client(server, alice, "phone") as phone,
        carbon_client(server, alice, "tablet") as tablet,
        connected(server, bob.username, bob.password) as b,
    ):
        await send_iq(phone, "set", ENABLE)
        b.send_message(mto=JID(f"{alice_jid}/laptop"), mbody="to the laptop", mtype="chat")
        plain = await wait_for(laptop.messages, lambda m: m["body"] == "to the laptop")
        assert copied(plain, "received") is None
        carbon = await wait_for(phone.messages, lambda m: copied(m, "received") is not None)
        inner = copied(carbon, "received")
        assert inner is not None
        assert body_of(inner) == "to the laptop"
        assert inner.get("to") == f"{alice_jid}/laptop"
        assert JID(inner.get("from")).bare == f"{bob.username}@localhost"
        await barrier(b, tablet, to=alice_jid)
        assert bodies(tablet) == []  # addressed to another resource, and no carbons here


async def test_messages_to_ones_own_jid_reach_ones_other_resources(
    server: ServerProcess, make_person: MakePerson
) -> None:
    """RFC 6121 §8.5.2.1.1 and §8.5.3.1: "note to self" (the bare JID) reaches the other available
    resources, "to my other device" (a full JID) that resource alone; the sender gets no echo."""
    alice = await make_person("alice")
    alice_jid = f"{alice.username}@localhost"
    async with (
        carbon_client(server, alice, "laptop") as laptop,
        carbon_client(server, alice, "phone") as phone,
        carbon_client(server, alice, "tablet") as tablet,
    ):
        laptop.send_message(mto=JID(alice_jid), mbody="note to self", mtype="chat")
        for other in (phone, tablet):
            note = await wait_for(other.messages, lambda m: m["body"] == "note to self")
            assert note["from"] == JID(f"{alice_jid}/laptop")
            assert note.xml.find("{urn:xmpp:sid:0}stanza-id") is not None
        laptop.send_message(mto=JID(f"{alice_jid}/phone"), mbody="to my phone", mtype="chat")
        await wait_for(phone.messages, lambda m: m["body"] == "to my phone")
        await barrier(phone, tablet, to=f"{alice_jid}/tablet")
        await barrier(phone, laptop, to=f"{alice_jid}/laptop")
        assert bodies(tablet) == []  # addressed to the phone, and no carbons here
        assert bodies(laptop) == []  # no echo of its own messages
    history = await alice.get(f"/api/v1/conversations/{await alice.direct(alice)}/messages")
    assert [m["body"] for m in history["messages"]][-4:] == ["note to self", "to my phone", "barrier", "barrier"]


async def test_disable_and_bad_requests(server: ServerProcess, make_person: MakePerson) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    bob_jid = f"{bob.username}@localhost"
    async with (
        carbon_client(server, alice, "laptop") as laptop,
        carbon_client(server, alice, "phone") as phone,
        connected(server, bob.username, bob.password) as b,
    ):
        info = await phone.plugin["xep_0030"].get_info(jid=JID("localhost"), timeout=TIMEOUT)
        assert CARBONS in info["disco_info"]["features"]
        for kind, to, condition in (("get", None, "service-unavailable"), ("set", bob_jid, "service-unavailable")):
            with pytest.raises(IqError) as error:
                await send_iq(phone, kind, ENABLE, to=to)
            assert error.value.condition == condition
        await send_iq(phone, "set", ENABLE, to=f"{alice.username}@localhost")
        await send_iq(phone, "set", f"<disable xmlns='{CARBONS}'/>")
        laptop.send_message(mto=JID(bob_jid), mbody="after disable", mtype="chat")
        await wait_for(b.messages, lambda m: m["body"] == "after disable")
        await barrier(b, phone, to=f"{alice.username}@localhost")  # the phone's events are in order
        assert bodies(phone) == []
        await send_iq(phone, "set", ENABLE)
        laptop.send_message(mto=JID(bob_jid), mbody="enabled again", mtype="chat")
        carbon = await wait_for(phone.messages, lambda m: copied(m, "sent") is not None)
        assert body_of(copied(carbon, "sent")) == "enabled again"


async def test_own_corrections_and_retractions_made_elsewhere_arrive_as_sent_carbons(
    server: ServerProcess, make_person: MakePerson
) -> None:
    """A correction or retraction from one of your clients, or from the web, reaches your other
    clients with carbons as a <sent/> copy (XEP-0280 with XEP-0308 and XEP-0424); the client
    that made it gets none."""
    alice, bob = await make_person("alice"), await make_person("bob")
    conversation = await alice.direct(bob)
    bob_jid = f"{bob.username}@localhost"
    correct = "urn:xmpp:message-correct:0"
    async with phone_laptop_and(server, alice, bob) as (phone, laptop, b):
        phone_all = every_message(phone)
        send = phone.make_message(mto=JID(bob_jid), mbody="helo", mtype="chat")
        send["id"] = "p-1"
        send.send()
        await wait_for(laptop.messages, lambda m: body_of(copied(m, "sent")) == "helo")
        fix = phone.make_message(mto=JID(bob_jid), mbody="hello", mtype="chat")
        fix.append(ET.fromstring(f"<replace xmlns='{correct}' id='p-1'/>"))
        fix.send()
        got = await wait_for(laptop.messages, lambda m: body_of(copied(m, "sent")) == "hello")
        inner = copied(got, "sent")
        assert inner is not None
        replace = inner.find(f"{{{correct}}}replace")
        assert replace is not None and replace.get("id") == "p-1"
        assert (inner.get("to"), inner.get("from")) == (bob_jid, f"{alice.username}@localhost/phone")  # XEP-0308 §5
        await wait_for(b.messages, lambda m: m["body"] == "hello")
        await barrier(b, phone, to=f"{alice.username}@localhost")
        assert all(body_of(copied(m, "sent")) != "hello" for m in drain(phone_all))  # none for its own fix

        sent = await alice.send(conversation, "typo on teh web")  # the web edits and deletes
        ids = []
        for client in (phone, laptop):
            first = await wait_for(client.messages, lambda m: body_of(copied(m, "sent")) == "typo on teh web")
            ids.append(copied(first, "sent").get("id"))  # type: ignore[union-attr]
        await alice.http.patch(f"/api/v1/messages/{sent['id']}", json={"body": "typo on the web"})
        assert (await alice.http.delete(f"/api/v1/messages/{sent['id']}")).status_code == 200
        for client, known in zip((phone, laptop), ids, strict=True):
            edited = await wait_for(client.messages, lambda m: body_of(copied(m, "sent")) == "typo on the web")
            assert copied(edited, "sent").find(f"{{{correct}}}replace") is not None  # type: ignore[union-attr]
            gone = await wait_for(client.messages, lambda m: retracted(copied(m, "sent")) is not None)
            assert retracted(copied(gone, "sent")) == known


def reacted(inner: ET.Element | None) -> tuple[str, list[str]] | None:
    """The message id and emojis of an XEP-0444 set inside a forwarded message, if it is one."""
    found = None if inner is None else inner.find("{urn:xmpp:reactions:0}reactions")
    if found is None:
        return None
    return str(found.get("id")), sorted(r.text or "" for r in found)


async def test_own_reactions_made_elsewhere_arrive_as_sent_carbons(
    server: ServerProcess, make_person: MakePerson
) -> None:
    """Reactions from one of your clients, or from the web, reach your other clients with
    carbons as a <sent/> copy (XEP-0280 with XEP-0444); the client that sent them gets none."""
    alice, bob = await make_person("alice"), await make_person("bob")
    conversation = await alice.direct(bob)
    bob_jid = f"{bob.username}@localhost"
    sent = await bob.send(conversation, "lunch?", client_id="lunch-1")
    async with phone_laptop_and(server, alice, bob) as (phone, laptop, b):
        phone_all = every_message(phone)
        laptop_all = every_message(laptop)
        react = phone.make_message(mto=JID(bob_jid), mtype="chat")
        react.append(
            ET.fromstring("<reactions xmlns='urn:xmpp:reactions:0' id='lunch-1'><reaction>👍</reaction></reactions>")
        )
        react.send()
        got = await wait_for(laptop_all, lambda m: reacted(copied(m, "sent")) is not None)
        inner = copied(got, "sent")
        assert reacted(inner) == ("lunch-1", ["👍"])
        assert inner is not None and inner.get("to") == bob_jid
        await barrier(b, phone, to=f"{alice.username}@localhost")
        assert all(reacted(copied(m, "sent")) is None for m in drain(phone_all))  # none for its own set

        await alice.post(f"/api/v1/messages/{sent['id']}/reactions", {"emoji": "🍕"})  # from the web
        for queue in (phone_all, laptop_all):
            got = await wait_for(queue, lambda m: reacted(copied(m, "sent")) is not None)
            assert reacted(copied(got, "sent")) == ("lunch-1", sorted(["👍", "🍕"]))
