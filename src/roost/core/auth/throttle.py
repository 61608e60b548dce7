"""Login throttling that slows attackers down without locking anyone out.

After `free` failures a key (an account or an address) must wait before the
next attempt, doubling per failure up to `max_delay` seconds. Waits never
grow past that cap, and failures are forgotten after `forget_after`
seconds, so an attacker can at most slow a colleague's login by `max_delay`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from roost.core.clock import Clock
from roost.model.errors import RateLimited


@dataclass
class _State:
    failures: int = 0
    last: float = 0.0


@dataclass
class Throttle:
    clock: Clock
    free: int = 5
    base_delay: float = 1.0
    max_delay: float = 30.0
    forget_after: float = 900.0
    max_keys: int = 100_000
    _states: dict[str, _State] = field(default_factory=dict)

    def check(self, key: str) -> None:
        """Raise RateLimited if `key` must still wait."""
        wait = self.wait_for(key)
        if wait > 0:
            raise RateLimited("auth.throttled", "Too many failed logins: wait and try again.", retry_after=wait)

    def wait_for(self, key: str) -> float:
        state = self._states.get(key)
        if state is None:
            return 0.0
        now = self.clock.monotonic()
        if now - state.last > self.forget_after:
            del self._states[key]
            return 0.0
        if state.failures < self.free:
            return 0.0
        delay = min(self.base_delay * 2.0 ** (state.failures - self.free), self.max_delay)
        return max(0.0, state.last + delay - now)

    def failed(self, key: str) -> None:
        if len(self._states) >= self.max_keys:
            self._prune()
        state = self._states.setdefault(key, _State())
        state.failures += 1
        state.last = self.clock.monotonic()

    def succeeded(self, key: str) -> None:
        self._states.pop(key, None)

    def _prune(self) -> None:
        now = self.clock.monotonic()
        for key in [k for k, s in self._states.items() if now - s.last > self.forget_after]:
            del self._states[key]
        if len(self._states) >= self.max_keys:  # under a flood, forget the oldest half
            for key in sorted(self._states, key=lambda k: self._states[k].last)[: self.max_keys // 2]:
                del self._states[key]
