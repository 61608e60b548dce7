"""One person on the web (WebSocket events) and on two XMPP clients at once, with a colleague on XMPP
and the web: presence per person for the web and per resource for XMPP, messages reaching all three
(carbons on the XMPP side), read markers both ways, an XMPP correction seen on the web."""

from __future__ import annotations

from typing import Any

from slixmpp import JID

from tests.conftest import Connect, MakePerson
from tests.e2e.xmpp.test_xep0280_carbons import ENABLE, body_of, carbon_client, copied
from tests.support.roster import jid, presence_from
from tests.support.server import ServerProcess
from tests.support.xmpp import connected, every_message, send_iq, send_payload, wait_for

MARKERS = "urn:xmpp:chat-markers:0"
CORRECT = "urn:xmpp:message-correct:0"


def displayed(stanza: Any) -> str | None:
    found = stanza.xml.find(f".//{{{MARKERS}}}displayed")
    return None if found is None else str(found.get("id"))


def got(client: Any, body: str, kind: str | None = None) -> Any:
    """Wait for a message with this body, plain (kind None) or as a `sent`/`received` carbon."""
    if kind is None:
        return wait_for(client.messages, lambda m: m["body"] == body and copied(m, "sent") is None)
    return wait_for(client.messages, lambda m: body_of(copied(m, kind)) == body)


async def test_one_person_on_the_web_and_two_xmpp_clients(
    server: ServerProcess, make_person: MakePerson, connect: Connect
) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    alice_web = await connect(alice)
    async with (
        connected(server, alice.username, alice.password, resource="laptop") as a,
        carbon_client(server, bob, "desk") as desk,
        carbon_client(server, bob, "phone") as phone,
    ):
        for client in (desk, phone):
            await send_iq(client, "set", ENABLE)
        bob_web = await connect(bob)

        # presence: each resource for XMPP, one person for the web
        for resource in ("desk", "phone", "web"):
            await presence_from(a, jid(bob, resource))
        frame = await alice_web.until("presence", user_id=bob.user_id)
        assert frame["show"] == "available"

        # a message to the bare JID: both XMPP clients and the web
        a.send_message(mto=JID(jid(bob)), mbody="to all of bob", mtype="chat")
        for client in (desk, phone):
            await got(client, "to all of bob")
        created = await bob_web.until("message.created")
        assert created["message"]["body"] == "to all of bob"
        conversation = created["message"]["conversation_id"]

        # a message to one resource: the other gets a <received/> carbon, the web the event
        a.send_message(mto=JID(jid(bob, "desk")), mbody="to the desk", mtype="chat")
        await got(desk, "to the desk")
        await got(phone, "to the desk", "received")
        to_desk = await bob_web.until("message.created")
        assert to_desk["message"]["body"] == "to the desk"

        # a read marker set on the web: alice's client sees <displayed/>, bob's clients a <sent/> carbon
        alice_stanzas = every_message(a)
        message_id = to_desk["message"]["id"]
        response = await bob.http.put(f"/api/v1/conversations/{conversation}/read", json={"message_id": message_id})
        assert response.status_code == 200, response.text
        marker = await wait_for(alice_stanzas, lambda m: displayed(m) is not None)
        assert marker["from"].bare == jid(bob)
        for client in (desk, phone):
            await wait_for(client.messages, lambda m: displayed(m) is not None)

        # ... and one set on XMPP reaches the web
        reply = await alice.send(conversation, "one more")
        await got(desk, "one more")
        send_payload(desk, jid(alice), f"<displayed xmlns='{MARKERS}' id='{reply['id']}'/>")
        moved = await bob_web.until("read.moved", user_id=bob.user_id, message_id=str(reply["id"]))
        assert moved["conversation_id"] == conversation
        await alice_web.until("read.moved", user_id=bob.user_id, message_id=str(reply["id"]))

        # an edit from XMPP shows on the web
        send_payload(desk, jid(alice), "", body="teh typo", stanza_id="typo-1")
        original = await alice_web.until("message.created")
        assert original["message"]["body"] == "teh typo"
        await got(phone, "teh typo", "sent")
        send_payload(desk, jid(alice), f"<replace xmlns='{CORRECT}' id='typo-1'/>", body="the typo")
        edited = await alice_web.until("message.edited")
        assert (edited["message"]["id"], edited["message"]["body"]) == (original["message"]["id"], "the typo")
        await bob_web.until("message.edited")
