"""The router: live sessions of this node, and delivery of events to them."""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from dataclasses import dataclass, field

from roost.bus.protocols import Bus, Envelope
from roost.core.events import Event, SessionsRevoked
from roost.core.session import Session

log = logging.getLogger(__name__)


@dataclass
class Router:
    """Holds the sessions of this node by user and hands them the events meant for them."""

    bus: Bus
    _by_user: dict[int, dict[str, Session]] = field(default_factory=lambda: defaultdict(dict))
    _closing: set[asyncio.Task[None]] = field(default_factory=set)
    delivered: int = 0

    def __post_init__(self) -> None:
        self.bus.subscribe(self._on_envelope)

    def register(self, session: Session) -> None:
        self._by_user[session.user_id][session.id] = session

    def unregister(self, session: Session) -> None:
        sessions = self._by_user.get(session.user_id)
        if sessions is not None:
            sessions.pop(session.id, None)
            if not sessions:
                del self._by_user[session.user_id]

    def sessions_of(self, user_id: int) -> list[Session]:
        return list(self._by_user.get(user_id, {}).values())

    def session_count(self) -> int:
        return sum(len(s) for s in self._by_user.values())

    def online_user_ids(self) -> list[int]:
        return list(self._by_user)

    def all_sessions(self) -> list[Session]:
        return [s for by_id in self._by_user.values() for s in by_id.values()]

    def send(self, event: Event, user_ids: frozenset[int] | None, *, except_session: str | None = None) -> None:
        """Publish an event for these users' sessions (None: everyone connected), but `except_session`."""
        self.bus.publish(Envelope(event, user_ids, except_session))

    def _on_envelope(self, envelope: Envelope) -> None:
        event = envelope.payload
        if isinstance(event, SessionsRevoked):
            self._revoke(event)
            return
        targets = self._by_user.keys() if envelope.user_ids is None else envelope.user_ids
        skip = envelope.except_session
        by_user = self._by_user
        for user_id in list(targets):
            sessions = by_user.get(user_id)
            for session in list(sessions.values()) if sessions else ():
                if session.id != skip:
                    session.deliver(event)  # type: ignore[arg-type]
                    self.delivered += 1

    def _revoke(self, event: SessionsRevoked) -> None:
        for session in self.sessions_of(event.user_id):
            if event.token_id is None or session.token_id == event.token_id:
                task = asyncio.get_running_loop().create_task(session.close(event.reason))
                self._closing.add(task)
                task.add_done_callback(self._closing.discard)

    async def close_all(self, reason: str) -> None:
        """Tell every connected client the server is going away, and close them."""
        await asyncio.gather(*(s.close(reason) for s in self.all_sessions()), return_exceptions=True)
