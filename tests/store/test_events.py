"""EventLog contract: what a reconnecting client replays, in commit order, without gaps."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from roost.model.conversations import Role
from roost.model.ids import IdGenerator
from roost.store.sql.migrate import upgrade
from roost.store.sql.stores import SqlStores, open_stores
from tests.store.builders import World


async def test_empty_log(stores: SqlStores) -> None:
    assert await stores.events.last_id() == 0
    assert await stores.events.since(since=0, conversation_ids=[1], user_id=1, limit=10) == []


async def test_since_returns_later_events_oldest_first(world: World, stores: SqlStores) -> None:
    amy, bob = await world.user("amy"), await world.user("bob")
    room = await world.room(amy, bob)
    first = await world.send(room, amy, "one")
    mark = await stores.events.last_id()
    second = await world.send(room, bob, "two")
    await stores.messages.react(second.id, room.id, amy.id, "ok", add=True, event_id=world.next_id())

    everything = await stores.events.since(since=0, conversation_ids=[room.id], user_id=amy.id, limit=100)
    later = await stores.events.since(since=mark, conversation_ids=[room.id], user_id=amy.id, limit=100)
    limited = await stores.events.since(since=0, conversation_ids=[room.id], user_id=amy.id, limit=2)

    assert [(e.kind, e.ref_id) for e in everything] == [
        ("conversation.created", room.id),
        ("message.created", first.id),
        ("message.created", second.id),
        ("reaction.changed", second.id),
    ]
    assert [e.id for e in everything] == sorted(e.id for e in everything)
    assert everything[2].conversation_id == room.id
    assert everything[2].user_id is None  # a message names its sender; see tables.events
    assert everything[3].user_id == amy.id  # the reaction's author
    assert later == everything[2:]
    assert limited == everything[:2]
    assert await stores.events.last_id() == everything[-1].id


async def test_other_conversations_are_filtered_out(world: World, stores: SqlStores) -> None:
    amy, bob, cat = await world.user("amy"), await world.user("bob"), await world.user("cat")
    mine = await world.room(amy)
    theirs = await world.room(bob, cat)
    await world.send(theirs, bob, "private")
    await world.send(mine, amy, "mine")

    entries = await stores.events.since(since=0, conversation_ids=[mine.id], user_id=amy.id, limit=100)

    assert {e.conversation_id for e in entries} == {mine.id}
    assert [e.kind for e in entries] == ["conversation.created", "message.created"]
    assert await stores.events.since(since=0, conversation_ids=[], user_id=999_999, limit=100) == []


async def test_events_about_the_user_are_kept_outside_their_conversations(world: World, stores: SqlStores) -> None:
    amy, bob = await world.user("amy"), await world.user("bob")
    room = await world.room(amy, bob)
    mark = await stores.events.last_id()
    await world.send(room, bob, "bob's own message, before he leaves")
    await stores.conversations.remove_member(room.id, bob.id, event_id=world.next_id())
    await world.send(room, amy, "after bob left")

    entries = await stores.events.since(since=mark, conversation_ids=[], user_id=bob.id, limit=100)

    # Only his membership change reaches past the conversations he is in now.
    assert [(e.kind, e.conversation_id, e.user_id) for e in entries] == [("member.removed", room.id, bob.id)]


async def test_changes_of_every_kind_are_logged(world: World, stores: SqlStores) -> None:
    amy, bob = await world.user("amy"), await world.user("bob")
    room = await world.room(amy)
    await stores.conversations.set_member(room.id, bob.id, Role.MEMBER, event_id=world.next_id())
    message = await world.send(room, bob, "hi")
    await stores.conversations.set_last_read(room.id, amy.id, message.id, event_id=world.next_id())
    await stores.messages.edit(message.id, "hi!", (), event_id=world.next_id(), now=message.created_at)
    await stores.messages.delete(message.id, actor_id=amy.id, event_id=world.next_id(), now=message.created_at)

    entries = await stores.events.since(since=0, conversation_ids=[room.id], user_id=amy.id, limit=100)

    assert [e.kind for e in entries] == [
        "conversation.created",
        "member.added",
        "message.created",
        "read.moved",
        "message.edited",
        "message.deleted",
    ]


async def test_message_changes_are_the_edits_deletions_and_reactions_up_to_a_message(
    world: World, stores: SqlStores
) -> None:
    """Offline delivery's read (XEP-0160): the changes after a position to the messages up to a
    mark, without the creations (many new messages do not push the changes out of the limit)."""
    amy, bob = await world.user("amy"), await world.user("bob")
    chat, other = await world.direct(amy, bob), await world.room(amy, bob)
    old, elsewhere = await world.send(chat, bob, "old"), await world.send(other, bob, "in a room")
    mark = await stores.events.last_id()
    newer = await world.send(chat, bob, "newer")
    now = old.created_at
    for message in (old, newer, elsewhere):
        await stores.messages.edit(message.id, "edited", (), event_id=world.next_id(), now=now)
    await stores.messages.react(old.id, chat.id, bob.id, "ok", add=True, event_id=world.next_id())
    await world.send(chat, bob, "flood")
    await stores.messages.delete(old.id, actor_id=bob.id, event_id=world.next_id(), now=now)

    entries = await stores.events.message_changes(since=mark, conversation_ids=[chat.id], up_to=mark, limit=100)
    limited = await stores.events.message_changes(since=mark, conversation_ids=[chat.id], up_to=mark, limit=2)

    assert [(e.kind, e.ref_id, e.conversation_id) for e in entries] == [
        ("message.edited", old.id, chat.id),
        ("reaction.changed", old.id, chat.id),
        ("message.deleted", old.id, chat.id),
    ]
    assert entries[1].user_id == bob.id  # the reactor
    assert [e.id for e in entries] == sorted(e.id for e in entries)
    assert limited == entries[:2]


async def test_rooms_joined_are_the_rooms_a_person_was_added_to_after_a_position(
    world: World, stores: SqlStores
) -> None:
    """Offline delivery's invitations (XEP-0160 time): rooms among the given ones that the
    person was added to after the position, or, among the new ones, that someone else or the
    admin tool made with them in it; (room, newest such event), in the order of those events."""
    amy, bob = await world.user("amy"), await world.user("bob")
    before = await world.room(amy, bob, name="before")
    mark = await stores.events.last_id()
    made_with = await world.room(amy, bob, name="made with bob")
    own = await world.room(bob, name="bob's own")
    tool_made = await World(stores, IdGenerator(node=1023)).room(bob, name="the admin tool's, bob its owner")
    added = await world.room(amy, name="added later")
    added_at = world.next_id()
    await stores.conversations.set_member(added.id, bob.id, Role.MEMBER, event_id=added_at)
    await stores.conversations.set_member(made_with.id, bob.id, Role.ADMIN, event_id=world.next_id())  # no add
    elsewhere = await world.room(amy, name="not asked for")
    await stores.conversations.set_member(elsewhere.id, bob.id, Role.MEMBER, event_id=world.next_id())
    rooms = [before.id, made_with.id, own.id, tool_made.id, added.id]

    async def joined(since: int, new: list[int], limit: int = 10) -> list[tuple[int, int]]:
        return await stores.events.rooms_joined(
            since=since, user_id=bob.id, room_ids=rooms, new_room_ids=new, tool_node=1023, limit=limit
        )

    found = await joined(mark, rooms)
    assert [room for room, _ in found] == [made_with.id, tool_made.id, added.id]
    assert found[2] == (added.id, added_at)
    assert await joined(mark, rooms, limit=1) == found[:1]
    assert await joined(mark, [added.id]) == [(added.id, added_at)]  # made before: not looked for
    assert await joined(added_at, rooms) == []


async def test_room_changes_by_node_are_those_another_process_made(world: World, stores: SqlStores) -> None:
    """The server follows the admin CLI's room changes by the node number in their ids."""
    amy, bob = await world.user("amy"), await world.user("bob")
    tool = IdGenerator(node=1023)
    here = await world.room(amy, name="made here")
    start = await stores.events.last_id()
    await stores.conversations.set_member(here.id, bob.id, Role.MEMBER, event_id=tool.next_id())
    await world.send(here, amy, "a message is no room change")
    await stores.conversations.set_member(here.id, bob.id, Role.ADMIN, event_id=world.next_id())  # this node's
    message = await world.send(here, amy, "reacted to by the tool's id")
    await stores.messages.react(message.id, here.id, amy.id, "ok", add=True, event_id=tool.next_id())  # no room change
    await stores.conversations.remove_member(here.id, bob.id, event_id=tool.next_id())

    entries = await stores.events.room_changes_by_node(node=1023, after=start, limit=10)

    assert [(e.kind, e.user_id) for e in entries] == [("member.added", bob.id), ("member.removed", bob.id)]
    assert await stores.events.room_changes_by_node(node=1023, after=entries[0].id, limit=10) == entries[1:]
    assert await stores.events.room_changes_by_node(node=1023, after=start, limit=1) == entries[:1]


