"""ConversationStore contract: rooms, direct conversations, members, read markers, summaries."""

from __future__ import annotations

import pytest

from roost.model.conversations import ConversationKind, Member, Role, Visibility
from roost.model.errors import Conflict
from roost.store.sql.stores import SqlStores
from tests.store.builders import NOW, World


async def _kinds(stores: SqlStores, conversation_id: int) -> list[str]:
    entries = await stores.events.since(since=0, conversation_ids=[conversation_id], user_id=-1, limit=100)
    return [e.kind for e in entries]


async def test_create_room_with_members(world: World, stores: SqlStores) -> None:
    amy, bob, cat = await world.user("amy"), await world.user("bob"), await world.user("cat")

    room = await world.room(amy, bob, cat, name="Ops", visibility=Visibility.OPEN)

    stored = await stores.conversations.get(room.id)
    assert stored == room
    assert stored is not None
    assert (stored.kind, stored.name, stored.visibility, stored.created_at) == (
        ConversationKind.ROOM,
        "Ops",
        Visibility.OPEN,
        NOW,
    )
    members = sorted(await stores.conversations.members(room.id), key=lambda m: m.user_id)
    assert members == [
        Member(room.id, amy.id, Role.OWNER, 0),
        Member(room.id, bob.id, Role.MEMBER, 0),
        Member(room.id, cat.id, Role.MEMBER, 0),
    ]
    assert await stores.conversations.member(room.id, bob.id) == Member(room.id, bob.id, Role.MEMBER, 0)
    assert await stores.conversations.get(room.id + 1) is None
    assert await _kinds(stores, room.id) == ["conversation.created"]


async def test_direct_conversation_is_found_by_its_key_once(world: World, stores: SqlStores) -> None:
    amy, bob = await world.user("amy"), await world.user("bob")
    key = ",".join(str(i) for i in sorted((amy.id, bob.id)))

    direct = await world.direct(amy, bob)

    assert direct.kind is ConversationKind.DIRECT
    assert await stores.conversations.get_direct(key) == direct
    assert await stores.conversations.get_direct("1,999999") is None
    with pytest.raises(Conflict):
        await world.direct(bob, amy)


async def test_conversation_ids_of_a_user(world: World, stores: SqlStores) -> None:
    amy, bob = await world.user("amy"), await world.user("bob")
    one, two = await world.room(amy, bob), await world.room(amy)
    assert sorted(await stores.conversations.conversation_ids_of(amy.id)) == sorted([one.id, two.id])
    assert await stores.conversations.conversation_ids_of(bob.id) == [one.id]


async def test_update_changes_values_and_logs_it(world: World, stores: SqlStores) -> None:
    amy = await world.user("amy")
    room = await world.room(amy)

    updated = await stores.conversations.update(
        room.id, world.next_id(), amy.id, name="New", topic="T", is_archived=True
    )

    stored = await stores.conversations.get(room.id)
    assert stored is not None
    assert updated == stored
    assert (stored.name, stored.topic, stored.is_archived) == ("New", "T", True)
    assert await _kinds(stores, room.id) == ["conversation.created", "conversation.updated"]


async def test_set_member_adds_changes_role_and_reports_no_change(world: World, stores: SqlStores) -> None:
    amy, bob = await world.user("amy"), await world.user("bob")
    room = await world.room(amy)
    set_member = stores.conversations.set_member

    assert await set_member(room.id, bob.id, Role.MEMBER, event_id=world.next_id()) is True
    assert await set_member(room.id, bob.id, Role.MEMBER, event_id=world.next_id()) is False
    assert await set_member(room.id, bob.id, Role.ADMIN, event_id=world.next_id()) is True

    assert await stores.conversations.member(room.id, bob.id) == Member(room.id, bob.id, Role.ADMIN, 0)
    assert await _kinds(stores, room.id) == ["conversation.created", "member.added", "member.updated"]


async def test_remove_member(world: World, stores: SqlStores) -> None:
    amy, bob = await world.user("amy"), await world.user("bob")
    room = await world.room(amy, bob)

    assert await stores.conversations.remove_member(room.id, bob.id, event_id=world.next_id()) is True
    assert await stores.conversations.remove_member(room.id, bob.id, event_id=world.next_id()) is False

    assert await stores.conversations.member(room.id, bob.id) is None
    assert await stores.conversations.conversation_ids_of(bob.id) == []
    assert await _kinds(stores, room.id) == ["conversation.created", "member.removed"]


async def test_read_marker_only_moves_forward(world: World, stores: SqlStores) -> None:
    amy, bob = await world.user("amy"), await world.user("bob")
    room = await world.room(amy, bob)
    first, second = await world.send(room, amy, "one"), await world.send(room, amy, "two")
    set_last_read = stores.conversations.set_last_read

    assert await set_last_read(room.id, bob.id, second.id, event_id=world.next_id()) is True
    assert await set_last_read(room.id, bob.id, first.id, event_id=world.next_id()) is False
    assert await set_last_read(room.id, bob.id, second.id, event_id=world.next_id()) is False
    assert await set_last_read(room.id, 999_999, second.id, event_id=world.next_id()) is False

    member = await stores.conversations.member(room.id, bob.id)
    assert member is not None
    assert member.last_read_id == second.id
    assert (await _kinds(stores, room.id)).count("read.moved") == 1


