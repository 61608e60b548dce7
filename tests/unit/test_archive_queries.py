"""A person's own archive (what MAM reads) and offline delivery marks, over the core services."""

from __future__ import annotations

import pytest

from roost.core.archive.offline import OfflineService
from roost.core.archive.query import ArchiveQueryService, Paging
from roost.model.archive import ArchiveFilter
from roost.model.errors import BadRequest, NotFound
from roost.model.users import User
from tests.unit.support import Core

NONE = ArchiveFilter()


def queries(core: Core) -> ArchiveQueryService:
    return ArchiveQueryService(core.stores.archive, core.stores.messages, core.conversations, page_max=100)


async def chats(core: Core) -> tuple[User, User, User]:
    amy, bob, cat = await core.user("amy"), await core.user("bob"), await core.user("cat")
    with_bob = await core.conversations.open_direct(amy, bob.id)
    with_cat = await core.conversations.open_direct(amy, cat.id)
    room = await core.room(amy, bob)
    await core.archive.send(bob, with_bob.id, "b1")
    await core.archive.send(amy, with_cat.id, "a1")
    await core.archive.send(bob, room.id, "in a room")
    await core.archive.send(amy, with_bob.id, "a2")
    return amy, bob, cat


async def test_the_archive_is_every_direct_conversation_and_no_room(core: Core) -> None:
    amy, bob, cat = await chats(core)
    page = await queries(core).direct(amy, NONE, Paging())
    assert [m.body for m in page.messages] == ["b1", "a1", "a2"]
    assert (page.complete, page.count) == (True, 3)
    with_bob = await queries(core).direct(amy, NONE, Paging(), with_user=bob.id)
    assert [m.body for m in with_bob.messages] == ["b1", "a2"]
    nobody = await queries(core).direct(cat, NONE, Paging(), with_user=bob.id)
    assert nobody.messages == ()


async def test_paging_rules(core: Core) -> None:
    amy, _bob, cat = await chats(core)
    service = queries(core)
    newest = await service.direct(amy, NONE, Paging(newest=True, limit=1))
    assert [m.body for m in newest.messages] == ["a2"]
    older = await service.direct(amy, NONE, Paging(before=newest.messages[0].id, limit=5))
    assert [m.body for m in older.messages] == ["b1", "a1"]
    for bad in (Paging(limit=0), Paging(limit=101), Paging(after=1, newest=True)):
        with pytest.raises(BadRequest):
            await service.direct(amy, NONE, bad)
    with pytest.raises(NotFound):  # a message of someone else's archive is no cursor here
        await service.direct(cat, NONE, Paging(after=newest.messages[0].id))


async def test_offline_marks(core: Core) -> None:
    amy, bob, _ = await chats(core)
    offline = OfflineService(core.stores.archive, core.ids, limit=2, catchup=core.catchup)
    assert await offline.pending(amy, "xmpp") == []  # first use: the mark starts now
    with_bob = await core.conversations.open_direct(bob, amy.id)
    sent = [await core.archive.send(bob, with_bob.id, f"n{i}") for i in range(3)]
    await core.archive.send(amy, with_bob.id, "her own")
    pending = await offline.pending(amy, "xmpp")
    assert [m.body for m in pending] == ["n1", "n2"]  # the newest `limit`
    await offline.delivered(amy.id, "xmpp", pending[-1].id)
    assert await offline.pending(amy, "xmpp") == []
    await core.archive.delete(bob, sent[2].message.id)
    assert await offline.pending(bob, "xmpp") == []


async def test_offline_backlog_has_the_changes_to_messages_the_channel_had(core: Core) -> None:
    """XEP-0160: edits, deletions and reactions after the mark to messages at or below it, each
    once (the last of each kind, per reactor; a deleted message only its deletion), oldest first."""
    amy, bob, _ = await chats(core)
    offline = OfflineService(core.stores.archive, core.ids, catchup=core.catchup)
    await offline.pending(amy, "xmpp")  # first use: the mark starts now
    with_bob = await core.conversations.open_direct(bob, amy.id)
    had = [(await core.archive.send(bob, with_bob.id, f"had {i}")).message for i in range(2)]
    await offline.delivered(amy.id, "xmpp", had[-1].id)
    room = await core.room(bob, amy)
    in_room = (await core.archive.send(bob, room.id, "in a room")).message
    for body in ("v1", "v2"):
        await core.archive.edit(bob, had[0].id, body)
    await core.archive.react(bob, had[0].id, "👍", add=True)
    await core.archive.react(amy, had[0].id, "🎉", add=True)
    await core.archive.react(bob, had[1].id, "👀", add=True)
    await core.archive.delete(bob, had[1].id)
    await core.archive.edit(bob, in_room.id, "rooms replay on join")
    new = (await core.archive.send(bob, with_bob.id, "new")).message
    await core.archive.edit(bob, new.id, "new, given as it is")

    backlog = await offline.backlog(amy, "xmpp")

    assert [m.body for m in backlog.messages] == ["new, given as it is"]
    assert [(type(c).__name__, c.message.id, getattr(c, "user_id", None)) for c in backlog.changes] == [
        ("MessageEdited", had[0].id, None),
        ("ReactionsChanged", had[0].id, bob.id),
        ("ReactionsChanged", had[0].id, amy.id),
        ("MessageDeleted", had[1].id, None),
    ]
    assert backlog.changes[0].message.body == "v2"
    assert [c.event_id for c in backlog.changes] == sorted(c.event_id for c in backlog.changes)
    await offline.delivered(amy.id, "xmpp", backlog.changes[-1].event_id)
    assert (await offline.backlog(amy, "xmpp")).changes == []
