"""XEP-0424 retractions over real sockets: XMPP client -> core delete -> XMPP client, web deletes to XMPP, errors."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.conftest import MakePerson
from tests.support.server import ServerProcess
from tests.support.xmpp import connected, send_payload, wait_for

RETRACT = "urn:xmpp:message-retract:1"


def retracted(stanza: Any) -> str | None:
    found = stanza.xml.find(f"{{{RETRACT}}}retract")
    return None if found is None else str(found.get("id"))


async def test_retractions_both_ways(server: ServerProcess, make_person: MakePerson) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    conversation = await alice.direct(bob)
    bob_jid = f"{bob.username}@localhost"
    async with (
        connected(server, alice.username, alice.password) as a,
        connected(server, bob.username, bob.password) as b,
    ):
        send_payload(a, bob_jid, "", body="oops", stanza_id="oops-1")
        await wait_for(b.messages, lambda m: m["body"] == "oops")
        send_payload(a, bob_jid, f"<retract xmlns='{RETRACT}' id='oops-1'/>")
        gone = await wait_for(b.messages, lambda m: retracted(m) is not None)
        assert gone["from"] == a.boundjid  # from the full JID the message came from
        assert retracted(gone) == "oops-1"
        assert gone["body"]  # a fallback for clients without XEP-0424
        history = await bob.get(f"/api/v1/conversations/{conversation}/messages")
        assert [m["deleted"] for m in history["messages"]] == [True]
        sent = await bob.send(conversation, "never mind")
        live = await wait_for(a.messages, lambda m: m["body"] == "never mind")
        assert (await bob.http.delete(f"/api/v1/messages/{sent['id']}")).status_code == 200
        retract = await wait_for(a.messages, lambda m: retracted(m) is not None)
        assert retracted(retract) == live["id"]


async def test_bad_retractions_get_errors(server: ServerProcess, make_person: MakePerson) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    conversation = await alice.direct(bob)
    sent = await bob.send(conversation, "bob's own")
    bob_jid = f"{bob.username}@localhost"
    async with connected(server, alice.username, alice.password) as a:
        errors: asyncio.Queue[Any] = asyncio.Queue()
        a.add_event_handler("message_error", errors.put_nowait)
        for payload, condition in (
            (f"<retract xmlns='{RETRACT}' id='{sent['id']}'/>", "item-not-found"),
            (f"<retract xmlns='{RETRACT}'/>", "bad-request"),
        ):
            send_payload(a, bob_jid, payload)
            error = await wait_for(errors, lambda _e: True)
            assert error["error"]["condition"] == condition
    history = await bob.get(f"/api/v1/conversations/{conversation}/messages")
    assert [m["deleted"] for m in history["messages"]] == [False]
