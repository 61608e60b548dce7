"""XEP-0444 reactions over real sockets: XMPP sets the core's reactions, the web's reach XMPP, 1:1 and rooms."""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET
from typing import Any

from tests.conftest import MakePerson
from tests.support.muc import joined_pair, make_room, room_jid
from tests.support.server import ServerProcess
from tests.support.xmpp import connected, every_message, send_payload, wait_for

NS = "urn:xmpp:reactions:0"


def reactions(stanza: Any) -> tuple[str, list[str]] | None:
    found = stanza.xml.find(f"{{{NS}}}reactions")
    if found is None:
        return None
    return str(found.get("id")), sorted(r.text or "" for r in found.findall(f"{{{NS}}}reaction"))


def payload(target: str, *emojis: str) -> str:
    return (
        f"<reactions xmlns='{NS}' id='{target}'>"
        + "".join(f"<reaction>{e}</reaction>" for e in emojis)
        + "</reactions>"
    )


def by_emoji(message: dict[str, Any]) -> dict[str, list[int]]:
    return {r["emoji"]: sorted(r["user_ids"]) for r in message["reactions"]}


async def test_reactions_both_ways_in_a_chat(server: ServerProcess, make_person: MakePerson) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    conversation = await alice.direct(bob)
    bob_jid = f"{bob.username}@localhost"
    async with (
        connected(server, alice.username, alice.password) as a,
        connected(server, bob.username, bob.password) as b,
    ):
        seen_by_b = every_message(b)
        send_payload(a, bob_jid, "", body="lunch?", stanza_id="lunch-1")
        await wait_for(b.messages, lambda m: m["body"] == "lunch?")
        send_payload(b, f"{alice.username}@localhost", payload("lunch-1", "👍", "🍕"))
        got = await wait_for(every_message(a), lambda m: reactions(m) is not None)
        assert reactions(got) == ("lunch-1", sorted(["👍", "🍕"]))
        assert got["from"].bare == bob_jid
        history = await alice.get(f"/api/v1/conversations/{conversation}/messages")
        assert by_emoji(history["messages"][0]) == {"👍": [bob.user_id], "🍕": [bob.user_id]}
        send_payload(b, f"{alice.username}@localhost", payload("lunch-1", "🍕"))  # the whole set: 👍 goes
        for _ in range(50):
            history = await alice.get(f"/api/v1/conversations/{conversation}/messages")
            if by_emoji(history["messages"][0]) == {"🍕": [bob.user_id]}:
                break
            await asyncio.sleep(0.1)
        assert by_emoji(history["messages"][0]) == {"🍕": [bob.user_id]}
        message_id = history["messages"][0]["id"]
        await alice.post(f"/api/v1/messages/{message_id}/reactions", {"emoji": "🎉"})  # from the web
        got = await wait_for(seen_by_b, lambda m: reactions(m) is not None and m["from"].bare != bob_jid)
        assert reactions(got) == ("lunch-1", ["🎉"])  # alice's whole set, naming the id bob knows


async def test_reaction_errors(server: ServerProcess, make_person: MakePerson) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    conversation = await alice.direct(bob)
    sent = await bob.send(conversation, "hi")
    async with connected(server, alice.username, alice.password) as a:
        errors: asyncio.Queue[Any] = asyncio.Queue()
        a.add_event_handler("message_error", errors.put_nowait)
        cases = [
            (payload("no-such-id", "👍"), "item-not-found"),
            (f"<reactions xmlns='{NS}'><reaction>👍</reaction></reactions>", "bad-request"),
            (payload(sent["id"], "two words"), "bad-request"),
            (payload(sent["id"], *[f"e{i}" for i in range(21)]), "bad-request"),
        ]
        for stanza, condition in cases:
            send_payload(a, f"{bob.username}@localhost", stanza)
            error = await wait_for(errors, lambda _e: True)
            assert error["error"]["condition"] == condition, stanza
    history = await bob.get(f"/api/v1/conversations/{conversation}/messages")
    assert history["messages"][0]["reactions"] == []


async def test_reactions_in_a_room(server: ServerProcess, make_person: MakePerson) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    room = await make_room(alice, "Reacting", members=(bob,))
    async with joined_pair(server, alice, bob, room) as (a, b):
        seen_by_a = every_message(a)
        sent = await alice.send(room["id"], "ship it")
        await wait_for(b.messages, lambda m: m["body"] == "ship it")
        reaction = b.make_message(mto=room_jid(room), mtype="groupchat")
        reaction.append(ET.fromstring(payload(sent["id"], "🚀")))
        reaction.send()
        got = await wait_for(seen_by_a, lambda m: reactions(m) is not None)
        assert got["from"] == room_jid(room, "bob")
        assert reactions(got) == (sent["id"], ["🚀"])
        history = await alice.get(f"/api/v1/conversations/{room['id']}/messages")
        assert by_emoji(history["messages"][0]) == {"🚀": [bob.user_id]}
