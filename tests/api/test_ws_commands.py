"""Commands on the event WebSocket as the server reads them: in order, whatever each waits
for, and bad frames answered without losing the connection (see docs/events.md)."""

from __future__ import annotations

import asyncio
import json
import os

from tests.conftest import MakePerson
from tests.support.client import Events, Person, closed, open_events
from tests.support.server import ServerProcess


async def test_commands_that_wait_and_commands_that_do_not_are_answered_in_order(
    server: ServerProcess, make_person: MakePerson
) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    conversation = await alice.direct(bob)
    first = await alice.send(conversation, "first")
    events = await open_events(server.ws_url, alice.http.headers["Authorization"].split()[1])
    kinds = [
        {"type": "send", "conversation_id": conversation, "body": "one"},
        {"type": "read", "conversation_id": conversation, "message_id": first["id"]},  # a database write
        {"type": "ping"},  # answered at once
        {"type": "typing", "conversation_id": conversation, "active": True},
        {"type": "presence", "show": "away", "status": "lunch"},
        {"type": "send", "conversation_id": "99999", "body": "nowhere"},  # refused
    ]
    commands = [{**kinds[i % len(kinds)], "client_id": f"c-{i}"} for i in range(60)]
    # All of them in one write: the server parses them from one read.
    await events.ws.send(json.dumps(commands[0]))
    for command in commands[1:]:
        await events.ws.send(json.dumps(command))

    answers = await events.answers(len(commands))

    assert [a["client_id"] for a in answers] == [c["client_id"] for c in commands]
    for command, answer in zip(commands, answers, strict=True):
        refused = command.get("conversation_id") == "99999"
        assert answer["type"] == ("error" if refused else "ack"), (command, answer)
    history = await bob.get(f"/api/v1/conversations/{conversation}/messages", params={"limit": 50})
    assert [m["body"] for m in history["messages"]] == ["first"] + ["one"] * 10
    await events.close()


async def test_bad_frames_get_an_error_and_the_connection_goes_on(
    server: ServerProcess, make_person: MakePerson
) -> None:
    alice = await make_person("alice")
    events = await open_events(server.ws_url, alice.http.headers["Authorization"].split()[1])

    await events.ws.send(b'{"type": "ping"}')  # a binary frame
    await events.ws.send("{not json")
    await events.ws.send(json.dumps({"type": "fly", "client_id": "x"}))
    errors = [await events.until("error") for _ in range(3)]
    assert [e["error"]["code"] for e in errors] == ["command.binary", "command.invalid", "command.invalid"]
    assert errors[2]["client_id"] == "x"

    pong = await events.command(type="ping")
    assert pong["pong"] is True
    await events.close()


async def test_a_text_frame_of_invalid_utf8_closes_that_connection_only(
    server: ServerProcess, make_person: MakePerson
) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    conversation = await alice.direct(bob)
    token = alice.http.headers["Authorization"].split()[1]
    broken, healthy = await open_events(server.ws_url, token), await open_events(server.ws_url, token)

    await broken.ws.send(b'{"type": "ping", "client_id": "\xff"}', text=True)
    _, code = await closed(broken)

    assert code == 1007  # RFC 6455 §7.4.1: data inconsistent with the message's type
    ack = await healthy.command(type="send", conversation_id=conversation, body="still here")
    assert ack["message"]["body"] == "still here"
    await healthy.close()


async def test_frames_written_to_recipients_are_counted_in_the_latency_histogram(
    server: ServerProcess, make_person: MakePerson
) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    conversation = await alice.direct(bob)
    events = await open_events(server.ws_url, bob.http.headers["Authorization"].split()[1])
    before = await _delivered_count(alice)

    for body in ("one", "two", "three"):
        await alice.send(conversation, body)
        await events.until("message.created")

    assert await _delivered_count(alice) - before >= 3
    await events.close()


async def _delivered_count(person: Person) -> float:
    text = (await person.http.get("/metrics")).text
    return next(
        float(line.split()[1]) for line in text.splitlines() if line.startswith("roost_delivery_latency_seconds_count")
    )


