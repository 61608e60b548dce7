"""A small time-limited cache for reads on the hot paths (users, audiences).

Entries expire after `seconds`, so a change made by another process (the admin CLI,
another node) shows within that time; the owner forgets entries it changes itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, TypeVar

from roost.core.clock import Clock

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
