"""ArchiveStore contract: filtered, cursor-paged queries over many conversations; delivery marks."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from roost.model.archive import ArchiveFilter, ArchiveQuery
from roost.model.conversations import Conversation
from roost.model.messages import Message
from roost.model.users import User
from roost.store.sql.stores import SqlStores
from tests.store.builders import NOW, World

Chats = tuple[User, User, Conversation, Conversation, list[Message]]


@pytest.fixture
async def chats(world: World) -> Chats:
    """amy talks with bob and with cat (alternating), one message a minute; plus a room."""
    amy, bob, cat = await world.user("amy"), await world.user("bob"), await world.user("cat")
    with_bob, with_cat = await world.direct(amy, bob), await world.direct(amy, cat)
    room = await world.room(amy, bob)
    sent: list[Message] = []
    for i in range(6):
        conversation, sender = (with_bob, bob) if i % 2 == 0 else (with_cat, amy)
        sent.append(await world.send(conversation, sender, f"m{i}", now=NOW + timedelta(minutes=i)))
    await world.send(room, amy, "in the room")
    return amy, bob, with_bob, with_cat, sent


def bodies(messages: tuple[Message, ...]) -> list[str]:
    return [m.body for m in messages]


async def test_direct_conversation_ids(stores: SqlStores, chats: Chats) -> None:
    amy, bob, with_bob, with_cat, _ = chats
    assert sorted(await stores.archive.direct_conversation_ids(amy.id)) == sorted([with_bob.id, with_cat.id])
    assert await stores.archive.direct_conversation_ids(bob.id) == [with_bob.id]


async def test_pages_forward_and_backward(stores: SqlStores, chats: Chats) -> None:
    _, _, with_bob, with_cat, sent = chats
    scope = (with_bob.id, with_cat.id)
    first = await stores.archive.query(ArchiveQuery(scope, limit=4))
    assert bodies(first.messages) == ["m0", "m1", "m2", "m3"]
    assert (first.complete, first.count) == (False, 6)
    rest = await stores.archive.query(ArchiveQuery(scope, after=first.messages[-1].id, limit=4))
    assert bodies(rest.messages) == ["m4", "m5"]
    assert rest.complete
    newest = await stores.archive.query(ArchiveQuery(scope, newest=True, limit=2))
    assert bodies(newest.messages) == ["m4", "m5"]
    assert not newest.complete
    older = await stores.archive.query(ArchiveQuery(scope, before=sent[4].id, limit=10))
    assert bodies(older.messages) == ["m0", "m1", "m2", "m3"]
    assert older.complete


async def test_filters(stores: SqlStores, chats: Chats) -> None:
    amy, bob, with_bob, with_cat, sent = chats
    scope = (with_bob.id, with_cat.id)
    only_bob = await stores.archive.query(ArchiveQuery((with_bob.id,)))
    assert bodies(only_bob.messages) == ["m0", "m2", "m4"]
    timed = ArchiveFilter(start=NOW + timedelta(minutes=1), end=NOW + timedelta(minutes=3))
    assert bodies((await stores.archive.query(ArchiveQuery(scope, timed))).messages) == ["m1", "m2", "m3"]
    ids = ArchiveFilter(after_id=sent[0].id, before_id=sent[3].id)
    between = await stores.archive.query(ArchiveQuery(scope, ids))
    assert (bodies(between.messages), between.count) == (["m1", "m2"], 2)
    others = await stores.archive.query(ArchiveQuery(scope, ArchiveFilter(not_from=amy.id)))
    assert bodies(others.messages) == ["m0", "m2", "m4"]
    assert all(m.sender_id == bob.id for m in others.messages)
    nothing = await stores.archive.query(ArchiveQuery(()))
    assert (nothing.messages, nothing.complete, nothing.count) == ((), True, 0)


async def test_delivery_marks_only_move_forward(stores: SqlStores, chats: Chats) -> None:
    amy, bob, *_ = chats
    assert await stores.archive.delivery_mark(amy.id, "xmpp") is None
    await stores.archive.advance_delivery_mark(amy.id, "xmpp", 50)
    await stores.archive.advance_delivery_mark(amy.id, "xmpp", 40)
    assert await stores.archive.delivery_mark(amy.id, "xmpp") == 50
    await stores.archive.advance_delivery_mark(amy.id, "xmpp", 70)
    assert await stores.archive.delivery_mark(amy.id, "xmpp") == 70
    assert await stores.archive.delivery_mark(amy.id, "other") is None
    assert await stores.archive.delivery_mark(bob.id, "xmpp") is None
    # rewinding (messages a client never acknowledged) moves them back only
    await stores.archive.rewind_delivery_mark(amy.id, "xmpp", 80)
    assert await stores.archive.delivery_mark(amy.id, "xmpp") == 70
    await stores.archive.rewind_delivery_mark(amy.id, "xmpp", 60)
    assert await stores.archive.delivery_mark(amy.id, "xmpp") == 60
    await stores.archive.rewind_delivery_mark(bob.id, "xmpp", 10)
    assert await stores.archive.delivery_mark(bob.id, "xmpp") is None


async def test_delivery_marks_queued_together_are_written_in_one_batch(stores: SqlStores, chats: Chats) -> None:
    amy, bob, *_ = chats
    archive = stores.archive
    await archive.advance_delivery_mark(amy.id, "xmpp", 50)
    await archive.advance_delivery_mark(bob.id, "xmpp", 90)
    batches = stores.writer.batches

    await asyncio.gather(
        archive.advance_delivery_mark(amy.id, "xmpp", 60),  # forward
        archive.advance_delivery_mark(amy.id, "xmpp", 55),  # same key, lower: the highest wins
        archive.advance_delivery_mark(bob.id, "xmpp", 80),  # backwards: no change
        archive.advance_delivery_mark(amy.id, "other", 10),  # new, another channel
        archive.advance_delivery_mark(bob.id, "web", 20),  # new
    )

    assert stores.writer.batches == batches + 1
    assert await archive.delivery_mark(amy.id, "xmpp") == 60
    assert await archive.delivery_mark(bob.id, "xmpp") == 90
    assert await archive.delivery_mark(amy.id, "other") == 10
    assert await archive.delivery_mark(bob.id, "web") == 20


async def test_changes_are_entries_when_asked_for(stores: SqlStores, world: World, chats: Chats) -> None:
    """With `with_changes`, the logged edits, deletions and reaction changes of the scope are
    entries at their event ids: merged with the messages, paged and counted with them."""
    amy, bob, with_bob, with_cat, sent = chats
    scope = (with_bob.id, with_cat.id)
    edited, deleted, reacted = world.next_id(), world.next_id(), world.next_id()
    await stores.messages.edit(sent[0].id, "m0 fixed", (), event_id=edited, now=NOW + timedelta(minutes=10))
    await stores.messages.delete(sent[1].id, actor_id=amy.id, event_id=deleted, now=NOW + timedelta(minutes=11))
    await stores.messages.react(sent[2].id, with_bob.id, amy.id, "👍", add=True, event_id=reacted)
    last = await world.send(with_bob, bob, "m6", now=NOW + timedelta(minutes=12))

    plain = await stores.archive.query(ArchiveQuery(scope, after=sent[-1].id, limit=10))
    assert (bodies(plain.messages), plain.changes) == (["m6"], ())
    page = await stores.archive.query(ArchiveQuery(scope, after=sent[-1].id, limit=10, with_changes=True))
    assert [(e.id, e.kind, e.ref_id) for e in page.changes] == [
        (edited, "message.edited", sent[0].id),
        (deleted, "message.deleted", sent[1].id),
        (reacted, "reaction.changed", sent[2].id),
    ]
    assert (bodies(page.messages), page.complete, page.count) == (["m6"], True, 10)
    first = await stores.archive.query(ArchiveQuery(scope, after=sent[-1].id, limit=2, with_changes=True))
    assert ([e.id for e in first.changes], first.messages, first.complete) == ([edited, deleted], (), False)
    newest = await stores.archive.query(ArchiveQuery(scope, newest=True, limit=2, with_changes=True))
    assert ([e.id for e in newest.changes], [m.id for m in newest.messages]) == ([reacted], [last.id])
    assert not newest.complete
    only_bob = ArchiveQuery(scope, limit=20, with_changes=True, match=ArchiveFilter(only_from=bob.id))
    assert (await stores.archive.query(only_bob)).changes == ()  # a sender filter: messages only
    assert await stores.archive.change_entry(deleted) is not None
    assert await stores.archive.change_entry(last.id) is None  # a message, not a change
