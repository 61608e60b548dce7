"""Messaging over a real server: live delivery to every session, catch-up without gaps."""

from __future__ import annotations

import json

from tests.conftest import MakePerson
from tests.support.client import open_events
from tests.support.server import ServerProcess


async def test_direct_message_reaches_recipient_and_senders_other_device(
    server: ServerProcess, make_person: MakePerson
) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    token_alice = alice.http.headers["Authorization"].split()[1]
    token_bob = bob.http.headers["Authorization"].split()[1]
    bob_events = await open_events(server.ws_url, token_bob)
    alice_phone = await open_events(server.ws_url, token_alice)
    conversation = await alice.direct(bob)

    sent = await alice.send(conversation, "hello bob", client_id="c-1")

    got = await bob_events.until("message.created")
    assert got["message"]["id"] == sent["id"]
    assert got["message"]["body"] == "hello bob"
    mirrored = await alice_phone.until("message.created")
    assert mirrored["message"]["id"] == sent["id"]
    await bob_events.close()
    await alice_phone.close()


async def test_a_long_message_arrives_whole_on_the_event_stream(server: ServerProcess, make_person: MakePerson) -> None:
    """Frames of every length class (RFC 6455: 7-bit, 16-bit and 64-bit lengths) reach a client intact."""
    alice, bob = await make_person("alice"), await make_person("bob")
    bob_events = await open_events(server.ws_url, bob.http.headers["Authorization"].split()[1])
    conversation = await alice.direct(bob)

    for body in ("short", "ü" * 40_000, "∑" * 30_000):  # ~80 KB and ~90 KB of UTF-8 beside a small frame
        sent = await alice.send(conversation, body)
        got = await bob_events.until("message.created")
        assert (got["message"]["id"], got["message"]["body"]) == (sent["id"], body)
    await bob_events.close()


async def test_the_sending_connection_gets_the_ack_instead_of_a_copy(
    server: ServerProcess, make_person: MakePerson
) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    token_alice = alice.http.headers["Authorization"].split()[1]
    token_bob = bob.http.headers["Authorization"].split()[1]
    alice_tab = await open_events(server.ws_url, token_alice)
    alice_phone = await open_events(server.ws_url, token_alice)
    bob_events = await open_events(server.ws_url, token_bob)
    conversation = await alice.direct(bob)

    ack = await alice_tab.command(type="send", conversation_id=conversation, body="hi bob", client_id="c-2")

    created = await bob_events.until("message.created")
    mirrored = await alice_phone.until("message.created")
    assert {k: ack[k] for k in ("event_id", "message")} == {k: created[k] for k in ("event_id", "message")}
    assert mirrored == created
    await alice_tab.command(type="ping")  # a copy would have come before the ack, and surely before this
    assert [f for f in alice_tab.frames if f["type"] == "message.created"] == []
    again = await alice_tab.command(type="send", conversation_id=conversation, body="hi bob", client_id="c-2")
    assert again["message"] == ack["message"]
    assert again["event_id"] is None  # a re-send: stored before, no new event
    for events in (alice_tab, alice_phone, bob_events):
        await events.close()


async def test_resent_client_id_is_stored_once(make_person: MakePerson) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    conversation = await alice.direct(bob)
    first = await alice.send(conversation, "once", client_id="same")
    again = await alice.http.post(
        f"/api/v1/conversations/{conversation}/messages", json={"body": "once", "client_id": "same"}
    )
    assert again.status_code == 200
    assert again.json()["id"] == first["id"]
    history = await bob.get(f"/api/v1/conversations/{conversation}/messages")
    assert [m["id"] for m in history["messages"]] == [first["id"]]


async def test_reconnect_with_since_gets_missed_events_once(server: ServerProcess, make_person: MakePerson) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    token_bob = bob.http.headers["Authorization"].split()[1]
    conversation = await alice.direct(bob)
    events = await open_events(server.ws_url, token_bob)
    last_seen = events.frames[0]["last_event_id"]
    await events.close()

    sent = [await alice.send(conversation, f"while away {i}") for i in range(5)]

    events = await open_events(server.ws_url, token_bob, since=last_seen)
    done = await events.until("caught_up")
    replayed = [f["message"]["id"] for f in events.frames if f["type"] == "message.created"]
    assert replayed == [m["id"] for m in sent]
    assert done["complete"] is True
    live = await alice.send(conversation, "after reconnect")
    frame = await events.until("message.created")
    assert frame["message"]["id"] == live["id"]
    await events.close()


async def test_outsider_cannot_read_or_post(make_person: MakePerson) -> None:
    alice, bob, eve = await make_person("alice"), await make_person("bob"), await make_person("eve")
    conversation = await alice.direct(bob)
    message = await alice.send(conversation, "private")
    for path in (
        f"/api/v1/conversations/{conversation}/messages",
        f"/api/v1/conversations/{conversation}",
        f"/api/v1/messages/{message['id']}",
        f"/api/v1/conversations/{conversation}/members",
    ):
        response = await eve.http.get(path)
        assert response.status_code == 404, path
        assert response.json()["error"]["code"]
    posted = await eve.http.post(f"/api/v1/conversations/{conversation}/messages", json={"body": "hi"})
    assert posted.status_code == 404
    found = await eve.get("/api/v1/search", params={"q": "private"})
    assert found["messages"] == []


async def test_pipelined_sends_are_acked_and_stored_in_command_order(
    server: ServerProcess, make_person: MakePerson
) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    conversation = await alice.direct(bob)
    events = await open_events(server.ws_url, alice.http.headers["Authorization"].split()[1])
    ids = [f"p-{i}" for i in range(150)]  # more than one connection may have in flight
    for i, client_id in enumerate(ids):
        command = {"type": "send", "client_id": client_id, "conversation_id": conversation, "body": f"n{i}"}
        await events.ws.send(json.dumps(command))
    bad = {"type": "send", "client_id": "bad", "conversation_id": "1", "body": "nowhere"}
    await events.ws.send(json.dumps(bad))

    answers = await events.answers(len(ids) + 1)

    assert [a["client_id"] for a in answers] == [*ids, "bad"]
    assert all(a["type"] == "ack" for a in answers[:-1])
    assert answers[-1]["error"]["code"] == "conversation.not_found"
    history = await bob.get(f"/api/v1/conversations/{conversation}/messages", params={"limit": 200})
    assert [m["body"] for m in history["messages"]] == [f"n{i}" for i in range(150)]
    await events.close()
