"""Message features over a real server: edits, deletes, reactions, replies, mentions, read markers, typing,
history paging, sending over the WebSocket and the size limit."""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import quote

from tests.conftest import Connect, MakePerson
from tests.support.client import Events, Person, assert_error

THUMBS_UP = "\N{THUMBS UP SIGN}"


async def room(owner: Person, *members: Person, name: str = "Features") -> str:
    made = await owner.post("/api/v1/rooms", {"name": name, "member_ids": [m.user_id for m in members]}, 201)
    return made["id"]  # type: ignore[no-any-return]


async def summary(someone: Person, conversation_id: str) -> dict[str, Any]:
    found = [c for c in await someone.get("/api/v1/conversations") if c["id"] == conversation_id]
    assert len(found) == 1, found
    return found[0]  # type: ignore[no-any-return]


async def until_message(events: Events, kind: str, message_id: str) -> dict[str, Any]:
    """The next `kind` frame about this message (frames about other messages are passed over)."""
    while True:
        frame = await events.until(kind)
        if frame["message"]["id"] == message_id:
            return frame


async def test_only_the_sender_edits_and_earlier_bodies_are_kept(
    admin: Person, make_person: MakePerson, connect: Connect
) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    chat = await room(alice, bob)
    bob_events = await connect(bob)
    sent = await alice.send(chat, "first draft")
    path = f"/api/v1/messages/{sent['id']}"

    edited = await alice.http.patch(path, json={"body": "second draft"})
    assert edited.status_code == 200, edited.text
    assert edited.json()["body"] == "second draft"
    assert edited.json()["edited_at"] is not None
    frame = await until_message(bob_events, "message.edited", sent["id"])
    assert frame["message"]["body"] == "second draft"
    final = await alice.http.patch(path, json={"body": f"final, @{bob.username}"})
    assert final.json()["mentions"] == [bob.user_id]

    assert_error(await bob.http.patch(path, json={"body": "hijacked"}), 403, "message.not_yours")
    versions = await bob.get(f"{path}/versions")
    assert [v["body"] for v in versions] == ["first draft", "second draft"]
    assert versions[0]["replaced_at"] <= versions[1]["replaced_at"]
    assert (await bob.get(path))["body"] == f"final, @{bob.username}"
    assert_error(await admin.http.get(f"{path}/versions"), 404, "message.not_found")  # not a member


async def test_the_sender_or_a_room_admin_deletes_leaving_a_tombstone(
    make_person: MakePerson, connect: Connect
) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    chat = await room(alice, bob)  # alice owns the room; bob is a plain member
    alice_events = await connect(alice)
    from_alice = await alice.send(chat, "alice's words")
    from_bob = await bob.send(chat, "bob's words")
    regret = await bob.send(chat, "bob's regret")
    await bob.http.patch(f"/api/v1/messages/{regret['id']}", json={"body": "bob's regret, edited"})

    assert_error(await bob.http.delete(f"/api/v1/messages/{from_alice['id']}"), 403, "message.not_yours")
    own = await bob.http.delete(f"/api/v1/messages/{from_bob['id']}", params={"reason": "mine to delete"})
    assert own.status_code == 200, own.text
    assert own.json()["deleted"] is True and own.json()["body"] == ""
    assert (own.json()["deleted_by"], own.json()["deletion_reason"]) == (bob.user_id, None)  # a sender gives no reason
    frame = await until_message(alice_events, "message.deleted", from_bob["id"])
    assert frame["message"]["deleted"] is True and frame["message"]["body"] == ""

    too_long = await alice.http.delete(f"/api/v1/messages/{regret['id']}", params={"reason": "x" * 1001})
    assert_error(too_long, 400, "message.reason_too_long")
    by_admin = await alice.http.delete(f"/api/v1/messages/{regret['id']}", params={"reason": " off <b>topic</b> "})
    assert by_admin.status_code == 200, by_admin.text
    assert (by_admin.json()["deleted_by"], by_admin.json()["deletion_reason"]) == (alice.user_id, "off <b>topic</b>")
    frame = await until_message(alice_events, "message.deleted", regret["id"])
    assert (frame["message"]["deleted_by"], frame["message"]["deletion_reason"]) == (alice.user_id, "off <b>topic</b>")
    assert await bob.get(f"/api/v1/messages/{regret['id']}/versions") == []  # earlier bodies go too
    history = {m["id"]: m for m in (await bob.get(f"/api/v1/conversations/{chat}/messages"))["messages"]}
    assert [history[m["id"]]["deleted"] for m in (from_alice, from_bob, regret)] == [False, True, True]
    assert history[regret["id"]]["body"] == ""
    assert_error(
        await bob.http.patch(f"/api/v1/messages/{from_bob['id']}", json={"body": "undo"}), 400, "message.deleted"
    )
    react = await alice.http.post(f"/api/v1/messages/{from_bob['id']}/reactions", json={"emoji": "ok"})
    assert_error(react, 400, "message.deleted")


