"""XEP-0160 offline delivery over real sockets: what came while no XMPP client was available
arrives at initial presence with an XEP-0203 delay, once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from slixmpp import JID

from tests.conftest import MakePerson
from tests.support.client import Person
from tests.support.server import ServerProcess
from tests.support.xmpp import TIMEOUT, Client, connected, drain, every_message, wait_for

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


CORRECT = "{urn:xmpp:message-correct:0}replace"
RETRACT = "{urn:xmpp:message-retract:1}retract"
REACTIONS = "{urn:xmpp:reactions:0}reactions"
COMPOSING = "{http://jabber.org/protocol/chatstates}composing"


def changes(stanzas: list[Any]) -> list[tuple[str, str, str]]:
    """(kind, id named, body or emojis) of the corrections, retractions and reactions among `stanzas`."""
    found = []
    for stanza in stanzas:
        if (replace := stanza.xml.find(CORRECT)) is not None:
            found.append(("replace", replace.get("id"), stanza["body"]))
        elif (retract := stanza.xml.find(RETRACT)) is not None:
            found.append(("retract", retract.get("id"), ""))
        elif (reactions := stanza.xml.find(REACTIONS)) is not None:
            found.append(("reactions", reactions.get("id"), " ".join(r.text or "" for r in reactions)))
    return found


@asynccontextmanager
async def logged_in(server: ServerProcess, someone: Person) -> AsyncIterator[tuple[Client, asyncio.Queue[Any]]]:
    """An XMPP session of `someone` and every message stanza it got, from before its initial presence."""
    async with connected(server, someone.username, someone.password, send_presence=False) as client:
        stanzas = every_message(client)
        client.send_presence()
        await client.get_roster()
        yield client, stanzas


async def gone(watcher: Client, someone: Person) -> None:
    """Returns once `watcher` saw `someone`'s XMPP session end (its delivery mark is written then)."""
    jid = f"{someone.username}@localhost"
    await wait_for(watcher.presences, lambda p: p["from"].bare == jid and p["type"] == "unavailable")


async def before_marker(stanzas: asyncio.Queue[Any], sender: Person, conversation: str) -> list[Any]:
    """Every message stanza the session got before `sender` starts typing now: a session's
    stanzas keep their order, so whatever offline delivery queued came before. A chat state
    is no message: it leaves the delivery mark where it was."""
    typing = await sender.http.put(f"/api/v1/conversations/{conversation}/typing", json={"active": True})
    assert typing.status_code == 200, typing.text
    got: list[Any] = []
    async with asyncio.timeout(TIMEOUT):
        while (stanza := await stanzas.get()).xml.find(COMPOSING) is None:
            got.append(stanza)
    return got


async def test_changes_made_while_offline_follow_the_offline_messages_once(
    server: ServerProcess, make_person: MakePerson
) -> None:
    """Edits, deletions and reactions made on the web while bob was away reach his next XMPP
    login as XEP-0308, XEP-0424 and XEP-0444 stanzas after the messages; the login after, none."""
    alice, bob = await make_person("alice"), await make_person("bob")
    conversation = await alice.direct(bob)
    async with connected(server, alice.username, alice.password) as a:
        async with connected(server, bob.username, bob.password) as b:
            e1, e2 = await alice.send(conversation, "E1"), await alice.send(conversation, "E2")
            e1_ref, e2_ref = [(await wait_for(b.messages, lambda m, n=n: m["body"] == n))["id"] for n in ("E1", "E2")]
        await gone(a, bob)
        assert (await alice.http.patch(f"/api/v1/messages/{e1['id']}", json={"body": "E1 fixed"})).status_code == 200
        await alice.post(f"/api/v1/messages/{e1['id']}/reactions", {"emoji": "👍"})
        assert (await alice.http.delete(f"/api/v1/messages/{e2['id']}")).status_code == 200
        await alice.send(conversation, "E3")
        async with logged_in(server, bob) as (_, stanzas):
            got = await before_marker(stanzas, alice, conversation)
            assert [m["body"] for m in got if m.xml.find(DELAY) is not None] == ["E3"]
            assert sorted(changes(got)) == [
                ("reactions", e1_ref, "👍"),
                ("replace", e1_ref, "E1 fixed"),
                ("retract", e2_ref, ""),
            ]
            assert got[0]["body"] == "E3"  # the messages first
        await gone(a, bob)
        async with logged_in(server, bob) as (_, stanzas):
            assert changes(await before_marker(stanzas, alice, conversation)) == []  # each once


async def test_changes_given_live_or_offline_are_not_given_again(
    server: ServerProcess, make_person: MakePerson
) -> None:
    """A change bob's client got, live or at offline delivery, moves his delivery mark like a
    message: the next login gets only what changed after, even with no message since."""
    alice, bob = await make_person("alice"), await make_person("bob")
    conversation = await alice.direct(bob)
    async with connected(server, alice.username, alice.password) as a:
        async with logged_in(server, bob) as (b, stanzas):
            e1, e2 = await alice.send(conversation, "E1"), await alice.send(conversation, "E2")
            e1_ref, e2_ref = [(await wait_for(b.messages, lambda m, n=n: m["body"] == n))["id"] for n in ("E1", "E2")]
            edited = await alice.http.patch(f"/api/v1/messages/{e1['id']}", json={"body": "live fix"})
            assert edited.status_code == 200
            await alice.post(f"/api/v1/messages/{e1['id']}/reactions", {"emoji": "🎉"})
            live = await before_marker(stanzas, alice, conversation)
            assert changes(live) == [("replace", e1_ref, "live fix"), ("reactions", e1_ref, "🎉")]
        await gone(a, bob)
        assert (await alice.http.delete(f"/api/v1/messages/{e2['id']}")).status_code == 200
        async with logged_in(server, bob) as (_, stanzas):
            assert changes(await before_marker(stanzas, alice, conversation)) == [("retract", e2_ref, "")]
        await gone(a, bob)
        async with logged_in(server, bob) as (_, stanzas):
            assert changes(await before_marker(stanzas, alice, conversation)) == []
