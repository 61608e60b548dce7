"""Rooms over a real server: open and invite-only rooms, members and roles, settings, and their live events."""

from __future__ import annotations

from typing import Any

from tests.conftest import Connect, MakePerson
from tests.support.client import Person, assert_error


async def room(owner: Person, name: str, visibility: str = "invite", *members: Person) -> dict[str, Any]:
    body = {"name": name, "topic": "", "visibility": visibility, "member_ids": [m.user_id for m in members]}
    return await owner.post("/api/v1/rooms", body, 201)  # type: ignore[no-any-return]


async def roles(someone: Person, room_id: str) -> dict[int, str]:
    return {m["user_id"]: m["role"] for m in await someone.get(f"/api/v1/conversations/{room_id}/members")}


async def test_the_creator_owns_the_room_and_open_rooms_are_listed_and_joinable(make_person: MakePerson) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    lobby = await room(alice, f"Lobby {alice.username}", "open")
    secret = await room(alice, f"Secret {alice.username}")
    assert lobby["kind"] == "room" and lobby["visibility"] == "open" and lobby["created_by"] == alice.user_id
    assert secret["visibility"] == "invite"
    assert await roles(alice, lobby["id"]) == {alice.user_id: "owner"}
    assert [c["role"] for c in await alice.get("/api/v1/conversations") if c["id"] == lobby["id"]] == ["owner"]

    listed = await bob.get("/api/v1/rooms", params={"q": alice.username})
    assert [r["id"] for r in listed] == [lobby["id"]]
    joined = await bob.http.put(f"/api/v1/rooms/{lobby['id']}/members/me")
    assert joined.status_code == 200, joined.text
    assert joined.json()["role"] == "member"
    again = await bob.http.put(f"/api/v1/rooms/{lobby['id']}/members/me")
    assert again.status_code == 200 and again.json()["role"] == "member"
    assert await roles(bob, lobby["id"]) == {alice.user_id: "owner", bob.user_id: "member"}
    assert lobby["id"] in [c["id"] for c in await bob.get("/api/v1/conversations")]

    assert_error(await bob.http.put(f"/api/v1/rooms/{secret['id']}/members/me"), 404, "conversation.not_found")
    assert_error(await bob.http.get(f"/api/v1/conversations/{secret['id']}"), 404, "conversation.not_found")
    assert secret["id"] not in [c["id"] for c in await bob.get("/api/v1/conversations")]


async def test_only_admins_invite_to_invite_only_rooms_and_members_see_member_added(
    make_person: MakePerson, connect: Connect
) -> None:
    alice, bob, carol = await make_person("alice"), await make_person("bob"), await make_person("carol")
    secret = await room(alice, "Invite only", "invite", bob)
    alice_events, bob_events = await connect(alice), await connect(bob)

    refused = await bob.http.post(f"/api/v1/rooms/{secret['id']}/members", json={"user_ids": [carol.user_id]})
    assert_error(refused, 403, "room.role")
    outsider = await carol.http.post(f"/api/v1/rooms/{secret['id']}/members", json={"user_ids": [carol.user_id]})
    assert_error(outsider, 404, "conversation.not_found")
    assert carol.user_id not in await roles(alice, secret["id"])

    await alice.post(f"/api/v1/rooms/{secret['id']}/members", {"user_ids": [carol.user_id]})
    for events in (alice_events, bob_events):
        added = await events.until("member.added", user_id=carol.user_id)
        assert added["conversation_id"] == secret["id"]
        assert added["role"] == "member"
    assert (await roles(alice, secret["id"]))[carol.user_id] == "member"
    assert (await carol.get(f"/api/v1/conversations/{secret['id']}/messages"))["messages"] == []

    lobby = await room(alice, "Open to all", "open", bob)
    await bob.post(f"/api/v1/rooms/{lobby['id']}/members", {"user_ids": [carol.user_id]})  # any member may
    assert (await roles(alice, lobby["id"]))[carol.user_id] == "member"


async def test_removed_and_leaving_members_lose_the_history_and_the_last_owner_stays(
    make_person: MakePerson, connect: Connect
) -> None:
    alice, bob, carol = await make_person("alice"), await make_person("bob"), await make_person("carol")
    team = await room(alice, "Team", "invite", bob, carol)
    said = await alice.send(team["id"], "before the removal")
    bob_events, carol_events = await connect(bob), await connect(carol)

    assert_error(await bob.http.delete(f"/api/v1/rooms/{team['id']}/members/{carol.user_id}"), 403, "room.role")
    removed = await alice.http.delete(f"/api/v1/rooms/{team['id']}/members/{carol.user_id}")
    assert removed.status_code == 200, removed.text
    for events in (bob_events, carol_events):
        gone = await events.until("member.removed", user_id=carol.user_id)
        assert gone["conversation_id"] == team["id"]
    for path in (
        f"/api/v1/conversations/{team['id']}/messages",
        f"/api/v1/conversations/{team['id']}",
        f"/api/v1/messages/{said['id']}",
    ):
        assert (await carol.http.get(path)).status_code == 404, path
    posted = await carol.http.post(f"/api/v1/conversations/{team['id']}/messages", json={"body": "still here?"})
    assert_error(posted, 404, "conversation.not_found")
    assert team["id"] not in [c["id"] for c in await carol.get("/api/v1/conversations")]
    await alice.send(team["id"], "after the removal")
    marker = await alice.send(await alice.direct(carol), "a marker sent later")
    frame = await carol_events.until("message.created")  # a session gets events in order: the marker is last
    while frame["message"]["id"] != marker["id"]:
        frame = await carol_events.until("message.created")
    assert "after the removal" not in [f["message"]["body"] for f in carol_events.frames if "message" in f]

    last_owner = await alice.http.delete(f"/api/v1/rooms/{team['id']}/members/{alice.user_id}")
    assert_error(last_owner, 400, "room.last_owner")
    left = await bob.http.delete(f"/api/v1/rooms/{team['id']}/members/{bob.user_id}")
    assert left.status_code == 200, left.text
    assert (await bob.http.get(f"/api/v1/conversations/{team['id']}/messages")).status_code == 404
    assert await roles(alice, team["id"]) == {alice.user_id: "owner"}
    alone = await alice.http.delete(f"/api/v1/rooms/{team['id']}/members/{alice.user_id}")
    assert alone.status_code == 200, alone.text  # the last one out may leave
    assert (await alice.http.get(f"/api/v1/conversations/{team['id']}/messages")).status_code == 404