def _client_frame(payload: bytes, *, opcode: int = 0x1, fin: bool = True, masked: bool = True) -> bytes:
    """A frame as a client writes it (RFC 6455 §5.2), masked unless told otherwise."""
    head = bytes([(0x80 if fin else 0) | opcode])
    size = len(payload)
    mask_bit = 0x80 if masked else 0
    if size < 126:
        head += bytes([mask_bit | size])
    elif size < 1 << 16:
        head += bytes([mask_bit | 126]) + size.to_bytes(2)
    else:
        head += bytes([mask_bit | 127]) + size.to_bytes(8)
    if not masked:
        return head + payload
    key = os.urandom(4)
    return head + key + bytes(byte ^ key[i % 4] for i, byte in enumerate(payload))


def _ping_command(client_id: str) -> bytes:
    return json.dumps({"type": "ping", "client_id": client_id}).encode()


async def _raw(person: Person, server: ServerProcess) -> tuple[Events, asyncio.Transport]:
    """An event connection whose socket the test writes frames to itself."""
    events = await open_events(server.ws_url, person.http.headers["Authorization"].split()[1])
    return events, events.ws.transport


async def test_frames_split_across_writes_and_many_in_one_write_are_all_read(
    server: ServerProcess, make_person: MakePerson
) -> None:
    alice = await make_person("alice")
    events, transport = await _raw(alice, server)
    long_id = "L" * 100
    big = {"type": "ping", "client_id": long_id, "pad": "x" * 70_000}
    dripped = _client_frame(_ping_command("drip"))
    for i in range(len(dripped)):  # a byte at a time: the header, the mask, then the payload
        transport.write(dripped[i : i + 1])
        await asyncio.sleep(0.002)
    transport.write(b"".join(_client_frame(_ping_command(f"batch-{i}")) for i in range(20)))
    frame = _client_frame(json.dumps(big).encode())  # past 65,535 bytes: the 8-byte length
    transport.write(frame[:1000])
    await asyncio.sleep(0.05)
    transport.write(frame[1000:])

    answers = await events.answers(22)

    assert [a["client_id"] for a in answers[:21]] == ["drip", *(f"batch-{i}" for i in range(20))]
    assert answers[21]["type"] == "error"  # "pad" is not a field of ping: read whole, then refused
    assert answers[21]["client_id"] == long_id
    await events.close()


async def test_fragmented_messages_and_pings_from_the_client_are_still_understood(
    server: ServerProcess, make_person: MakePerson
) -> None:
    alice = await make_person("alice")
    events, transport = await _raw(alice, server)
    command = _ping_command("in-pieces")

    transport.write(_client_frame(command[:10], fin=False) + _client_frame(command[10:20], opcode=0x0, fin=False))
    transport.write(_client_frame(b"are you there", opcode=0x9))  # a ping between the fragments (§5.4)
    transport.write(_client_frame(command[20:], opcode=0x0))
    pong = await asyncio.wait_for(events.ws.ping(b"and you?"), 10)

    (answer,) = await events.answers(1)
    assert answer["type"] == "ack" and answer["client_id"] == "in-pieces"
    assert pong is not None
    assert (await events.command(type="ping"))["pong"] is True
    await events.close()


async def test_an_unmasked_frame_fails_the_connection_with_1002(server: ServerProcess, make_person: MakePerson) -> None:
    alice = await make_person("alice")
    events, transport = await _raw(alice, server)

    transport.write(_client_frame(_ping_command("bare"), masked=False))
    _, code = await closed(events)

    assert code == 1002  # RFC 6455 §5.1: a client's frames are masked


async def test_a_frame_over_the_limit_closes_with_1009_before_its_payload_arrives(
    server: ServerProcess, make_person: MakePerson
) -> None:
    alice = await make_person("alice")
    events, transport = await _raw(alice, server)

    transport.write(bytes([0x81, 0x80 | 127]) + (1 << 40).to_bytes(8) + os.urandom(4))  # a 1 TiB frame's header
    _, code = await closed(events)

    assert code == 1009
