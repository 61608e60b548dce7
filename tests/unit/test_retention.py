"""Retention: messages older than the configured days go, with what hangs on them."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from roost.app import build_services
from roost.bus.local import LocalBus
from roost.config import RetentionSettings, Settings
from roost.model.conversations import NewRoom
from roost.model.users import NewUser
from roost.store.sql.stores import open_stores


class MovableClock:
    def __init__(self) -> None:
        self.current = datetime(2026, 1, 1, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current

    def monotonic(self) -> float:
        return self.current.timestamp()


async def test_expire_removes_only_old_messages(tmp_path: Path) -> None:
    stores = open_stores(f"sqlite:///{tmp_path / 'r.db'}")
    stores.start()
    clock = MovableClock()
    services = build_services(Settings(data_dir=tmp_path), stores, LocalBus(), clock)
    try:
        alice = await services.accounts.create(NewUser("alice"), "password-1")
        room = await services.conversations.create_room(alice, NewRoom("general"))
        old = await services.archive.send(alice, room.id, "old news")
        await services.archive.react(alice, old.message.id, "👍", add=True)
        clock.current += timedelta(days=40)
        fresh = await services.archive.send(alice, room.id, "fresh news")

        assert await services.archive.expire(0) == 0
        assert await services.archive.expire(30) == 1

        page = await services.archive.history(alice, room.id)
        assert [m.id for m in page.messages] == [fresh.message.id]
        assert await stores.messages.get(old.message.id) is None
    finally:
        await stores.close()


async def test_expire_prunes_the_event_log_and_tells_older_positions_to_reload(tmp_path: Path) -> None:
    stores = open_stores(f"sqlite:///{tmp_path / 'r.db'}")
    stores.start()
    clock = MovableClock()
    clock.current = datetime.now(UTC)  # event ids come from the real clock: keep the two together
    settings = Settings(data_dir=tmp_path, retention=RetentionSettings(message_days=30))
    services = build_services(settings, stores, LocalBus(), clock)
    try:
        alice = await services.accounts.create(NewUser("alice"), "password-1")
        old_room = await services.conversations.create_room(alice, NewRoom("old"))
        sent = await services.archive.send(alice, old_room.id, "old news")
        await services.archive.edit(alice, sent.message.id, "old news, edited")
        await asyncio.sleep(0.01)
        cutoff = datetime.now(UTC)
        await asyncio.sleep(0.01)
        position = services.archive.ids.next_id()  # a client's position taken after the cutoff
        new_room = await services.conversations.create_room(alice, NewRoom("new"))
        before = await stores.events.since(
            since=0, conversation_ids=[old_room.id, new_room.id], user_id=alice.id, limit=100
        )
        clock.current = cutoff + timedelta(days=30)  # retention's cutoff falls between the two rooms

        assert await services.archive.expire(30) == 1
        forgotten = await services.catchup.expire()

        after = await stores.events.since(
            since=0, conversation_ids=[old_room.id, new_room.id], user_id=alice.id, limit=100
        )
        kept = [entry for entry in before if entry.conversation_id == new_room.id]
        assert forgotten == len([e for e in before if e.kind != "message.created"]) - len(kept)
        assert after == kept and kept
        stale = await services.catchup.since(alice, 0)
        assert stale.complete is False  # it missed what was pruned: start fresh
        assert [event.event_id for event in stale.events] == [entry.id for entry in kept]
        next_page = await services.catchup.since(alice, stale.last_event_id)  # a client paging on ends
        assert next_page.complete is True
        recent = await services.catchup.since(alice, position)
        assert recent.complete is True
        assert [event.event_id for event in recent.events] == [entry.id for entry in kept]
        assert await services.catchup.expire() == 0
    finally:
        await stores.close()
