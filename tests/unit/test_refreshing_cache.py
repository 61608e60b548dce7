"""RefreshingCache: aged entries served while one batched read refreshes them; changes made here win."""

from __future__ import annotations

import asyncio

from roost.core.ttl import RefreshingCache
from tests.unit.support import FakeClock


class Source:
    """A store stand-in that counts its reads and can hold one open."""

    def __init__(self) -> None:
        self.values: dict[str, int] = {}
        self.reads: list[list[str]] = []
        self.gate: asyncio.Event | None = None

    async def load_many(self, keys: list[str]) -> dict[str, int]:
        self.reads.append(sorted(keys))
        snapshot = {k: self.values[k] for k in keys if k in self.values}
        if self.gate is not None:
            await self.gate.wait()
        return snapshot


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_a_miss_reads_now_and_a_hit_reads_nothing() -> None:
    source, clock = Source(), FakeClock()
    source.values = {"amy": 1}
    cache = RefreshingCache(clock, source.load_many, seconds=5)
    assert await cache.fetch("amy") == 1
    assert await cache.fetch("amy") == 1
    assert await cache.fetch("nobody") is None
    assert source.reads == [["amy"], ["nobody"]]


async def test_aged_entries_are_served_then_refreshed_together_in_one_read() -> None:
    source, clock = Source(), FakeClock()
    source.values = {"amy": 1, "bob": 2, "cat": 3}
    cache = RefreshingCache(clock, source.load_many, seconds=5, stale_limit=30)
    for name in ("amy", "bob", "cat"):
        await cache.fetch(name)
    source.reads.clear()
    source.values.update(amy=10, bob=20)
    del source.values["cat"]  # deleted meanwhile
    clock.advance(6)

    assert (cache.get("amy"), cache.get("bob"), cache.get("cat")) == (1, 2, 3)  # aged, still served
    await settle()

    assert source.reads == [["amy", "bob", "cat"]]  # one read for the three
    assert (cache.get("amy"), cache.get("bob"), cache.get("cat")) == (10, 20, None)


async def test_an_entry_past_the_stale_limit_is_read_before_it_is_returned() -> None:
    source, clock = Source(), FakeClock()
    source.values = {"amy": 1}
    cache = RefreshingCache(clock, source.load_many, seconds=5, stale_limit=30)
    await cache.fetch("amy")
    source.values["amy"] = 2
    clock.advance(31)
    assert cache.get("amy") is None
    assert await cache.fetch("amy") == 2


async def test_a_change_made_during_a_read_is_not_undone_by_it() -> None:
    source, clock = Source(), FakeClock()
    source.values = {"amy": 1}
    cache = RefreshingCache(clock, source.load_many, seconds=5)
    await cache.fetch("amy")
    clock.advance(6)
    source.gate = asyncio.Event()
    cache.get("amy")  # starts a refresh, which reads the old value and waits
    await settle()
    source.values["amy"] = 2
    cache.forget("amy")  # the change is committed and forgotten here while the read is open
    source.gate.set()
    await settle()

    source.gate = None
    assert cache.get("amy") is None  # the refresh's old value was not kept
    assert await cache.fetch("amy") == 2


async def test_one_refresh_takes_the_entries_that_would_age_soon_too() -> None:
    """Entries read at different moments are refreshed together, not each in a read of its own."""
    source, clock = Source(), FakeClock()
    source.values = {name: n for n, name in enumerate(("amy", "bob", "cat", "dan", "eve"))}
    cache = RefreshingCache(clock, source.load_many, seconds=5, stale_limit=30)
    await cache.fetch("amy")
    await cache.fetch("eve")  # loaded once, never read again: left to age out
    clock.advance(1)
    await cache.fetch("bob")
    clock.advance(1)
    await cache.fetch("cat")
    clock.advance(2)
    await cache.fetch("dan")  # read 1 s before amy ages
    assert (cache.get("bob"), cache.get("cat"), cache.get("dan")) == (1, 2, 3)  # in use
    source.reads.clear()
    clock.advance(1)  # amy 5 s old, bob 4, cat 3, dan 1

    assert cache.get("amy") == 0
    await settle()
    assert source.reads == [["amy", "bob", "cat"]]  # in use and past half their time; dan is not
    for _ in range(3):  # the next few seconds' reads find them fresh
        clock.advance(1)
        assert (cache.get("bob"), cache.get("cat")) == (1, 2)
        await settle()
    assert source.reads == [["amy", "bob", "cat"]]
