"""XEP-0333 displayed markers over real sockets: XMPP <displayed/> -> core read marker -> XMPP and web, and back."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.conftest import MakePerson
from tests.support.client import Person
from tests.support.server import ServerProcess
from tests.support.xmpp import connected, drain, every_message, send_iq, send_payload, wait_for

MARKERS = "urn:xmpp:chat-markers:0"
DISPLAYED = f"{{{MARKERS}}}displayed"
CARBONS = "urn:xmpp:carbons:2"


def displayed(stanza: Any) -> str | None:
    found = stanza.xml.find(DISPLAYED)
    return None if found is None else str(found.get("id"))


async def last_read(person: Person, conversation: str) -> int:
    summaries = await person.get("/api/v1/conversations")
    items = summaries if isinstance(summaries, list) else summaries["conversations"]
    return int(next(s for s in items if str(s["id"]) == conversation)["last_read_id"])


async def test_displayed_markers_both_ways(server: ServerProcess, make_person: MakePerson) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    conversation = await alice.direct(bob)
    alice_jid, bob_jid = f"{alice.username}@localhost", f"{bob.username}@localhost"
    async with (
        connected(server, alice.username, alice.password) as a,
        connected(server, bob.username, bob.password, plugins=("xep_0030", "xep_0199", "xep_0280")) as b,
    ):
        to_alice, to_bob = every_message(a), every_message(b)
        sent = await bob.send(conversation, "read me")
        live = await wait_for(a.messages, lambda m: m["body"] == "read me")
        send_payload(a, bob_jid, f"<displayed xmlns='{MARKERS}' id='{live['id']}'/>")
        seen = await wait_for(to_bob, lambda m: displayed(m) is not None)
        assert (displayed(seen), seen["from"].bare) == (live["id"], alice_jid)
        assert await last_read(alice, conversation) == int(sent["id"])
        await send_iq(b, "set", f"<enable xmlns='{CARBONS}'/>")
        carbons: asyncio.Queue[Any] = asyncio.Queue()
        b.add_event_handler("carbon_sent", carbons.put_nowait)
        mine = await alice.send(conversation, "your turn")
        await wait_for(b.messages, lambda m: m["body"] == "your turn")
        response = await bob.http.put(f"/api/v1/conversations/{conversation}/read", json={"message_id": mine["id"]})
        assert response.status_code == 200
        read = await wait_for(to_alice, lambda m: displayed(m) is not None)
        assert (displayed(read), read["from"].bare) == (str(mine["id"]), bob_jid)
        copy = await wait_for(carbons, lambda m: m.xml.find(f".//{DISPLAYED}") is not None)
        assert copy.xml.find(f".//{DISPLAYED}").get("id") == str(mine["id"])


async def test_a_marker_for_an_unknown_message_is_an_error(server: ServerProcess, make_person: MakePerson) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    async with connected(server, alice.username, alice.password) as a:
        errors: asyncio.Queue[Any] = asyncio.Queue()
        a.add_event_handler("message_error", errors.put_nowait)
        for payload, condition in (
            (f"<displayed xmlns='{MARKERS}' id='nothing-here'/>", "item-not-found"),
            (f"<displayed xmlns='{MARKERS}'/>", "bad-request"),
        ):
            send_payload(a, f"{bob.username}@localhost", payload)
            error = await wait_for(errors, lambda _e: True)
            assert error["error"]["condition"] == condition


async def test_the_client_that_sent_a_marker_gets_no_copy_of_it(server: ServerProcess, make_person: MakePerson) -> None:
    """Your other clients get your marker as a <sent/> carbon; the one that sent it does not."""
    alice, bob = await make_person("alice"), await make_person("bob")
    conversation = await alice.direct(bob)
    bob_jid = f"{bob.username}@localhost"
    plugins = ("xep_0030", "xep_0199", "xep_0280")
    async with (
        connected(server, alice.username, alice.password, resource="desk", plugins=plugins) as desk,
        connected(server, alice.username, alice.password, resource="phone", plugins=plugins) as phone,
    ):
        for client in (desk, phone):
            await send_iq(client, "set", f"<enable xmlns='{CARBONS}'/>")
        at_desk, at_phone = every_message(desk), every_message(phone)
        await bob.send(conversation, "read me")
        live = await wait_for(desk.messages, lambda m: m["body"] == "read me")
        send_payload(desk, bob_jid, f"<displayed xmlns='{MARKERS}' id='{live['id']}'/>")
        copy = await wait_for(at_phone, lambda m: m.xml.find(f".//{DISPLAYED}") is not None)
        assert copy.xml.find(f"{{{CARBONS}}}sent") is not None
        await bob.send(conversation, "barrier")
        await wait_for(desk.messages, lambda m: m["body"] == "barrier")
        assert all(m.xml.find(f".//{DISPLAYED}") is None for m in drain(at_desk))
