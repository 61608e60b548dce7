"""Room messages with more than a body, over real sockets: OMEMO payloads pass through a room
(live, history on join, the room's archive, the web's `encryption`), and corrections,
retractions and markers act on the room's messages as in a 1:1 chat, from XMPP and the web."""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from slixmpp import JID
from slixmpp.exceptions import IqError

from tests.conftest import Connect, MakePerson
from tests.e2e.xmpp.test_xep0313_mam import FORWARD, listen, mam
from tests.e2e.xmpp.test_xep0384_omemo import EME, FALLBACK, LEGACY, legacy_encrypted
from tests.e2e.xmpp.test_xep0461_replies import newest
from tests.support.muc import MUC_PLUGINS, joined_pair, make_room, room_jid
from tests.support.server import ServerProcess
from tests.support.xmpp import TIMEOUT, Client, connected, drain, every_message, send_iq, wait_for

CLIENT = "jabber:client"
CORRECT = "urn:xmpp:message-correct:0"
RETRACT = "urn:xmpp:message-retract:1"
MARKERS = "urn:xmpp:chat-markers:0"
SID = "urn:xmpp:sid:0"
REPLY = "urn:xmpp:reply:0"


def send_groupchat(client: Client, room: dict[str, Any], body: str | None, stanza_id: str, *parts: str) -> None:
    """A groupchat message to the room with a body (if given), an id and these raw XML children."""
    message = client.make_message(mto=room_jid(room), mbody=body, mtype="groupchat")
    message["id"] = stanza_id
    for part in parts:
        message.append(ET.fromstring(part))
    message.send()


def omemo_parts(payload: bool = True) -> tuple[str, ...]:
    eme = f"<encryption xmlns='{EME}' namespace='{LEGACY}' name='OMEMO'/>"
    return legacy_encrypted(payload), eme, "<store xmlns='urn:xmpp:hints'/>"


def encrypted_payload(stanza: ET.Element) -> str | None:
    return stanza.findtext(f"{{{LEGACY}}}encrypted/{{{LEGACY}}}payload")


def child(stanza: Any, tag: str) -> ET.Element | None:
    found: ET.Element | None = stanza.xml.find(tag)
    return found


def attribute(stanza: Any, tag: str, name: str) -> str | None:
    found = child(stanza, tag)
    return None if found is None else found.get(name)


def stanza_id_of(stanza: Any) -> str:
    return str(attribute(stanza, f"{{{SID}}}stanza-id", "id"))


async def test_omemo_in_a_room_passes_through_live_in_history_and_archive(
    server: ServerProcess, make_person: MakePerson, connect: Connect
) -> None:
    alice, bob, carol = await make_person("alice"), await make_person("bob"), await make_person("carol")
    room = await make_room(alice, "Private group", members=(bob, carol))
    web = await connect(carol)
    async with joined_pair(server, alice, bob, room) as (a, b):
        bob_all = every_message(b)
        send_groupchat(a, room, FALLBACK, "omemo-1", *omemo_parts())
        for client in (a, b):  # the room reflects it to the sender too, payload and all
            got = await wait_for(client.messages, lambda m: m["id"] == "omemo-1")
            assert got["from"] == room_jid(room, "alice")
            assert encrypted_payload(got.xml) == "c2VjcmV0"
            assert child(got, f"{{{EME}}}encryption") is not None
            assert child(got, f"{{{SID}}}stanza-id") is not None
        frame = await web.until("message.created")
        assert (frame["message"]["body"], frame["message"]["encryption"]) == (FALLBACK, "omemo")

        send_groupchat(a, room, None, "omemo-2", *omemo_parts())  # encrypted content, no body
        bodiless = await wait_for(bob_all, lambda m: m["id"] == "omemo-2")
        assert encrypted_payload(bodiless.xml) == "c2VjcmV0"
        assert child(bodiless, f"{{{CLIENT}}}body") is None
        send_groupchat(a, room, None, "keys-1", *omemo_parts(payload=False))  # a key transport: not stored
        send_groupchat(a, room, "plain again", "plain-1")
        await wait_for(b.messages, lambda m: m["body"] == "plain again")
        history = await newest(carol, room["id"], 3)
        assert [(m["body"], m["encryption"]) for m in history] == [
            (FALLBACK, "omemo"),
            ("", "omemo"),
            ("plain again", None),
        ]

    async with connected(server, carol.username, carol.password, plugins=MUC_PLUGINS) as c:
        carol_all = every_message(c)
        await c.plugin["xep_0045"].join_muc_wait(room_jid(room), "carol", maxstanzas=10, timeout=TIMEOUT)
        joined = [await wait_for(carol_all, lambda m, w=wanted: m["id"] == w) for wanted in ("omemo-1", "omemo-2")]
        assert [encrypted_payload(m.xml) for m in joined] == ["c2VjcmV0", "c2VjcmV0"]
        assert all(child(m, "{urn:xmpp:delay}delay") is not None for m in joined)
        results = listen(c)
        archive = await mam(c, results, to=str(room_jid(room)))
        inner = [r.find(f"{{{FORWARD}}}forwarded/{{{CLIENT}}}message") for r in archive.results]
        assert [encrypted_payload(m) if m is not None else None for m in inner] == ["c2VjcmV0", "c2VjcmV0", None]


