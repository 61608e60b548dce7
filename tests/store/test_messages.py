"""MessageStore contract: append once, history pages, edits, tombstones, reactions."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from roost.model.conversations import Conversation
from roost.model.errors import NotFound
from roost.model.messages import Message, NewMessage, Payload, Reaction, SearchQuery
from roost.model.users import User
from roost.store.sql.stores import SqlStores
from tests.store.builders import NOW, World

People = tuple[User, User, Conversation]


@pytest.fixture
async def people(world: World) -> tuple[User, User, Conversation]:
    amy, bob = await world.user("amy"), await world.user("bob")
    return amy, bob, await world.room(amy, bob)


async def test_append_stores_and_returns_the_message(world: World, stores: SqlStores, people: People) -> None:
    amy, bob, room = people
    new = NewMessage(room.id, amy.id, "c-1", "hello @bob", None, (bob.id,))
    message_id = world.next_id()

    appended = await stores.messages.append(new, message_id=message_id, now=NOW)

    assert appended.created is True
    assert appended.event_id == message_id  # the message.created event's id is the message's
    expected = Message(message_id, room.id, amy.id, "c-1", "hello @bob", NOW, mentions=(bob.id,))
    assert appended.message == expected
    assert await stores.messages.get(message_id) == expected
    assert await stores.messages.get(message_id + 1) is None
    stored_room = await stores.conversations.get(room.id)
    assert stored_room is not None
    assert stored_room.last_message_id == message_id


async def test_reply_to_is_kept(world: World, stores: SqlStores, people: People) -> None:
    amy, bob, room = people
    first = await world.send(room, amy, "question")
    new = NewMessage(room.id, bob.id, None, "answer", first.id)
    appended = await stores.messages.append(new, message_id=world.next_id(), now=NOW)
    stored = await stores.messages.get(appended.message.id)
    assert stored is not None
    assert stored.reply_to == first.id


async def test_extras_and_encryption_are_kept_and_a_tombstone_drops_the_extras(
    world: World, stores: SqlStores, people: People
) -> None:
    amy, bob, room = people
    extras = "<encrypted xmlns='eu.siacs.conversations.axolotl'><payload>eA==</payload></encrypted>"
    new = NewMessage(room.id, amy.id, "enc-1", "", extras=extras, encryption="omemo")
    appended = await stores.messages.append(new, message_id=world.next_id(), now=NOW)
    assert (appended.message.extras, appended.message.encryption) == (extras, "omemo")
    again = await stores.messages.append(new, message_id=world.next_id(), now=NOW)
    assert not again.created
    assert (again.message.extras, again.message.encryption) == (extras, "omemo")  # the re-sent lookup reads them too
    stored = await stores.messages.get(appended.message.id)
    assert stored is not None and (stored.extras, stored.encryption) == (extras, "omemo")
    deleted = await stores.messages.delete(stored.id, actor_id=amy.id, event_id=world.next_id(), now=NOW)
    assert deleted.extras is None
    plain = await world.send(room, bob, "plain")
    assert (plain.extras, plain.encryption) == (None, None)


async def test_get_many_returns_existing_messages(world: World, stores: SqlStores, people: People) -> None:
    amy, _, room = people
    one, two = await world.send(room, amy, "one"), await world.send(room, amy, "two")
    found = await stores.messages.get_many([two.id, one.id, two.id + 999])
    assert sorted(m.body for m in found) == ["one", "two"]
    assert await stores.messages.get_many([]) == []


async def test_resent_client_id_returns_the_stored_message(world: World, stores: SqlStores, people: People) -> None:
    amy, bob, room = people
    first = await world.send(room, amy, "original", client_id="same")
    again = NewMessage(room.id, amy.id, "same", "re-sent with another body")

    appended = await stores.messages.append(again, message_id=world.next_id(), now=NOW)

    assert appended.created is False
    assert appended.message == first
    other_sender = await world.send(room, bob, "bob may use the same client id", client_id="same")
    no_client_id = [await world.send(room, amy, "x"), await world.send(room, amy, "x")]
    page = await stores.messages.history(room.id, before=None, after=None, around=None, limit=50)
    assert [m.id for m in page.messages] == [first.id, other_sender.id, *(m.id for m in no_client_id)]


async def test_a_batch_with_new_and_re_sent_messages_stores_each_once(
    world: World, stores: SqlStores, people: People
) -> None:
    """A batch where some client ids were stored before, one of them twice, and others are new."""
    amy, bob, room = people
    first = await world.send(room, amy, "stored before", client_id="old", mentions=(bob.id,))
    sends = [
        NewMessage(room.id, amy.id, "new-1", "new one @bob", mentions=(bob.id,)),
        NewMessage(room.id, amy.id, "old", "re-sent"),
        NewMessage(room.id, amy.id, None, "no client id"),
        NewMessage(room.id, amy.id, "old", "re-sent again"),
        NewMessage(room.id, amy.id, "new-2", "new two"),
    ]
    batches = stores.writer.batches

    results = await asyncio.gather(*(stores.messages.append(new, message_id=world.next_id(), now=NOW) for new in sends))

    assert stores.writer.batches == batches + 1
    assert [r.created for r in results] == [True, False, True, False, True]
    assert results[1].message == results[3].message == first
    page = await stores.messages.history(room.id, before=None, after=None, around=None, limit=50)
    assert [m.body for m in page.messages] == ["stored before", "new one @bob", "no client id", "new two"]
    assert page.messages[1].mentions == (bob.id,)
    stored_room = await stores.conversations.get(room.id)
    assert stored_room is not None and stored_room.last_message_id == results[4].message.id


async def test_same_client_id_twice_in_one_batch_is_stored_once(
    world: World, stores: SqlStores, people: People
) -> None:
    amy, _, room = people
    new = NewMessage(room.id, amy.id, "double-tap", "once")
    batches = stores.writer.batches

    results = await asyncio.gather(
        *(stores.messages.append(new, message_id=world.next_id(), now=NOW) for _ in range(2))
    )

    assert stores.writer.batches == batches + 1  # both were in one transaction
    assert sorted(r.created for r in results) == [False, True]
    assert results[0].message.id == results[1].message.id
    page = await stores.messages.history(room.id, before=None, after=None, around=None, limit=50)
    assert [m.body for m in page.messages] == ["once"]
    events = await stores.events.since(since=0, conversation_ids=[room.id], user_id=-1, limit=50)
    assert [e.kind for e in events].count("message.created") == 1


async def _ten(world: World, room: Conversation, sender: User) -> list[int]:
    return [(await world.send(room, sender, f"m{i}")).id for i in range(10)]


async def test_history_latest_page_and_paging_back(world: World, stores: SqlStores, people: People) -> None:
    amy, bob, room = people
    ids = await _ten(world, room, amy)
    elsewhere = await world.room(bob)
    await world.send(elsewhere, bob, "not in this room")
    history = stores.messages.history

    latest = await history(room.id, before=None, after=None, around=None, limit=4)
    middle = await history(room.id, before=ids[6], after=None, around=None, limit=4)
    oldest = await history(room.id, before=ids[2], after=None, around=None, limit=4)
    exact = await history(room.id, before=ids[4], after=None, around=None, limit=4)

    assert ([m.id for m in latest.messages], latest.has_before, latest.has_after) == (ids[6:], True, False)
    assert ([m.id for m in middle.messages], middle.has_before, middle.has_after) == (ids[2:6], True, True)
    assert ([m.id for m in oldest.messages], oldest.has_before, oldest.has_after) == (ids[:2], False, True)
    assert ([m.id for m in exact.messages], exact.has_before, exact.has_after) == (ids[:4], False, True)


async def test_history_paging_forward(world: World, stores: SqlStores, people: People) -> None:
    amy, _, room = people
    ids = await _ten(world, room, amy)
    history = stores.messages.history

    forward = await history(room.id, before=None, after=ids[1], around=None, limit=3)
    last = await history(room.id, before=None, after=ids[6], around=None, limit=3)
    beyond = await history(room.id, before=None, after=ids[9], around=None, limit=3)

    assert ([m.id for m in forward.messages], forward.has_before, forward.has_after) == (ids[2:5], True, True)
    assert ([m.id for m in last.messages], last.has_before, last.has_after) == (ids[7:], True, False)
    assert ([m.id for m in beyond.messages], beyond.has_before, beyond.has_after) == ([], True, False)


async def test_history_around_a_message(world: World, stores: SqlStores, people: People) -> None:
    amy, _, room = people
    ids = await _ten(world, room, amy)
    history = stores.messages.history

    centre = await history(room.id, before=None, after=None, around=ids[5], limit=4)
    start = await history(room.id, before=None, after=None, around=ids[0], limit=4)
    end = await history(room.id, before=None, after=None, around=ids[9], limit=4)

    assert ([m.id for m in centre.messages], centre.has_before, centre.has_after) == (ids[3:7], True, True)
    assert ([m.id for m in start.messages], start.has_before, start.has_after) == (ids[:4], False, True)
    assert ([m.id for m in end.messages], end.has_before, end.has_after) == (ids[7:], True, False)


async def test_history_of_an_empty_conversation(stores: SqlStores, people: People) -> None:
    _, _, room = people
    page = await stores.messages.history(room.id, before=None, after=None, around=None, limit=10)
    assert (page.messages, page.has_before, page.has_after) == ((), False, False)


async def test_edit_replaces_the_body_and_keeps_versions(world: World, stores: SqlStores, people: People) -> None:
    amy, bob, room = people
    message = await world.send(room, amy, "frist")
    first_edit, second_edit = NOW + timedelta(seconds=5), NOW + timedelta(seconds=9)

    await stores.messages.edit(message.id, "first", (), event_id=world.next_id(), now=first_edit)
    edited = await stores.messages.edit(message.id, "first, @bob", (bob.id,), event_id=world.next_id(), now=second_edit)

    stored = await stores.messages.get(message.id)
    assert stored is not None
    assert edited == stored
    assert (stored.body, stored.edited_at, stored.mentions, stored.created_at) == (
        "first, @bob",
        second_edit,
        (bob.id,),
        NOW,
    )
    versions = await stores.messages.versions(message.id)
    assert [(v.message_id, v.body, v.replaced_at) for v in versions] == [
        (message.id, "frist", first_edit),
        (message.id, "first", second_edit),
    ]
    with pytest.raises(NotFound):
        await stores.messages.edit(message.id + 999, "x", (), event_id=world.next_id(), now=NOW)


async def test_an_edit_with_a_payload_replaces_the_payload_too(world: World, stores: SqlStores, people: People) -> None:
    """An XMPP correction of an encrypted message carries the new content in its payload."""
    amy, _bob, room = people
    new = NewMessage(room.id, amy.id, "c-1", "fallback", None, (), (), "<encrypted>old</encrypted>", "omemo")
    message = (await stores.messages.append(new, message_id=world.next_id(), now=NOW)).message
    await stores.messages.edit(message.id, "fallback", (), event_id=world.next_id(), now=NOW)  # keeps it
    kept = await stores.messages.get(message.id)
    assert kept is not None and (kept.extras, kept.encryption) == ("<encrypted>old</encrypted>", "omemo")
    payload = Payload("<encrypted>new</encrypted>", "omemo:2")
    edited = await stores.messages.edit(message.id, "", (), event_id=world.next_id(), now=NOW, payload=payload)
    assert (edited.body, edited.extras, edited.encryption) == ("", "<encrypted>new</encrypted>", "omemo:2")
    plain = await stores.messages.edit(
        message.id, "plain now", (), event_id=world.next_id(), now=NOW, payload=Payload()
    )
    assert (plain.body, plain.extras, plain.encryption) == ("plain now", None, None)


async def test_edit_updates_mention_counts(world: World, stores: SqlStores, people: People) -> None:
    amy, bob, room = people
    tagged = await world.send(room, amy, "hello @bob", mentions=(bob.id,))

    await stores.messages.edit(tagged.id, "hello", (), event_id=world.next_id(), now=NOW)
    assert [s.mentions for s in await stores.conversations.summaries(bob.id)] == [0]

    await stores.messages.edit(tagged.id, "hello again @bob", (bob.id,), event_id=world.next_id(), now=NOW)
    assert [s.mentions for s in await stores.conversations.summaries(bob.id)] == [1]


async def test_delete_leaves_a_tombstone(world: World, stores: SqlStores, people: People) -> None:
    amy, bob, room = people
    message = await world.send(room, amy, "oops @bob", mentions=(bob.id,))
    await stores.messages.edit(message.id, "oops, @bob", (bob.id,), event_id=world.next_id(), now=NOW)
    await stores.messages.react(message.id, room.id, bob.id, "👍", add=True, event_id=world.next_id())
    deleted_at = NOW + timedelta(minutes=1)

    tombstone = await stores.messages.delete(
        message.id, actor_id=bob.id, event_id=world.next_id(), now=deleted_at, reason="off topic"
    )

    stored = await stores.messages.get(message.id)
    assert stored is not None
    assert tombstone == stored
    assert (stored.body, stored.deleted_at, stored.mentions, stored.reactions) == ("", deleted_at, (), ())
    assert stored.is_deleted and stored.is_moderated
    assert (stored.deleted_by, stored.deletion_reason) == (bob.id, "off topic")
    assert await stores.messages.versions(message.id) == []
    page = await stores.messages.history(room.id, before=None, after=None, around=None, limit=10)
    assert [m.id for m in page.messages] == [message.id]
    (summary,) = await stores.conversations.summaries(bob.id)
    assert (summary.unread, summary.mentions) == (0, 0)
    events = await stores.events.since(since=0, conversation_ids=[room.id], user_id=-1, limit=50)
    assert (events[-1].kind, events[-1].user_id, events[-1].ref_id) == ("message.deleted", bob.id, message.id)
    with pytest.raises(NotFound):
        await stores.messages.delete(message.id + 999, actor_id=bob.id, event_id=world.next_id(), now=NOW)


async def test_reactions_add_and_remove_idempotently(world: World, stores: SqlStores, people: People) -> None:
    amy, bob, room = people
    message = await world.send(room, amy, "ship it?")
    react = stores.messages.react

    # A change returns the message as committed; no change returns None.
    assert await react(message.id, room.id, bob.id, "👍", add=True, event_id=world.next_id()) is not None
    assert await react(message.id, room.id, bob.id, "👍", add=True, event_id=world.next_id()) is None
    assert await react(message.id, room.id, amy.id, "👍", add=True, event_id=world.next_id()) is not None
    last = await react(message.id, room.id, amy.id, "party_parrot", add=True, event_id=world.next_id())

    stored = await stores.messages.get(message.id)
    assert stored is not None
    assert last == stored
    assert set(stored.reactions) == {
        Reaction("👍", tuple(sorted((amy.id, bob.id)))),
        Reaction("party_parrot", (amy.id,)),
    }

    removed = await react(message.id, room.id, bob.id, "👍", add=False, event_id=world.next_id())
    assert await react(message.id, room.id, bob.id, "👍", add=False, event_id=world.next_id()) is None
    assert removed is not None
    assert set(removed.reactions) == {Reaction("👍", (amy.id,)), Reaction("party_parrot", (amy.id,))}
    assert await stores.messages.get(message.id) == removed
    events = await stores.events.since(since=0, conversation_ids=[room.id], user_id=-1, limit=50)
    assert [e.kind for e in events].count("reaction.changed") == 4


async def test_purge_before_removes_old_messages_with_what_hangs_on_them(
    world: World, stores: SqlStores, people: People
) -> None:
    amy, bob, room = people
    old = [
        await world.send(room, amy, f"old {i} @bob", mentions=(bob.id,), now=NOW - timedelta(days=40)) for i in range(3)
    ]
    await stores.messages.edit(old[0].id, "old 0 edited", (), event_id=world.next_id(), now=NOW)
    await stores.messages.react(old[1].id, room.id, bob.id, "ok", add=True, event_id=world.next_id())
    recent = await world.send(room, amy, "recent", now=NOW)
    cutoff = NOW - timedelta(days=30)

    assert await stores.messages.purge_before(cutoff, batch=2) == 2
    assert await stores.messages.purge_before(cutoff, batch=2) == 1
    assert await stores.messages.purge_before(cutoff, batch=2) == 0

    page = await stores.messages.history(room.id, before=None, after=None, around=None, limit=10)
    assert [m.id for m in page.messages] == [recent.id]
    assert await stores.messages.get_many([m.id for m in old]) == []
    assert await stores.messages.versions(old[0].id) == []
    (summary,) = await stores.conversations.summaries(bob.id)
    assert (summary.unread, summary.mentions) == (1, 0)
    found = await stores.search.search(SearchQuery("old", (room.id,)))
    assert found == []