async def test_reactions_are_added_and_removed_with_reaction_changed_events(
    admin: Person, make_person: MakePerson, connect: Connect
) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    chat = await room(alice, bob)
    alice_events = await connect(alice)
    sent = await alice.send(chat, "lunch?")
    reactions = f"/api/v1/messages/{sent['id']}/reactions"

    added = await bob.post(reactions, {"emoji": THUMBS_UP})
    assert added["reactions"] == [{"emoji": THUMBS_UP, "user_ids": [bob.user_id]}]
    frame = await until_message(alice_events, "reaction.changed", sent["id"])
    assert frame["message"]["reactions"] == [{"emoji": THUMBS_UP, "user_ids": [bob.user_id]}]
    both = await alice.post(reactions, {"emoji": THUMBS_UP})
    assert both["reactions"] == [{"emoji": THUMBS_UP, "user_ids": sorted([alice.user_id, bob.user_id])}]
    assert (await bob.post(reactions, {"emoji": THUMBS_UP}))["reactions"] == both["reactions"]  # no double count

    removed = await bob.http.delete(f"{reactions}/{quote(THUMBS_UP)}")
    assert removed.status_code == 200, removed.text
    assert removed.json()["reactions"] == [{"emoji": THUMBS_UP, "user_ids": [alice.user_id]}]
    frame = await until_message(alice_events, "reaction.changed", sent["id"])
    while frame["message"]["reactions"] != removed.json()["reactions"]:  # alice's own reaction came first
        frame = await until_message(alice_events, "reaction.changed", sent["id"])
    assert_error(await bob.http.post(reactions, json={"emoji": "two words"}), 400, "reaction.emoji")
    assert_error(await admin.http.post(reactions, json={"emoji": "ok"}), 404, "message.not_found")


async def test_a_reply_must_be_to_a_message_of_the_same_conversation(admin: Person) -> None:
    first, second = await room(admin, name="First"), await room(admin, name="Second")
    question = await admin.send(first, "a question")
    answer = await admin.send(first, "an answer", reply_to=question["id"])
    assert answer["reply_to"] == question["id"]
    elsewhere = await admin.http.post(
        f"/api/v1/conversations/{second}/messages", json={"body": "an answer", "reply_to": question["id"]}
    )
    assert_error(elsewhere, 404, "message.not_found")
    assert (await admin.get(f"/api/v1/conversations/{second}/messages"))["messages"] == []


async def test_mentions_are_listed_and_counted_with_unread(make_person: MakePerson) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    chat = await room(alice, bob)
    ping = await alice.send(chat, f"hey @{bob.username.upper()}, and @admin who is not here")
    assert ping["mentions"] == [bob.user_id]
    plain = await alice.send(chat, "no mention here")
    assert plain["mentions"] == []

    mine = await summary(bob, chat)
    assert (mine["unread"], mine["mentions"]) == (2, 1)
    theirs = await summary(alice, chat)
    assert (theirs["unread"], theirs["mentions"]) == (0, 0)  # one's own messages are not unread
    await bob.http.put(f"/api/v1/conversations/{chat}/read", json={"message_id": ping["id"]})
    mine = await summary(bob, chat)
    assert (mine["unread"], mine["mentions"]) == (1, 0)