async def test_a_reader_polling_during_writes_misses_nothing(world: World, stores: SqlStores) -> None:
    amy = await world.user("amy")
    rooms = [await world.room(amy, name=f"r{i}") for i in range(3)]
    start = await stores.events.last_id()
    seen: list[int] = []

    async def writer(index: int) -> None:
        for n in range(15):
            await world.send(rooms[index], amy, f"{index}-{n}")

    async def reader(done: asyncio.Event) -> None:
        cursor = start
        while True:
            finished = done.is_set()
            batch = await stores.events.since(
                since=cursor, conversation_ids=[r.id for r in rooms], user_id=amy.id, limit=7
            )
            seen.extend(e.id for e in batch)
            cursor = batch[-1].id if batch else cursor
            if finished and not batch:
                return
            await asyncio.sleep(0)

    done = asyncio.Event()
    polling = asyncio.create_task(reader(done))
    await asyncio.gather(*(writer(i) for i in range(3)))
    done.set()
    await asyncio.wait_for(polling, timeout=30)

    logged = await stores.events.since(since=start, conversation_ids=[r.id for r in rooms], user_id=amy.id, limit=999)
    assert len(logged) == 45
    assert seen == [e.id for e in logged]  # each event seen once, in id order, none skipped


async def test_positions_saved_before_migration_0017_stay_valid(tmp_path: Path) -> None:
    """Before 0017 each message had an event row whose id came right after the message's;
    after it the messages table is the log of their creation, with the message's id."""
    path = tmp_path / "old.db"
    upgrade(f"sqlite:///{path}", "0016")
    with sqlite3.connect(path) as db:
        db.executemany(
            "INSERT INTO messages (id, conversation_id, sender_id, body, created_at, mentions)"
            " VALUES (?, 7, 1, ?, '2025-03-01 12:00:00.000000', '')",
            [(10, "one"), (12, "two"), (15, "three")],
        )
        db.executemany(
            "INSERT INTO events (id, kind, conversation_id, user_id, ref_id) VALUES (?, ?, 7, ?, ?)",
            [
                (11, "message.created", None, 10),
                (13, "message.created", None, 12),
                (14, "reaction.changed", 1, 12),
                (16, "message.created", None, 15),
            ],
        )
    upgrade(f"sqlite:///{path}")

    stores = open_stores(f"sqlite:///{path}", migrate=False)
    stores.start()
    try:
        after_one = await stores.events.since(since=11, conversation_ids=[7], user_id=1, limit=10)
        after_reaction = await stores.events.since(since=14, conversation_ids=[7], user_id=1, limit=10)
        assert [(e.id, e.kind, e.ref_id) for e in after_one] == [
            (12, "message.created", 12),
            (14, "reaction.changed", 12),
            (15, "message.created", 15),
        ]
        assert [e.id for e in after_reaction] == [15]
        assert await stores.events.last_id() == 15
    finally:
        await stores.close()


async def test_purge_before_removes_older_logged_changes_in_batches(world: World, stores: SqlStores) -> None:
    amy, bob = await world.user("amy"), await world.user("bob")
    rooms = [await world.room(amy, bob) for _ in range(3)]
    sent = await world.send(rooms[0], amy, "stays: retention removes messages itself")
    cut = world.next_id()
    later = await world.room(amy)
    ids = [room.id for room in (*rooms, later)]

    assert await stores.events.purge_before(cut, batch=2) == 2
    assert await stores.events.purge_before(cut, batch=2) == 1
    assert await stores.events.purge_before(cut, batch=2) == 0

    left = await stores.events.since(since=0, conversation_ids=ids, user_id=amy.id, limit=100)
    assert [(e.kind, e.ref_id) for e in left] == [("message.created", sent.id), ("conversation.created", later.id)]