async def test_a_key_transport_in_a_room_reaches_the_occupants_and_is_not_stored(
    server: ServerProcess, make_person: MakePerson
) -> None:
    """A body-less payload (OMEMO key transport, a receipt) is relayed live to every occupant,
    the sender too, from the sender's occupant JID; it is not in the room's history."""
    alice, bob, carol = await make_person("alice"), await make_person("bob"), await make_person("carol")
    room = await make_room(alice, "Keys", members=(bob, carol))
    async with joined_pair(server, alice, bob, room) as (a, b):
        alice_all, bob_all = every_message(a), every_message(b)
        send_groupchat(a, room, None, "keys-1", *omemo_parts(payload=False))
        for queue in (alice_all, bob_all):
            got = await wait_for(queue, lambda m: m["id"] == "keys-1")
            assert (got["from"], got["type"]) == (room_jid(room, "alice"), "groupchat")
            header = child(got, f"{{{LEGACY}}}encrypted/{{{LEGACY}}}header")
            assert header is not None and encrypted_payload(got.xml) is None
            assert child(got, f"{{{SID}}}stanza-id") is None  # not stored: no stanza-id
        receipt = "<received xmlns='urn:xmpp:receipts' id='keys-1'/>"
        send_groupchat(b, room, None, "receipt-1", receipt)
        got = await wait_for(alice_all, lambda m: m["id"] == "receipt-1")
        assert child(got, "{urn:xmpp:receipts}received") is not None
        send_groupchat(a, room, "after the keys", "plain-1")
        await wait_for(b.messages, lambda m: m["body"] == "after the keys")
    assert [m["body"] for m in await newest(carol, room["id"], 1)] == ["after the keys"]


async def test_corrections_and_retractions_in_a_room_reach_every_occupant(
    server: ServerProcess, make_person: MakePerson
) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    room = await make_room(alice, "Fixes", members=(bob,))
    async with joined_pair(server, alice, bob, room) as (a, b):
        send_groupchat(a, room, "helo", "a-1")
        original = await wait_for(b.messages, lambda m: m["body"] == "helo")
        stanza_id = stanza_id_of(original)
        send_groupchat(a, room, "hello", "a-2", f"<replace xmlns='{CORRECT}' id='a-1'/>")
        for client in (a, b):  # from the sender's occupant JID, to every occupant (the sender too)
            fixed = await wait_for(client.messages, lambda m: child(m, f"{{{CORRECT}}}replace") is not None)
            assert (fixed["from"], fixed["body"]) == (room_jid(room, "alice"), "hello")
            assert attribute(fixed, f"{{{CORRECT}}}replace", "id") == "a-1"
        history = await newest(bob, room["id"], 1)
        assert [(m["body"], m["edited_at"] is not None) for m in history] == [("hello", True)]  # edited, not a new one

        send_groupchat(a, room, None, "a-3", f"<retract xmlns='{RETRACT}' id='{stanza_id}'/>")  # the room's id
        gone = await wait_for(b.messages, lambda m: child(m, f"{{{RETRACT}}}retract") is not None)
        assert attribute(gone, f"{{{RETRACT}}}retract", "id") == stanza_id
        assert gone["from"] == room_jid(room, "alice") and gone["body"]  # a fallback body
        history = await newest(bob, room["id"], 1)
        assert [m["deleted"] for m in history] == [True]

        sent = await bob.send(room["id"], "from the web")  # a change on the web reaches the occupants
        await wait_for(a.messages, lambda m: m["body"] == "from the web")
        await bob.http.patch(f"/api/v1/messages/{sent['id']}", json={"body": "from the web, fixed"})
        web_fix = await wait_for(a.messages, lambda m: m["body"] == "from the web, fixed")
        assert child(web_fix, f"{{{CORRECT}}}replace") is not None
        assert web_fix["from"] == room_jid(room, "bob")


