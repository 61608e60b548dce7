"""XEP-0308 corrections over real sockets: XMPP client -> core edit -> XMPP client, web edits to XMPP, errors."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.conftest import MakePerson
from tests.support.server import ServerProcess
from tests.support.xmpp import connected, every_message, send_payload, wait_for

CORRECT = "urn:xmpp:message-correct:0"
REPLACE = f"{{{CORRECT}}}replace"
RECEIPTS = "urn:xmpp:receipts"
MARKERS = "urn:xmpp:chat-markers:0"
CALLS = "urn:xmpp:jingle-message:0"
SID = "urn:xmpp:sid:0"


def replaced(stanza: Any) -> str | None:
    found = stanza.xml.find(REPLACE)
    return None if found is None else str(found.get("id"))


async def test_corrections_both_ways(server: ServerProcess, make_person: MakePerson) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    conversation = await alice.direct(bob)
    bob_jid = f"{bob.username}@localhost"
    async with (
        connected(server, alice.username, alice.password) as a,
        connected(server, bob.username, bob.password) as b,
    ):
        a_all = every_message(a)
        send_payload(a, bob_jid, "", body="helo", stanza_id="first-1")
        original = await wait_for(b.messages, lambda m: m["body"] == "helo")
        correction = (
            f"<replace xmlns='{CORRECT}' id='first-1'/><request xmlns='{RECEIPTS}'/>"
            f"<markable xmlns='{MARKERS}'/><propose xmlns='{CALLS}' id='call-1'/>"
        )
        send_payload(a, bob_jid, correction, body="hello", stanza_id="fix-1")
        fixed = await wait_for(b.messages, lambda m: replaced(m) is not None)
        assert (fixed["body"], replaced(fixed)) == ("hello", "first-1")
        assert fixed["from"] == original["from"] == a.boundjid  # §5: from the original's full JID
        # Under its client's id, with its receipt request: the receipt names it as alice's client
        # knows it (Conversations shows the corrected message delivered then); its archive id beside.
        assert fixed["id"] == "fix-1"
        assert fixed.xml.find(f"{{{RECEIPTS}}}request") is not None
        assert len(fixed.xml.findall(REPLACE)) == 1
        # Nothing else rides along: not what a message would bring (a call proposal), nor a
        # <markable/> (a marker naming the correction's id would name no message here).
        assert fixed.xml.find(f"{{{CALLS}}}propose") is None
        assert fixed.xml.find(f"{{{MARKERS}}}markable") is None
        archived = fixed.xml.find(f"{{{SID}}}stanza-id")
        assert archived is not None and archived.get("by") == bob_jid and str(archived.get("id")).isdigit()
        send_payload(b, f"{alice.username}@localhost", f"<received xmlns='{RECEIPTS}' id='fix-1'/>")
        receipt = await wait_for(a_all, lambda m: m.xml.find(f"{{{RECEIPTS}}}received") is not None)
        assert receipt.xml.find(f"{{{RECEIPTS}}}received").get("id") == "fix-1"
        history = await bob.get(f"/api/v1/conversations/{conversation}/messages")
        assert [m["body"] for m in history["messages"]] == ["hello"]
        sent = await bob.send(conversation, "from teh web")
        live = await wait_for(a.messages, lambda m: m["body"] == "from teh web")
        response = await bob.http.patch(f"/api/v1/messages/{sent['id']}", json={"body": "from the web"})
        assert response.status_code == 200
        edit = await wait_for(a.messages, lambda m: replaced(m) is not None)
        assert (edit["body"], replaced(edit)) == ("from the web", live["id"])
        assert edit["id"].isdigit() and edit.xml.find(f"{{{SID}}}stanza-id") is None  # no client named it


async def test_bad_corrections_get_errors(server: ServerProcess, make_person: MakePerson) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    conversation = await alice.direct(bob)
    sent = await bob.send(conversation, "bob's own")
    bob_jid = f"{bob.username}@localhost"
    async with connected(server, alice.username, alice.password) as a:
        errors: asyncio.Queue[Any] = asyncio.Queue()
        a.add_event_handler("message_error", errors.put_nowait)
        cases = [
            (f"<replace xmlns='{CORRECT}' id='{sent['id']}'/>", "not yours", "item-not-found"),
            (f"<replace xmlns='{CORRECT}' id='no-such-id'/>", "nothing", "item-not-found"),
            (f"<replace xmlns='{CORRECT}'/>", "no id", "bad-request"),
            (f"<replace xmlns='{CORRECT}' id='x'/>", None, "bad-request"),
        ]
        for payload, body, condition in cases:
            send_payload(a, bob_jid, payload, body=body)
            error = await wait_for(errors, lambda _e: True)
            assert error["error"]["condition"] == condition
    history = await bob.get(f"/api/v1/conversations/{conversation}/messages")
    assert [m["body"] for m in history["messages"]] == ["bob's own"]


async def test_a_message_with_an_origin_id_is_corrected_by_either_id(
    server: ServerProcess, make_person: MakePerson
) -> None:
    """XEP-0308 names the original by its `id`; a client whose origin-id differs from it may use either."""
    alice, bob = await make_person("alice"), await make_person("bob")
    bob_jid = f"{bob.username}@localhost"
    async with (
        connected(server, alice.username, alice.password) as a,
        connected(server, bob.username, bob.password) as b,
    ):
        send_payload(a, bob_jid, "<origin-id xmlns='urn:xmpp:sid:0' id='c-orig-1'/>", body="frist", stanza_id="c-id-1")
        original = await wait_for(b.messages, lambda m: m["body"] == "frist")
        assert original["id"] == "c-id-1"  # as its client sent it: receipts and markers name it so
        for reference, body in (("c-id-1", "first"), ("c-orig-1", "first!")):
            send_payload(a, bob_jid, f"<replace xmlns='{CORRECT}' id='{reference}'/>", body=body)
            fixed = await wait_for(b.messages, lambda m, body=body: m["body"] == body)
            assert replaced(fixed) == "c-id-1"
