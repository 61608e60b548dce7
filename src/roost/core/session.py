"""The Session protocol every transport implements (an XMPP stream, a WebSocket)."""

from __future__ import annotations

from typing import Protocol

from roost.core.events import Event


class Session(Protocol):
    """One connected client of one user."""

    @property
    def id(self) -> str: ...

    @property
    def user_id(self) -> int: ...

    @property
    def token_id(self) -> int | None: ...

    def deliver(self, event: Event) -> None:
        """Queue an event for the client; must not block (a slow client is closed)."""

    async def close(self, reason: str) -> None:
        """End the session, telling the client why."""