async def test_someone_else_s_message_in_a_room_cannot_be_corrected(
    server: ServerProcess, make_person: MakePerson
) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    room = await make_room(alice, "Mine", members=(bob,))
    async with joined_pair(server, alice, bob, room) as (a, b):
        errors: asyncio.Queue[Any] = asyncio.Queue()
        b.add_event_handler("message_error", errors.put_nowait)
        send_groupchat(a, room, "alice's words", "a-1")
        await wait_for(b.messages, lambda m: m["body"] == "alice's words")
        send_groupchat(b, room, "bob's words", "b-1", f"<replace xmlns='{CORRECT}' id='a-1'/>")
        error = await wait_for(errors, lambda _e: True)
        assert error["error"]["condition"] == "item-not-found"
    history = await newest(alice, room["id"], 1)
    assert [m["body"] for m in history] == ["alice's words"]


async def test_a_displayed_marker_in_a_room_moves_the_read_marker(
    server: ServerProcess, make_person: MakePerson
) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    room = await make_room(alice, "Seen", members=(bob,))
    async with joined_pair(server, alice, bob, room) as (a, b):
        every = every_message(a)
        send_groupchat(a, room, "read me", "a-1")
        got = await wait_for(b.messages, lambda m: m["body"] == "read me")
        stanza_id = stanza_id_of(got)
        send_groupchat(b, room, None, "m-1", f"<displayed xmlns='{MARKERS}' id='{stanza_id}'/>")

        async def read_upto() -> str | None:
            for summary in await bob.get("/api/v1/conversations"):
                if summary["id"] == room["id"] and summary["last_read_id"] == stanza_id:
                    return str(summary["last_read_id"])
            return None

        for _ in range(50):
            if await read_upto():
                break
            await asyncio.sleep(0.1)
        assert await read_upto() == stanza_id
        seen = await wait_for(every, lambda m: child(m, f"{{{MARKERS}}}displayed") is not None)  # reflected
        assert (seen["from"], attribute(seen, f"{{{MARKERS}}}displayed", "id")) == (room_jid(room, "bob"), stanza_id)

        send_groupchat(a, room, "read this too", "a-2")
        newer = stanza_id_of(await wait_for(b.messages, lambda m: m["body"] == "read this too"))
        read = await bob.http.put(f"/api/v1/conversations/{room['id']}/read", json={"message_id": newer})  # the web
        assert read.status_code == 200, read.text
        web_read = await wait_for(every, lambda m: attribute(m, f"{{{MARKERS}}}displayed", "id") == newer)
        assert web_read["from"] == room_jid(room, "bob")


async def test_a_reply_keeps_one_reply_element_in_rooms_and_chats(
    server: ServerProcess, make_person: MakePerson
) -> None:
    """The server stores a reply and writes `<reply/>` and its quote anew: the client's own are not kept too."""
    alice, bob = await make_person("alice"), await make_person("bob")
    room = await make_room(alice, "Threads", members=(bob,))
    async with joined_pair(server, alice, bob, room) as (a, b):
        send_groupchat(a, room, "first", "a-1")
        got = await wait_for(b.messages, lambda m: m["body"] == "first")
        stanza_id = stanza_id_of(got)
        quote = "> first\n"
        fallback = (
            f"<fallback xmlns='urn:xmpp:fallback:0' for='{REPLY}'><body start='0' end='{len(quote)}'/></fallback>"
        )
        reply = f"<reply xmlns='{REPLY}' to='{room_jid(room, 'alice')}' id='{stanza_id}'/>"
        send_groupchat(b, room, quote + "second", "b-1", reply, fallback)
        answer = await wait_for(a.messages, lambda m: m["id"] == "b-1")
        assert len(answer.xml.findall(f"{{{REPLY}}}reply")) == 1
        assert len(answer.xml.findall("{urn:xmpp:fallback:0}fallback")) == 1
        assert answer["body"] == quote + "second"
    alice_jid = f"{alice.username}@localhost"
    async with (
        connected(server, alice.username, alice.password) as a,
        connected(server, bob.username, bob.password) as b,
    ):
        a.send_message(mto=JID(f"{bob.username}@localhost"), mbody="one to one", mtype="chat")
        got = await wait_for(b.messages, lambda m: m["body"] == "one to one")
        quote = "> one to one\n"
        fallback = (
            f"<fallback xmlns='urn:xmpp:fallback:0' for='{REPLY}'><body start='0' end='{len(quote)}'/></fallback>"
        )
        message = b.make_message(mto=alice_jid, mbody=quote + "two", mtype="chat")
        message["id"] = "b-2"
        message.append(ET.fromstring(f"<reply xmlns='{REPLY}' to='{alice_jid}' id='{got['id']}'/>"))
        message.append(ET.fromstring(fallback))
        message.send()
        answer = await wait_for(a.messages, lambda m: m["id"] == "b-2")
        assert len(answer.xml.findall(f"{{{REPLY}}}reply")) == 1
        assert len(answer.xml.findall("{urn:xmpp:fallback:0}fallback")) == 1


