"""A small time-limited cache for reads on the hot paths (users, audiences).

Entries expire after `seconds`, so a change made by another process (the admin CLI,
another node) shows within that time; the owner forgets entries it changes itself.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from roost.core.clock import Clock

log = logging.getLogger(__name__)
K = TypeVar("K")
V = TypeVar("V")


@dataclass
class TtlCache(Generic[K, V]):
    clock: Clock
    seconds: float = 5.0
    max_entries: int = 100_000
    _entries: dict[K, tuple[V, float]] = field(default_factory=dict)

    def get(self, key: K) -> V | None:
        found = self._entries.get(key)
        if found is None:
            return None
        if self.clock.monotonic() - found[1] >= self.seconds:
            del self._entries[key]
            return None
        return found[0]

    def put(self, key: K, value: V) -> V:
        if len(self._entries) >= self.max_entries:
            self._entries.clear()  # rare; cheaper than tracking age order
        self._entries[key] = (value, self.clock.monotonic())
        return value

    def forget(self, key: K) -> None:
        self._entries.pop(key, None)


Loader = Callable[[list[K]], Awaitable[dict[K, V]]]


@dataclass
class RefreshingCache(Generic[K, V]):
    """A TtlCache whose aged entries are refreshed behind the reader, many in one read.

    An entry older than `seconds` is still returned, and its key joins the next batched
    refresh (one `load_many` call for every key that aged meanwhile); an entry older than
    `stale_limit` (the refresh failed, or nobody read it for a while) is read again
    before it is returned. So a change made by another process shows within about
    `seconds`, and a busy server reads each key about once per `seconds` in a batch
    instead of one read per key on the path of the request that found it aged.
    A key that `load_many` leaves out (deleted) is dropped.

    A refresh also takes every entry past `refresh_ahead` of its `seconds` that was read
    since it was loaded: keys cached at different moments (a thousand people logging in over
    a minute) would otherwise age one by one, each starting a read of its own; this way a
    busy cache refreshes in a few large reads every `seconds` (bench/README.md, fourteenth
    session). Entries nobody reads are left to age out.
    """

    clock: Clock
    load_many: Loader[K, V]
    seconds: float = 5.0
    stale_limit: float = 30.0
    max_entries: int = 100_000
    refresh_ahead: float = 0.5  # a refresh takes the entries past this part of `seconds` too
    _entries: dict[K, tuple[V, float]] = field(default_factory=dict)
    _due: set[K] = field(default_factory=set)
    _touched: set[K] = field(default_factory=set)  # read (by `get`) since they were loaded
    _refresh: asyncio.Task[None] | None = None
    _epoch: int = 0  # forget() count: a read begun before a forget must not put back what it read
    _forgotten: dict[K, int] = field(default_factory=dict)
    _reads: int = 0  # reads in flight (while none, _forgotten can be cleared)

    def get(self, key: K) -> V | None:
        """The cached value (aged ones too, queued for refresh); None when absent or too old."""
        found = self._entries.get(key)
        if found is None:
            return None
        age = self.clock.monotonic() - found[1]
        self._touched.add(key)
        if age >= self.seconds:
            if age >= self.stale_limit:
                del self._entries[key]
                return None
            self._queue(key)
        return found[0]

    async def fetch(self, key: K) -> V | None:
        """The value, read now when the cache has none; None when the loader has none."""
        hit = self.get(key)
        if hit is not None:
            return hit
        return (await self._read([key])).get(key)

    def forget(self, key: K) -> None:
        """A change made here: the next reader reads the store."""
        self._entries.pop(key, None)
        self._due.discard(key)
        self._epoch += 1
        self._forgotten[key] = self._epoch

    def _queue(self, key: K) -> None:
        self._due.add(key)
        if self._refresh is None:
            self._refresh = asyncio.get_running_loop().create_task(self._refresh_due(), name="cache-refresh")

    async def _refresh_due(self) -> None:
        try:
            await asyncio.sleep(0)  # the keys that age during this loop iteration join in
            self._due.update(self._aging())
            while self._due:
                keys = list(self._due)
                self._due.clear()
                await self._read(keys)
        except Exception:
            log.warning("could not refresh a cache; its entries are read again when too old", exc_info=True)
        finally:
            self._refresh = None

    def _aging(self) -> list[K]:
        """The keys read lately and past `refresh_ahead` of their time: they join the refresh now."""
        oldest_kept = self.clock.monotonic() - self.seconds * self.refresh_ahead
        entries = self._entries
        aging = [key for key in self._touched if key in entries and entries[key][1] <= oldest_kept]
        self._touched.difference_update(aging)
        self._touched.intersection_update(entries)  # forgotten or dropped: nothing to refresh
        return aging

    async def _read(self, keys: list[K]) -> dict[K, V]:
        started = self._epoch
        self._reads += 1
        try:
            loaded = await self.load_many(keys)
        finally:
            self._reads -= 1
        now = self.clock.monotonic()
        for key in keys:
            if self._forgotten.get(key, 0) > started:
                continue  # changed here while it was read: the next reader reads again
            value = loaded.get(key)
            if value is None:
                self._entries.pop(key, None)
            else:
                self._put(key, value, now)
        if not self._reads:
            self._forgotten.clear()
        return loaded

    def _put(self, key: K, value: V, now: float) -> None:
        if len(self._entries) >= self.max_entries and key not in self._entries:
            self._entries.clear()  # rare; cheaper than tracking age order
        self._entries[key] = (value, now)