async def test_read_markers_move_forward_only_and_reach_every_session(
    make_person: MakePerson, connect: Connect
) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    chat = await room(alice, bob)
    first, second, third = [await alice.send(chat, f"news {n}") for n in range(3)]
    bob_phone, bob_laptop, alice_events = await connect(bob), await connect(bob), await connect(alice)
    assert (await summary(bob, chat))["unread"] == 3

    await bob_phone.command(type="read", conversation_id=chat, message_id=second["id"])
    for events in (bob_laptop, alice_events):
        moved = await events.until("read.moved", user_id=bob.user_id)
        assert (moved["conversation_id"], moved["message_id"]) == (chat, second["id"])
    state = await summary(bob, chat)
    assert (state["last_read_id"], state["unread"]) == (second["id"], 1)

    back = await bob.http.put(f"/api/v1/conversations/{chat}/read", json={"message_id": first["id"]})
    assert back.status_code == 200, back.text
    assert (await summary(bob, chat))["last_read_id"] == second["id"]

    await bob.http.put(f"/api/v1/conversations/{chat}/read", json={"message_id": third["id"]})
    moved = await bob_phone.until("read.moved", user_id=bob.user_id)
    assert moved["message_id"] == third["id"]
    state = await summary(bob, chat)
    assert (state["last_read_id"], state["unread"]) == (third["id"], 0)
    members = {m["user_id"]: m for m in await alice.get(f"/api/v1/conversations/{chat}/members")}
    assert members[bob.user_id]["last_read_id"] == third["id"]


async def test_a_read_marker_cannot_pass_the_last_message(make_person: MakePerson) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    chat = await room(alice, bob)
    latest = await alice.send(chat, "the latest")
    future = str(int(latest["id"]) + 10**12)
    ahead = await bob.http.put(f"/api/v1/conversations/{chat}/read", json={"message_id": future})
    assert_error(ahead, 404, "message.not_found")
    later = await alice.send(chat, "sent after the bad marker")
    state = await summary(bob, chat)
    assert state["unread"] == 2, state  # the marker did not jump ahead of messages still to come
    await bob.http.put(f"/api/v1/conversations/{chat}/read", json={"message_id": later["id"]})
    assert (await summary(bob, chat))["unread"] == 0


async def test_typing_reaches_the_other_member_and_is_not_stored(
    admin: Person, make_person: MakePerson, connect: Connect
) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    chat = await room(alice, bob)
    bob_events, alice_events = await connect(bob), await connect(alice)

    await alice_events.command(type="typing", conversation_id=chat, active=True)
    typing = await bob_events.until("typing", user_id=alice.user_id)
    assert (typing["conversation_id"], typing["active"]) == (chat, True)
    stopped = await alice.http.put(f"/api/v1/conversations/{chat}/typing", json={"active": False})
    assert stopped.status_code == 200, stopped.text
    typing = await bob_events.until("typing", user_id=alice.user_id)
    assert typing["active"] is False

    assert (await bob.get(f"/api/v1/conversations/{chat}/messages"))["messages"] == []
    replay = await bob.get("/api/v1/events", params={"since": "0"})
    assert "typing" not in {e["type"] for e in replay["events"]}
    refused = await admin.http.put(  # not a member
        f"/api/v1/conversations/{chat}/typing", json={"active": True}
    )
    assert_error(refused, 404, "conversation.not_found")


async def test_history_pages_with_before_after_and_around(admin: Person) -> None:
    chat = await room(admin)
    ids = [(await admin.send(chat, f"message {n}"))["id"] for n in range(25)]
    path = f"/api/v1/conversations/{chat}/messages"

    async def page(**params: str) -> tuple[list[str], bool, bool]:
        got = await admin.get(path, params={"limit": "10", **params})
        return [m["id"] for m in got["messages"]], got["has_before"], got["has_after"]

    assert await page() == (ids[15:], True, False)
    assert await page(before=ids[15]) == (ids[5:15], True, True)
    assert await page(before=ids[5]) == (ids[:5], False, True)
    assert await page(after=ids[4]) == (ids[5:15], True, True)
    assert await page(after=ids[14]) == (ids[15:], True, False)
    assert await page(after=ids[24]) == ([], True, False)
    assert await page(around=ids[12]) == (ids[7:17], True, True)
    assert await page(around=ids[0]) == (ids[:10], False, True)
    assert await page(around=ids[24]) == (ids[19:], True, False)
    assert_error(await admin.http.get(path, params={"before": ids[3], "after": ids[1]}), 400, "history.cursor")


