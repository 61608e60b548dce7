"""XEP-0461 replies (with XEP-0428 fallbacks) over real sockets: both ways with the web, 1:1 and rooms."""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET
from typing import Any

from tests.conftest import MakePerson
from tests.e2e.xmpp.test_xep0313_mam import FORWARD, listen, mam
from tests.support.client import Person
from tests.support.muc import MUC_PLUGINS, joined_pair, make_room, room_jid
from tests.support.server import ServerProcess
from tests.support.xmpp import TIMEOUT, connected, every_message, send_payload, wait_for

NS = "urn:xmpp:reply:0"
FALLBACK = "urn:xmpp:fallback:0"


def reply_of(stanza: Any) -> tuple[str, str] | None:
    found = stanza.xml.find(f"{{{NS}}}reply")
    return None if found is None else (str(found.get("to")), str(found.get("id")))


def quoted(target: str, to: str, quote: str) -> str:
    """A <reply/> and the fallback marking `quote` (at the start of the body)."""
    return (
        f"<reply xmlns='{NS}' to='{to}' id='{target}'/>"
        f"<fallback xmlns='{FALLBACK}' for='{NS}'><body start='0' end='{len(quote)}'/></fallback>"
    )


def send_with(client: Any, to: str, parts: str, body: str, kind: str = "chat") -> None:
    """A message with a body and several raw payload elements."""
    message = client.make_message(mto=to, mbody=body, mtype=kind)
    for part in ET.fromstring(f"<x>{parts}</x>"):
        message.append(part)
    message.send()


async def newest(person: Person, conversation: str, count: int) -> list[dict[str, Any]]:
    for _ in range(50):
        messages = (await person.get(f"/api/v1/conversations/{conversation}/messages"))["messages"]
        if len(messages) >= count:
            return list(messages)
        await asyncio.sleep(0.1)
    raise AssertionError("the message did not arrive")


async def test_replies_both_ways_in_a_chat(server: ServerProcess, make_person: MakePerson) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    conversation = await alice.direct(bob)
    alice_jid, bob_jid = f"{alice.username}@localhost", f"{bob.username}@localhost"
    async with (
        connected(server, alice.username, alice.password) as a,
        connected(server, bob.username, bob.password) as b,
    ):
        send_payload(a, bob_jid, "", body="lunch at noon?", stanza_id="q-1")
        await wait_for(b.messages, lambda m: m["body"] == "lunch at noon?")
        quote = "> lunch at noon?\n"
        send_with(b, alice_jid, quoted("q-1", alice_jid, quote), quote + "yes!")
        got = await wait_for(a.messages, lambda m: reply_of(m) is not None)
        assert reply_of(got) == (alice_jid, "q-1")
        history = await newest(alice, conversation, 2)
        assert (history[1]["body"], history[1]["reply_to"]) == ("yes!", history[0]["id"])
        await alice.send(conversation, "see you there", reply_to=history[1]["id"])  # from the web
        answer = await wait_for(b.messages, lambda m: "see you there" in m["body"])
        to, target = reply_of(answer) or ("", "")
        assert (to, target) == (bob_jid, got["id"])  # the id bob's client sent it with
        fallback = answer.xml.find(f"{{{FALLBACK}}}fallback/{{{FALLBACK}}}body")
        assert fallback is not None and answer["body"][int(fallback.get("end", "0")) :] == "see you there"
        assert answer["body"].startswith("> yes!")


async def test_a_reply_to_an_unknown_id_is_a_plain_message(server: ServerProcess, make_person: MakePerson) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    conversation = await alice.direct(bob)
    async with connected(server, alice.username, alice.password) as a:
        send_payload(a, f"{bob.username}@localhost", f"<reply xmlns='{NS}' id='nope'/>", body="hm")
        history = await newest(bob, conversation, 1)
        assert (history[0]["body"], history[0]["reply_to"]) == ("hm", None)


async def test_replies_in_a_room(server: ServerProcess, make_person: MakePerson) -> None:
    alice, bob, carol = await make_person("alice"), await make_person("bob"), await make_person("carol")
    room = await make_room(alice, "Replies", members=(bob, carol))
    async with joined_pair(server, alice, bob, room) as (a, b):
        sent = await alice.send(room["id"], "deploy on friday?")
        await wait_for(b.messages, lambda m: m["body"] == "deploy on friday?")
        quote = "> deploy on friday?\n"
        parts = quoted(sent["id"], str(room_jid(room, "alice")), quote)
        send_with(b, str(room_jid(room)), parts, quote + "never", "groupchat")
        got = await wait_for(a.messages, lambda m: reply_of(m) is not None)
        assert reply_of(got) == (str(room_jid(room, "alice")), sent["id"])  # occupant JID, the room's stanza-id
        assert got["body"].endswith("never")
        history = await newest(alice, room["id"], 2)
        assert (history[1]["body"], history[1]["reply_to"]) == ("never", sent["id"])
    async with connected(server, carol.username, carol.password, plugins=MUC_PLUGINS) as c:  # later: history, MAM
        joined = every_message(c)
        await c.plugin["xep_0045"].join_muc_wait(room_jid(room), "carol", maxstanzas=5, timeout=TIMEOUT)
        late = await wait_for(joined, lambda m: reply_of(m) is not None)
        assert reply_of(late) == (str(room_jid(room, alice.username)), sent["id"])  # alice has left: her username
        assert late["body"] == quote + "never" and late.xml.find("{urn:xmpp:delay}delay") is not None
        archive = await mam(c, listen(c), to=str(room_jid(room)))
    inner = archive.results[-1].find(f"{{{FORWARD}}}forwarded/{{jabber:client}}message")
    assert inner is not None
    replied = inner.find(f"{{{NS}}}reply")
    assert replied is not None and replied.get("id") == sent["id"]
    assert inner.findtext("{jabber:client}body") == quote + "never"
