"""Catch-up: missed events rebuilt from the durable log and the current state."""

from __future__ import annotations

from roost.core.events import (
    ConversationChanged,
    MembershipChanged,
    MessageCreated,
    MessageDeleted,
    MessageEdited,
    ReactionsChanged,
    ReadMarkerMoved,
)
from roost.model.conversations import NewRoom, Role
from tests.unit.support import Core


async def test_every_kind_of_change_is_rebuilt_in_order(core: Core) -> None:
    amy, bob = await core.user("amy"), await core.user("bob")
    start = await core.catchup.last_event_id()
    room = await core.conversations.create_room(amy, NewRoom("Ops"), [bob.id])
    first = (await core.archive.send(amy, room.id, "frist")).message
    await core.archive.edit(amy, first.id, "first")
    await core.archive.react(amy, first.id, "👍", add=True)
    await core.conversations.mark_read(bob, room.id, first.id)  # amy read it as she wrote it
    gone = (await core.archive.send(amy, room.id, "oops")).message
    await core.archive.delete(amy, gone.id)
    await core.conversations.set_role(amy, room.id, bob.id, Role.ADMIN)
    await core.conversations.update(amy, room.id, name="Ops 2")

    caught = await core.catchup.since(bob, start)

    kinds = [type(e) for e in caught.events]
    assert kinds == [
        ConversationChanged,
        MessageCreated,
        MessageEdited,
        ReactionsChanged,
        ReadMarkerMoved,
        MessageCreated,
        MessageDeleted,
        MembershipChanged,
        ConversationChanged,
    ]
    assert caught.complete
    assert caught.last_event_id == caught.events[-1].event_id == await core.catchup.last_event_id()
    assert [e.event_id for e in caught.events] == sorted(e.event_id for e in caught.events)
    created, edited = caught.events[1], caught.events[2]
    assert isinstance(created, MessageCreated)
    assert isinstance(edited, MessageEdited)
    # Rebuilt from what is stored now: the client upserts, so the latest state is what counts.
    assert created.message.body == edited.message.body == "first"
    assert created.message.reactions == edited.message.reactions
    deleted = caught.events[6]
    assert isinstance(deleted, MessageDeleted)
    assert deleted.message.is_deleted
    assert isinstance(caught.events[7], MembershipChanged)
    assert (caught.events[7].change, caught.events[7].role) == ("updated", Role.ADMIN)
    assert isinstance(caught.events[0], ConversationChanged)
    assert (caught.events[0].change, caught.events[0].conversation.name) == ("created", "Ops 2")


async def test_nothing_missed(core: Core) -> None:
    amy = await core.user("amy")
    await core.room(amy)
    last = await core.catchup.last_event_id()

    caught = await core.catchup.since(amy, last)

    assert (caught.events, caught.last_event_id, caught.complete) == ([], last, True)


async def test_other_peoples_conversations_are_left_out(core: Core) -> None:
    amy, bob, eve = await core.user("amy"), await core.user("bob"), await core.user("eve")
    start = await core.catchup.last_event_id()
    secret = await core.room(eve)
    await core.archive.send(eve, secret.id, "eve only")
    ours = await core.room(amy, bob)
    sent = await core.archive.send(amy, ours.id, "for bob")

    caught = await core.catchup.since(bob, start)

    assert [type(e) for e in caught.events] == [ConversationChanged, MessageCreated]
    assert isinstance(caught.events[1], MessageCreated)
    assert caught.events[1].message.id == sent.message.id


async def test_a_removed_member_learns_of_the_removal(core: Core) -> None:
    amy, bob = await core.user("amy"), await core.user("bob")
    room = await core.room(amy, bob)
    start = await core.catchup.last_event_id()
    await core.archive.send(amy, room.id, "before")
    await core.conversations.remove(amy, room.id, bob.id)
    await core.archive.send(amy, room.id, "after bob left")

    caught = await core.catchup.since(bob, start)

    (removed,) = caught.events
    assert isinstance(removed, MembershipChanged)
    assert (removed.user_id, removed.change, removed.role) == (bob.id, "removed", None)


async def test_too_much_missed_is_reported_incomplete(core: Core) -> None:
    amy = await core.user("amy")
    room = await core.room(amy)
    start = await core.catchup.last_event_id()
    sent = [(await core.archive.send(amy, room.id, f"m{i}")).message for i in range(core.catchup.limit + 5)]

    first = await core.catchup.since(amy, start)
    rest = await core.catchup.since(amy, first.last_event_id)

    assert not first.complete
    assert len(first.events) == core.catchup.limit
    assert rest.complete
    replayed = [e.message.id for e in first.events + rest.events if isinstance(e, MessageCreated)]
    assert replayed == [m.id for m in sent]