async def test_a_websocket_send_is_acked_with_the_client_id_and_then_in_history(
    admin: Person, connect: Connect
) -> None:
    chat = await room(admin)
    events = await connect(admin)
    client_id = f"ws-{secrets.token_hex(4)}"
    ack = await events.command(type="send", conversation_id=chat, body="from the socket", client_id=client_id)
    assert ack["client_id"] == client_id
    assert ack["message"]["body"] == "from the socket"
    assert ack["message"]["client_id"] == client_id
    history = await admin.get(f"/api/v1/conversations/{chat}/messages")
    assert [(m["id"], m["client_id"]) for m in history["messages"]] == [(ack["message"]["id"], client_id)]
    again = await events.command(type="send", conversation_id=chat, body="from the socket", client_id=client_id)
    assert again["message"]["id"] == ack["message"]["id"]  # a resend is stored once
    assert len((await admin.get(f"/api/v1/conversations/{chat}/messages"))["messages"]) == 1


async def test_a_message_may_have_100000_characters_and_no_more(admin: Person) -> None:
    chat = await room(admin)
    longest = await admin.send(chat, "x" * 100_000)
    assert len((await admin.get(f"/api/v1/messages/{longest['id']}"))["body"]) == 100_000
    response = await admin.http.post(f"/api/v1/conversations/{chat}/messages", json={"body": "x" * 100_001})
    assert_error(response, 413, "message.too_long")
    assert [m["id"] for m in (await admin.get(f"/api/v1/conversations/{chat}/messages"))["messages"]] == [longest["id"]]


async def test_a_block_stops_edits_reactions_and_typing_in_the_direct_conversation(
    make_person: MakePerson, connect: Connect
) -> None:
    """Blocking stops more than new messages (XEP-0191's "all communication"): the blocked person's
    edits of what they sent before, reactions and putting the other in a room are refused;
    typing is dropped silently."""
    alice, bob = await make_person("alice"), await make_person("bob")
    chat = await alice.direct(bob)
    before = await bob.post(f"/api/v1/conversations/{chat}/messages", {"body": "before the block"}, 201)
    hers = await alice.post(f"/api/v1/conversations/{chat}/messages", {"body": "hers"}, 201)
    alice_events = await connect(alice)
    assert (await alice.http.put(f"/api/v1/blocks/{bob.user_id}")).status_code == 204

    edit = await bob.http.patch(f"/api/v1/messages/{before['id']}", json={"body": "rewritten after"})
    assert_error(edit, 403, "block.blocked")
    react = await bob.http.post(f"/api/v1/messages/{hers['id']}/reactions", json={"emoji": THUMBS_UP})
    assert_error(react, 403, "block.blocked")
    typing = await bob.http.put(f"/api/v1/conversations/{chat}/typing", json={"active": True})
    assert typing.status_code == 200, typing.text  # dropped: nothing tells bob
    shown = await alice.get(f"/api/v1/conversations/{chat}/messages")
    assert [m["body"] for m in shown["messages"]] == ["before the block", "hers"]
    # Nor is anyone put in a room by the other, made with them or added later.
    made = await bob.http.post("/api/v1/rooms", json={"name": "Trap", "member_ids": [alice.user_id]})
    assert_error(made, 403, "block.blocked")
    own = await room(alice, name="Hers")
    assert_error(
        await alice.http.post(f"/api/v1/rooms/{own}/members", json={"user_ids": [bob.user_id]}), 403, "block.blocking"
    )

    assert (await alice.http.delete(f"/api/v1/blocks/{bob.user_id}")).status_code == 204
    await bob.http.put(f"/api/v1/conversations/{chat}/typing", json={"active": False})
    stopped = await alice_events.until("typing", user_id=bob.user_id)
    assert stopped["active"] is False  # the first frame from bob: the one sent while blocked never came
