"""XEP-0384 OMEMO messages pass through intact (live, carbons, MAM), and the JSON API sees `encryption`."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from slixmpp import JID

from tests.conftest import Connect, MakePerson
from tests.e2e.xmpp.test_xep0313_mam import FORWARD, listen, mam
from tests.support.server import ServerProcess
from tests.support.xmpp import Client, both_connected, every_message, send_iq, send_payload, wait_for

LEGACY = "eu.siacs.conversations.axolotl"
OMEMO2 = "urn:xmpp:omemo:2"
EME = "urn:xmpp:eme:0"
FALLBACK = "I sent you an OMEMO encrypted message but your client doesn't seem to support that."
CLIENT = "jabber:client"


def legacy_encrypted(payload: bool = True) -> str:
    inner = "<payload>c2VjcmV0</payload>" if payload else ""
    return (
        f"<encrypted xmlns='{LEGACY}'><header sid='1234'>"
        "<key rid='5678' prekey='true'>a2V5</key><iv>aXY=</iv></header>"
        f"{inner}</encrypted>"
    )


def extras_of(stanza: ET.Element) -> tuple[ET.Element | None, ET.Element | None, ET.Element | None]:
    return (
        stanza.find(f"{{{LEGACY}}}encrypted"),
        stanza.find(f"{{{EME}}}encryption"),
        stanza.find("{urn:xmpp:hints}store"),
    )


def send_parts(client: Client, to: str, body: str | None, stanza_id: str, *parts: str) -> None:
    """A chat message with a body (if given), an id and these raw XML children."""
    message = client.make_message(mto=JID(to), mbody=body, mtype="chat")
    message["id"] = stanza_id
    for part in parts:
        message.append(ET.fromstring(part))
    message.send()


def send_omemo(client: Client, to: str, body: str | None, stanza_id: str, payload: str) -> None:
    eme = f"<encryption xmlns='{EME}' namespace='{LEGACY}' name='OMEMO'/>"
    send_parts(client, to, body, stanza_id, payload, eme, "<store xmlns='urn:xmpp:hints'/>")


async def test_an_omemo_message_arrives_intact_and_is_archived(
    server: ServerProcess, make_person: MakePerson, connect: Connect
) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    bob_events = await connect(bob)
    bob_jid = f"{bob.username}@localhost"
    async with both_connected(server, alice, bob) as (a, b):
        send_omemo(a, bob_jid, FALLBACK, "omemo-1", legacy_encrypted())
        got = await wait_for(b.messages, lambda m: m["id"] == "omemo-1")
        encrypted, eme, store = extras_of(got.xml)
        assert encrypted is not None and eme is not None and store is not None
        assert encrypted.findtext(f"{{{LEGACY}}}payload") == "c2VjcmV0"
        key = encrypted.find(f"{{{LEGACY}}}header/{{{LEGACY}}}key")
        assert key is not None and (key.get("rid"), key.get("prekey"), key.text) == ("5678", "true", "a2V5")
        assert got["body"] == FALLBACK
        assert got.xml.find("{urn:xmpp:sid:0}stanza-id") is not None
        answer = await mam(b, listen(b), **{"with": f"{alice.username}@localhost"})
    archived = answer.results[-1].find(f"{{{FORWARD}}}forwarded/{{{CLIENT}}}message")
    assert archived is not None
    encrypted, eme, _ = extras_of(archived)
    assert encrypted is not None and encrypted.findtext(f"{{{LEGACY}}}payload") == "c2VjcmV0"
    assert eme is not None and eme.get("namespace") == LEGACY
    created = await bob_events.until("message.created")
    assert (created["message"]["encryption"], created["message"]["body"]) == ("omemo", FALLBACK)
    history = await bob.get(f"/api/v1/conversations/{created['message']['conversation_id']}/messages")
    assert history["messages"][-1]["encryption"] == "omemo"


async def test_omemo2_without_a_body_is_stored_and_plain_messages_have_no_encryption(
    server: ServerProcess, make_person: MakePerson, connect: Connect
) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    bob_events = await connect(bob)
    async with both_connected(server, alice, bob) as (a, b):
        everything = every_message(b)
        payload = (
            f"<encrypted xmlns='{OMEMO2}'><header sid='1'><keys jid='x'/></header><payload>eA==</payload></encrypted>"
        )
        send_payload(a, f"{bob.username}@localhost", payload, stanza_id="omemo-2")
        got = await wait_for(everything, lambda m: m["id"] == "omemo-2")
        assert got.xml.find(f"{{{CLIENT}}}body") is None
        assert got.xml.findtext(f"{{{OMEMO2}}}encrypted/{{{OMEMO2}}}payload") == "eA=="
        a.send_message(mto=JID(f"{bob.username}@localhost"), mbody="plain", mtype="chat")
        await wait_for(b.messages, lambda m: m["body"] == "plain")
    first = await bob_events.until("message.created")
    assert (first["message"]["encryption"], first["message"]["body"]) == ("omemo:2", "")
    second = await bob_events.until("message.created")
    assert (second["message"]["encryption"], second["message"]["body"]) == (None, "plain")


async def test_a_key_transport_message_is_relayed_not_stored(
    server: ServerProcess, make_person: MakePerson, connect: Connect
) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    bob_events = await connect(bob)
    async with both_connected(server, alice, bob) as (a, b):
        everything = every_message(b)
        send_payload(a, f"{bob.username}@localhost", legacy_encrypted(payload=False), stanza_id="kt-1")
        got = await wait_for(everything, lambda m: m["id"] == "kt-1")
        assert got.xml.find(f"{{{LEGACY}}}encrypted/{{{LEGACY}}}header") is not None
        assert got.xml.find("{urn:xmpp:sid:0}stanza-id") is None  # not archived
        assert got["from"] == JID(f"{alice.username}@localhost/tests")
        answer = await mam(b, listen(b), **{"with": f"{alice.username}@localhost"})
        assert answer.results == []
        a.send_message(mto=JID(f"{bob.username}@localhost"), mbody="after", mtype="chat")
        await wait_for(b.messages, lambda m: m["body"] == "after")
    created = await bob_events.until("message.created")
    assert created["message"]["body"] == "after"  # the key transport never reached the web


async def test_client_stanza_ids_and_carbon_forgeries_are_not_passed_on(
    server: ServerProcess, make_person: MakePerson
) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    async with both_connected(server, alice, bob) as (a, b):
        forged = "<x xmlns='urn:example:mine'><stanza-id xmlns='urn:xmpp:sid:0' id='inner-ok' by='x'/></x>"
        fake = f"<stanza-id xmlns='urn:xmpp:sid:0' id='fake' by='{bob.username}@localhost'/>"
        send_parts(
            a, f"{bob.username}@localhost", "hello", "forge-1", forged, fake, "<sent xmlns='urn:xmpp:carbons:2'/>"
        )
        got = await wait_for(b.messages, lambda m: m["id"] == "forge-1")
        ids = [e.get("id") for e in got.xml.findall("{urn:xmpp:sid:0}stanza-id")]
        assert len(ids) == 1 and ids[0] != "fake"
        assert got.xml.find("{urn:xmpp:carbons:2}sent") is None
        assert got.xml.find("{urn:example:mine}x/{urn:xmpp:sid:0}stanza-id") is not None  # unknown payloads: as sent
        await send_iq(b, "get", "<ping xmlns='urn:xmpp:ping'/>")


async def test_a_correction_of_an_omemo_message_carries_its_new_payload(
    server: ServerProcess, make_person: MakePerson
) -> None:
    """XEP-0308 with OMEMO: the new content is in the correction's payload (the body is only a
    fallback), so the server stores and passes on that payload, not the fallback alone."""
    alice, bob = await make_person("alice"), await make_person("bob")
    conversation = await alice.direct(bob)
    bob_jid = f"{bob.username}@localhost"
    fixed_payload = legacy_encrypted().replace("c2VjcmV0", "Zml4ZWQ=")
    async with both_connected(server, alice, bob) as (a, b):
        eme = f"<encryption xmlns='{EME}' namespace='{LEGACY}' name='OMEMO'/>"
        origin = "<origin-id xmlns='urn:xmpp:sid:0' id='{}'/>"
        send_parts(a, bob_jid, FALLBACK, "omemo-1", legacy_encrypted(), eme, origin.format("omemo-1"))
        await wait_for(b.messages, lambda m: m["id"] == "omemo-1")
        replace = "<replace xmlns='urn:xmpp:message-correct:0' id='omemo-1'/>"
        send_parts(a, bob_jid, FALLBACK, "omemo-2", fixed_payload, eme, replace, origin.format("omemo-2"))
        fix = await wait_for(b.messages, lambda m: m.xml.find("{urn:xmpp:message-correct:0}replace") is not None)
        encrypted, found_eme, _ = extras_of(fix.xml)
        assert encrypted is not None and encrypted.findtext(f"{{{LEGACY}}}payload") == "Zml4ZWQ="
        assert found_eme is not None and fix["body"] == FALLBACK
        assert len(fix.xml.findall("{urn:xmpp:message-correct:0}replace")) == 1  # not kept as payload too
        answer = await mam(b, listen(b), **{"with": f"{alice.username}@localhost"})
    archived = answer.results[-1].find(f"{{{FORWARD}}}forwarded/{{{CLIENT}}}message")
    assert archived is not None
    encrypted, _, _ = extras_of(archived)
    assert encrypted is not None and encrypted.findtext(f"{{{LEGACY}}}payload") == "Zml4ZWQ="
    origins = [o.get("id") for o in archived.findall("{urn:xmpp:sid:0}origin-id")]
    assert origins == ["omemo-1"]  # the original's, not the correction's
    history = await bob.get(f"/api/v1/conversations/{conversation}/messages")
    assert [(m["encryption"], m["edited_at"] is not None) for m in history["messages"]] == [("omemo", True)]


async def test_an_omemo_reply_keeps_the_clients_own_quote(server: ServerProcess, make_person: MakePerson) -> None:
    """An encrypted reply's quote is inside its encrypted content: the server stores the reply
    but neither cuts the fallback body nor quotes anew; the client's <reply/> and <fallback/> pass."""
    alice, bob = await make_person("alice"), await make_person("bob")
    conversation = await alice.direct(bob)
    alice_jid, bob_jid = f"{alice.username}@localhost", f"{bob.username}@localhost"
    reply_ns = "urn:xmpp:reply:0"
    async with both_connected(server, alice, bob) as (a, b):
        send_omemo(a, bob_jid, FALLBACK, "omemo-1", legacy_encrypted())
        await wait_for(b.messages, lambda m: m["id"] == "omemo-1")
        reply = f"<reply xmlns='{reply_ns}' to='{alice_jid}' id='omemo-1'/>"
        fallback = f"<fallback xmlns='urn:xmpp:fallback:0' for='{reply_ns}'><body start='0' end='9'/></fallback>"
        eme = f"<encryption xmlns='{EME}' namespace='{LEGACY}' name='OMEMO'/>"
        send_parts(b, alice_jid, FALLBACK, "omemo-r", legacy_encrypted(), eme, reply, fallback)
        got = await wait_for(a.messages, lambda m: m["id"] == "omemo-r")
        assert [r.get("to") for r in got.xml.findall(f"{{{reply_ns}}}reply")] == [alice_jid]  # the client's own
        assert len(got.xml.findall("{urn:xmpp:fallback:0}fallback")) == 1
        assert got["body"] == FALLBACK  # neither cut nor quoted
    history = await alice.get(f"/api/v1/conversations/{conversation}/messages")
    assert history["messages"][-1]["reply_to"] == history["messages"][0]["id"]