async def test_typing_in_a_room_reaches_the_other_occupants(server: ServerProcess, make_person: MakePerson) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    room = await make_room(alice, "Typing", members=(bob,))
    chatstates = "http://jabber.org/protocol/chatstates"
    async with joined_pair(server, alice, bob, room) as (a, b):
        bob_all, alice_all, bob_raw = every_message(b), every_message(a), every_message(b)
        hint = "<no-store xmlns='urn:xmpp:hints'/>"  # as Conversations sends typing: nothing else to relay
        send_groupchat(a, room, None, "t-1", f"<composing xmlns='{chatstates}'/>", hint)
        typing = await wait_for(bob_all, lambda m: child(m, f"{{{chatstates}}}composing") is not None)
        assert typing["from"] == room_jid(room, "alice") and typing["type"] == "groupchat"
        response = await bob.http.put(f"/api/v1/conversations/{room['id']}/typing", json={"active": True})
        assert response.status_code == 200, response.text  # from the web
        web = await wait_for(alice_all, lambda m: child(m, f"{{{chatstates}}}composing") is not None)
        assert web["from"] == room_jid(room, "bob")
        send_groupchat(a, room, "done typing", "t-2")
        await wait_for(b.messages, lambda m: m["body"] == "done typing")
        assert all(child(m, f"{{{chatstates}}}composing") is None for m in drain(alice_all))  # not her own
        extra = [m for m in drain(bob_raw) if m["id"] == "t-1" and child(m, f"{{{chatstates}}}composing") is None]
        assert extra == []  # the typing notice came once, as a chat state, not relayed again for its hint


async def test_a_member_cannot_set_the_subject_through_an_encrypted_message(
    server: ServerProcess, make_person: MakePerson
) -> None:
    """A <subject/> beside encrypted content is not kept: without a body, it would change the
    topic in every client (XEP-0045 §8.1), which only room admins may do."""
    alice, bob = await make_person("alice"), await make_person("bob")
    room = await make_room(alice, "Topic kept", members=(bob,), topic="the real topic")
    async with joined_pair(server, alice, bob, room) as (a, b):
        alice_all = every_message(a)
        forged = f"<subject xmlns='{CLIENT}'>forged topic</subject>"
        send_groupchat(b, room, None, "sneaky-1", *omemo_parts(), forged)
        got = await wait_for(alice_all, lambda m: m["id"] == "sneaky-1")
        assert encrypted_payload(got.xml) == "c2VjcmV0"
        assert child(got, f"{{{CLIENT}}}subject") is None
    rooms = [c for c in await alice.get("/api/v1/conversations") if c["id"] == room["id"]]
    assert [r["topic"] for r in rooms] == ["the real topic"]