async def test_room_admins_rename_set_topic_and_archive_and_members_see_conversation_updated(
    make_person: MakePerson, connect: Connect
) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    plaza = await room(alice, f"Plaza {alice.username}", "open", bob)
    path = f"/api/v1/rooms/{plaza['id']}"
    bob_events = await connect(bob)

    assert_error(await bob.http.patch(path, json={"name": "Mine now"}), 403, "room.role")
    renamed = await alice.http.patch(path, json={"name": f"Square {alice.username}", "topic": "Weekly news"})
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["name"] == f"Square {alice.username}"
    updated = await bob_events.until("conversation.updated")
    assert updated["conversation"]["id"] == plaza["id"]
    assert updated["conversation"]["name"] == f"Square {alice.username}"
    assert updated["conversation"]["topic"] == "Weekly news"

    archived = await alice.http.patch(path, json={"is_archived": True})
    assert archived.status_code == 200 and archived.json()["is_archived"] is True
    frame = await bob_events.until("conversation.updated")
    assert frame["conversation"]["is_archived"] is True
    assert await bob.get("/api/v1/rooms", params={"q": alice.username}) == []  # archived rooms are not offered
    assert_error(await alice.http.patch(path, json={"name": "   "}), 400, "room.name")


async def test_owners_set_roles_within_their_own_rank(make_person: MakePerson, connect: Connect) -> None:
    alice, bob, carol = await make_person("alice"), await make_person("bob"), await make_person("carol")
    team = await room(alice, "Roles", "invite", bob, carol)
    base = f"/api/v1/rooms/{team['id']}/members"
    carol_events = await connect(carol)

    assert_error(await bob.http.put(f"{base}/{carol.user_id}/role", json={"role": "admin"}), 403, "room.role")
    promoted = await alice.http.put(f"{base}/{bob.user_id}/role", json={"role": "admin"})
    assert promoted.status_code == 200, promoted.text
    changed = await carol_events.until("member.updated", user_id=bob.user_id)
    assert changed["role"] == "admin"

    topic = await bob.http.patch(f"/api/v1/rooms/{team['id']}", json={"topic": "set by an admin"})
    assert topic.status_code == 200, topic.text
    await bob.post(base, {"user_ids": [carol.user_id]})  # an admin may invite (carol is in already: no change)
    assert_error(await bob.http.put(f"{base}/{bob.user_id}/role", json={"role": "owner"}), 403, "room.role")
    assert_error(await bob.http.delete(f"{base}/{alice.user_id}"), 403, "room.role")
    assert_error(await alice.http.put(f"{base}/{alice.user_id}/role", json={"role": "member"}), 400, "room.last_owner")

    await alice.http.put(f"{base}/{bob.user_id}/role", json={"role": "owner"})
    assert await roles(carol, team["id"]) == {alice.user_id: "owner", bob.user_id: "owner", carol.user_id: "member"}
    left = await alice.http.delete(f"{base}/{alice.user_id}")  # another owner remains
    assert left.status_code == 200, left.text
    assert await roles(carol, team["id"]) == {bob.user_id: "owner", carol.user_id: "member"}


async def test_a_member_who_left_catches_up_on_their_removal_but_not_on_the_room(
    make_person: MakePerson, connect: Connect
) -> None:
    alice, carol = await make_person("alice"), await make_person("carol")
    cursor = (await connect(carol)).frames[0]["last_event_id"]
    plans = await room(carol, "Plans", "invite", alice)
    await carol.http.put(f"/api/v1/rooms/{plans['id']}/members/{alice.user_id}/role", json={"role": "owner"})
    note = await carol.send(plans["id"], "carol's note")
    left = await carol.http.delete(f"/api/v1/rooms/{plans['id']}/members/{carol.user_id}")
    assert left.status_code == 200, left.text

    await alice.http.patch(f"/api/v1/rooms/{plans['id']}", json={"name": "Secret plans", "topic": "hush"})
    await alice.post(f"/api/v1/messages/{note['id']}/reactions", {"emoji": "eyes"})
    await alice.send(plans["id"], "the secret itself")

    replay = await carol.get("/api/v1/events", params={"since": cursor})
    kinds = [(e["type"], e.get("user_id")) for e in replay["events"]]
    assert ("member.removed", carol.user_id) in kinds
    text = str(replay)
    for secret in ("Secret plans", "hush", "eyes", "the secret itself"):
        assert secret not in text, (secret, replay)
