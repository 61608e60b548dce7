"""XEP-0045 messages with slixmpp over real sockets: groupchat both ways with the web API, subject, errors."""

from __future__ import annotations

from typing import Any

from tests.conftest import Connect, MakePerson
from tests.support.muc import MUC_PLUGINS, make_room, room_jid, wait_for, watch
from tests.support.server import ServerProcess
from tests.support.xmpp import TIMEOUT, connected

SID = "{urn:xmpp:sid:0}stanza-id"


def is_body(text: str) -> Any:
    return lambda m: m["type"] == "groupchat" and m["body"] == text


async def test_groupchat_reaches_occupants_and_the_web_and_back(
    server: ServerProcess, make_person: MakePerson, connect: Connect
) -> None:
    alice, bob, carol = await make_person("alice"), await make_person("bob"), await make_person("carol")
    room = await make_room(alice, "Team", members=(bob, carol))
    web = await connect(carol)
    async with (
        connected(server, alice.username, alice.password, plugins=MUC_PLUGINS) as a,
        connected(server, bob.username, bob.password, plugins=MUC_PLUGINS) as b,
    ):
        await a.plugin["xep_0045"].join_muc_wait(room_jid(room), "alice", maxstanzas=0, timeout=TIMEOUT)
        await b.plugin["xep_0045"].join_muc_wait(room_jid(room), "bob", maxstanzas=0, timeout=TIMEOUT)
        sent = a.make_message(mto=room_jid(room), mbody="hello room", mtype="groupchat")
        sent["id"] = "a-1"
        sent.send()
        for client in (a, b):  # the sender gets its own message back (XEP-0045 §7.4)
            got = await wait_for(client.messages, is_body("hello room"))
            assert got["from"] == room_jid(room, "alice")
            stanza_id = got.xml.find(SID)
            assert stanza_id is not None and stanza_id.get("by") == str(room_jid(room))
        assert got["id"] == "a-1"
        frame = await web.until("message.created")
        assert frame["message"]["body"] == "hello room"
        assert frame["message"]["id"] == stanza_id.get("id")
        await carol.send(room["id"], "from the browser")
        got = await wait_for(b.messages, is_body("from the browser"))
        assert got["from"] == room_jid(room, carol.username)  # not joined: their username
        history = await carol.get(f"/api/v1/conversations/{room['id']}/messages")
        assert [m["body"] for m in history["messages"]] == ["hello room", "from the browser"]


async def test_subject_is_the_room_topic(server: ServerProcess, make_person: MakePerson) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    room = await make_room(alice, "Topics", members=(bob,))
    async with (
        connected(server, alice.username, alice.password, plugins=MUC_PLUGINS) as a,
        connected(server, bob.username, bob.password, plugins=MUC_PLUGINS) as b,
    ):
        subjects_a, subjects_b = watch(a, "groupchat_subject"), watch(b, "groupchat_subject")
        _, first, _, _ = await a.plugin["xep_0045"].join_muc_wait(room_jid(room), "alice", timeout=TIMEOUT)
        assert not first["subject"]  # an empty <subject/>: no topic
        await b.plugin["xep_0045"].join_muc_wait(room_jid(room), "bob", timeout=TIMEOUT)
        a.plugin["xep_0045"].set_subject(room_jid(room), "Release on Friday")
        got = await wait_for(subjects_b, lambda m: m["subject"] == "Release on Friday")
        assert got["from"] == room_jid(room, "alice")  # from who set it (XEP-0045 §8.1)
        assert (await alice.get(f"/api/v1/conversations/{room['id']}"))["topic"] == "Release on Friday"
        errors = watch(b, "message_error")
        b.plugin["xep_0045"].set_subject(room_jid(room), "Bob's topic")  # a member may not (core rule)
        refused = await wait_for(errors, lambda m: True)
        assert refused["error"]["condition"] == "forbidden"
        response = await alice.http.patch(f"/api/v1/rooms/{room['id']}", json={"topic": "Set on the web"})
        assert response.status_code == 200, response.text
        await wait_for(subjects_a, lambda m: m["subject"] == "Set on the web")
        got = await wait_for(subjects_b, lambda m: m["subject"] == "Set on the web")
        assert got["from"] == room_jid(room, "alice")  # her nick here, though set on the web
    assert (await bob.get(f"/api/v1/conversations/{room['id']}"))["topic"] == "Set on the web"


async def test_messages_to_absent_occupants_and_from_outside_are_refused(
    server: ServerProcess, make_person: MakePerson
) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    room = await make_room(alice, "Rules", members=(bob,))
    async with (
        connected(server, alice.username, alice.password, plugins=MUC_PLUGINS) as a,
        connected(server, bob.username, bob.password, plugins=MUC_PLUGINS) as b,
    ):
        await a.plugin["xep_0045"].join_muc_wait(room_jid(room), "alice", timeout=TIMEOUT)
        errors_a, errors_b = watch(a, "message_error"), watch(b, "message_error")
        b.send_message(mto=room_jid(room), mbody="not joined yet", mtype="groupchat")
        refused = await wait_for(errors_b, lambda m: True)
        assert refused["error"]["condition"] == "not-acceptable"
        a.send_message(mto=room_jid(room, "bob"), mbody="psst", mtype="chat")
        refused = await wait_for(errors_a, lambda m: True)
        assert refused["error"]["condition"] == "item-not-found"  # bob has not joined: no such occupant
        a.send_message(mto=room_jid(room), mbody="wrong type", mtype="chat")
        refused = await wait_for(errors_a, lambda m: True)
        assert refused["error"]["condition"] == "bad-request"
    assert (await alice.get(f"/api/v1/conversations/{room['id']}/messages"))["messages"] == []