async def test_moderators_retract_other_peoples_messages(server: ServerProcess, make_person: MakePerson) -> None:
    """XEP-0425: the room's admins and owners retract others' messages, from XMPP or the web; the
    occupants get the retraction from the room itself, with <moderated by='room/nick'/>."""
    alice, bob = await make_person("alice"), await make_person("bob")
    room = await make_room(alice, "Moderated", members=(bob,))
    moderate = "urn:xmpp:message-moderate:1"
    async with joined_pair(server, alice, bob, room) as (a, b):
        info = await b.plugin["xep_0030"].get_info(jid=room_jid(room), timeout=TIMEOUT)
        assert moderate in info["disco_info"]["features"]
        send_groupchat(b, room, "buy my potions", "b-1")
        spam = stanza_id_of(await wait_for(a.messages, lambda m: m["body"] == "buy my potions"))
        request = (
            f"<moderate xmlns='{moderate}' id='{spam}'><retract xmlns='{RETRACT}'/><reason>spam</reason></moderate>"
        )
        with pytest.raises(IqError) as refused:  # bob is a member, not a moderator: not alice's message
            send_groupchat(a, room, "alice's words", "a-1")
            words = stanza_id_of(await wait_for(b.messages, lambda m: m["body"] == "alice's words"))
            await send_iq(b, "set", request.replace(spam, words), to=str(room_jid(room)))
        assert refused.value.iq["error"]["condition"] == "forbidden"
        await send_iq(a, "set", request, to=str(room_jid(room)))
        for client in (a, b):
            gone = await wait_for(client.messages, lambda m: child(m, f"{{{RETRACT}}}retract") is not None)
            assert gone["from"] == room_jid(room)  # from the room itself
            assert attribute(gone, f"{{{RETRACT}}}retract", "id") == spam
            moderated = child(gone, f"{{{RETRACT}}}retract/{{{moderate}}}moderated")
            assert moderated is not None and moderated.get("by") == str(room_jid(room, "alice"))
            assert gone.xml.findtext(f"{{{RETRACT}}}retract/{{{RETRACT}}}reason") == "spam"
            assert "spam" in gone["body"]  # the fallback for clients without XEP-0425 says why

        send_groupchat(b, room, "spam again", "b-2")  # then a harmless one whose client id is the spam's stanza-id
        spam2 = stanza_id_of(await wait_for(a.messages, lambda m: m["body"] == "spam again"))
        send_groupchat(b, room, "harmless", "b-3", f"<origin-id xmlns='{SID}' id='{spam2}'/>")
        await wait_for(a.messages, lambda m: m["body"] == "harmless")
        await send_iq(a, "set", request.replace(spam, spam2), to=str(room_jid(room)))  # the stanza-id decides
        await wait_for(b.messages, lambda m: attribute(m, f"{{{RETRACT}}}retract", "id") == spam2)

        sent = await bob.send(room["id"], "more spam")  # a room admin on the web
        await wait_for(a.messages, lambda m: m["body"] == "more spam")
        assert (await alice.http.delete(f"/api/v1/messages/{sent['id']}")).status_code == 200
        web = await wait_for(b.messages, lambda m: attribute(m, f"{{{RETRACT}}}retract", "id") == sent["id"])
        assert web["from"] == room_jid(room)
        results = listen(a)
        archive = await mam(a, results, to=str(room_jid(room)))
        inner = [r.find(f"{{{FORWARD}}}forwarded/{{{CLIENT}}}message") for r in archive.results]
        tombstones: dict[str, ET.Element] = {}
        for m in inner:
            retracted = None if m is None else m.find(f"{{{RETRACT}}}retracted")
            if m is not None and retracted is not None:
                tombstones[m.find(f"{{{SID}}}stanza-id").get("id", "")] = retracted  # type: ignore[union-attr]
        assert set(tombstones) == {spam, spam2, sent["id"]}
        for retracted in tombstones.values():  # a moderator's: who, and the reason they gave
            by = retracted.find(f"{{{moderate}}}moderated")
            assert by is not None and by.get("by") == str(room_jid(room, "alice"))
        assert tombstones[spam].findtext(f"{{{RETRACT}}}reason") == "spam"
        assert tombstones[sent["id"]].find(f"{{{RETRACT}}}reason") is None
        missing = f"<moderate xmlns='{moderate}' id='1'><retract xmlns='{RETRACT}'/></moderate>"
        with pytest.raises(IqError) as unknown:
            await send_iq(a, "set", missing, to=str(room_jid(room)))
        assert unknown.value.iq["error"]["condition"] == "item-not-found"
    history = await newest(alice, room["id"], 5)
    assert [(m["body"], m["deleted"]) for m in history] == [
        ("", True),
        ("alice's words", False),
        ("", True),
        ("harmless", False),
        ("", True),
    ]
