"""Retention: messages older than the configured days go, with what hangs on them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from roost.app import build_services
from roost.bus.local import LocalBus
from roost.config import Settings
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