async def test_summaries_count_unread_and_mentions_by_activity(world: World, stores: SqlStores) -> None:
    amy, bob, cat = await world.user("amy"), await world.user("bob"), await world.user("cat")
    quiet = await world.room(bob, amy, name="quiet")
    busy = await world.room(amy, bob, cat, name="busy")
    direct = await world.direct(bob, amy)
    await world.send(busy, amy, "hi @bob", mentions=(bob.id,))
    read_up_to = await world.send(busy, cat, "hello")
    await stores.conversations.set_last_read(busy.id, bob.id, read_up_to.id, event_id=world.next_id())
    await world.send(busy, amy, "again @bob", mentions=(bob.id,))
    await world.send(busy, cat, "more")
    gone = await world.send(busy, cat, "deleted messages are not unread")
    await stores.messages.delete(gone.id, actor_id=cat.id, event_id=world.next_id(), now=NOW)
    await world.send(direct, amy, "psst @bob", mentions=(bob.id,))

    summaries = await stores.conversations.summaries(bob.id)

    assert [s.conversation.id for s in summaries] == [direct.id, busy.id, quiet.id]
    by_id = {s.conversation.id: s for s in summaries}
    assert (by_id[busy.id].unread, by_id[busy.id].mentions) == (2, 1)
    assert (by_id[busy.id].role, by_id[busy.id].member_count, by_id[busy.id].member_ids) == (Role.MEMBER, 3, ())
    assert by_id[busy.id].last_read_id == read_up_to.id
    assert by_id[busy.id].conversation.last_message_id == gone.id
    assert (by_id[direct.id].unread, by_id[direct.id].mentions) == (1, 1)
    assert by_id[direct.id].member_ids == tuple(sorted((amy.id, bob.id)))
    assert (by_id[quiet.id].unread, by_id[quiet.id].mentions, by_id[quiet.id].role) == (0, 0, Role.OWNER)
    assert await stores.conversations.summaries(999_999) == []


async def test_sending_marks_what_came_before_as_read(world: World, stores: SqlStores) -> None:
    """Whoever writes has read the conversation up to their message: unread and mentions
    count from it, on every device (the marker moves in the append's own transaction)."""
    amy, bob, cat = await world.user("amy"), await world.user("bob"), await world.user("cat")
    room = await world.room(amy, bob, cat)
    for text in ("one", "two @bob", "three"):
        await world.send(room, amy, text, mentions=(bob.id,) if "@" in text else ())
    reply = await world.send(room, bob, "my answer")
    after = await world.send(room, cat, "after the answer")

    summary = {s.conversation.id: s for s in await stores.conversations.summaries(bob.id)}[room.id]
    assert (summary.unread, summary.mentions, summary.last_read_id) == (1, 0, reply.id)
    member = await stores.conversations.member(room.id, bob.id)
    assert member is not None and member.last_read_id == reply.id
    assert (await _kinds(stores, room.id)).count("read.moved") == 0  # clients read it from the message
    # Only forward: a marker set past an own message stays.
    assert await stores.conversations.set_last_read(room.id, bob.id, after.id, event_id=world.next_id()) is True
    await world.send(room, bob, "later")
    member = await stores.conversations.member(room.id, bob.id)
    assert member is not None and member.last_read_id > after.id


async def test_open_rooms_lists_open_unarchived_rooms_by_name(world: World, stores: SqlStores) -> None:
    amy = await world.user("amy")
    await world.room(amy, name="zeta Team", visibility=Visibility.OPEN)
    alpha = await world.room(amy, name="alpha team", visibility=Visibility.OPEN)
    await world.room(amy, name="Secret team", visibility=Visibility.INVITE)
    await world.room(amy, name="Old team", visibility=Visibility.OPEN, is_archived=True)
    await world.room(amy, name="Beta", visibility=Visibility.OPEN)
    await world.room(amy, name="100% team_x", visibility=Visibility.OPEN)
    await world.room(amy, name="Éclair Crew", visibility=Visibility.OPEN)

    named = [c.name for c in await stores.conversations.open_rooms("TEAM", 10)]
    everything = [c.name for c in await stores.conversations.open_rooms("", 10)]

    assert named == ["100% team_x", "alpha team", "zeta Team"]
    assert len(everything) == 5
    assert [c.id for c in await stores.conversations.open_rooms("alpha", 10)] == [alpha.id]
    assert [c.name for c in await stores.conversations.open_rooms("0%", 10)] == ["100% team_x"]
    assert [c.name for c in await stores.conversations.open_rooms("m_", 10)] == ["100% team_x"]
    assert [c.name for c in await stores.conversations.open_rooms("éclair", 10)] == ["Éclair Crew"]
    assert len(await stores.conversations.open_rooms("", 2)) == 2
    for odd in ("'", "\\", "\x00", '"'):
        assert await stores.conversations.open_rooms(odd, 10) == []


async def test_a_room_is_found_by_its_address_which_is_unique(world: World, stores: SqlStores) -> None:
    amy = await world.user("amy")
    plain = await world.room(amy, name="no address")
    named = await world.room(amy, name="Team", address="team-room")

    assert await stores.conversations.room_by_address("team-room") == named
    assert named.address == "team-room"
    assert (await stores.conversations.get(plain.id)) == plain
    assert plain.address is None
    assert await stores.conversations.room_by_address("other") is None
    with pytest.raises(Conflict):
        await world.room(amy, name="Again", address="team-room")
    await world.room(amy, name="Also without")  # many rooms have no address
