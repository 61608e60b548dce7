"""The Bus contract: fan a payload out to the sessions of some users."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Envelope:
    """A payload for the live sessions of `user_ids` (None: every connected user),
    except the session `except_session` (the one that caused it and was answered already)."""

    payload: object
    user_ids: frozenset[int] | None
    except_session: str | None = None


Handler = Callable[[Envelope], None]


class Bus(Protocol):
    def publish(self, envelope: Envelope) -> None: ...
    def subscribe(self, handler: Handler) -> None: ...
