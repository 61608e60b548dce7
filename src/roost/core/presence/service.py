"""Presence: per session show/status, per user the most available of their sessions."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from roost.core.clock import Clock
from roost.core.events import PresenceChanged
from roost.core.routing.service import Router
from roost.core.session import Session
from roost.model.errors import BadRequest
from roost.model.presence import Presence, Show
from roost.store.protocols import UserStore

STATUS_MAX = 500


@dataclass
class PresenceService:
    """Keeps live presence in memory; the last-seen time of offline users is stored."""

    users: UserStore
    router: Router
    clock: Clock
    # Who may see a user's presence: None means everyone (the shared roster).
    audience: Callable[[int], Awaitable[frozenset[int] | None]] | None = None
    # The inverse, per viewer: whose presence they may see (None: everyone), and whom
    # they must not (blocks, both ways). One read each instead of one per person online.
    sees: Callable[[int], Awaitable[frozenset[int] | None]] | None = None
    hidden: Callable[[int], Awaitable[frozenset[int]]] | None = None
    _sessions: dict[int, dict[str, tuple[Show, str]]] = field(default_factory=dict)
    _current: dict[int, Presence] = field(default_factory=dict)

    async def set(self, session: Session, show: Show, status: str = "") -> Presence:
        """Set one session's presence; everyone who can see the user is told if it changed."""
        if len(status) > STATUS_MAX:
            raise BadRequest("presence.status_long", f"The status text is longer than {STATUS_MAX} characters.")
        if show is Show.UNAVAILABLE:
            raise BadRequest("presence.show", "Use disconnect to go unavailable.")
        self._sessions.setdefault(session.user_id, {})[session.id] = (show, status)
        return await self._recompute(session.user_id)

    async def session_ended(self, session: Session) -> Presence:
        """Forget a session; if it was the user's last, they become unavailable."""
        mine = self._sessions.get(session.user_id, {})
        mine.pop(session.id, None)
        if not mine:
            self._sessions.pop(session.user_id, None)
        return await self._recompute(session.user_id)

    def of(self, user_id: int) -> Presence | None:
        """The live presence of a user, or None if they are offline."""
        return self._current.get(user_id)

    def online(self) -> list[Presence]:
        return list(self._current.values())

    async def visible_to(self, viewer_id: int) -> list[Presence]:
        """The presences of everyone online whom `viewer_id` may see (their own too)."""
        allowed = await self.sees(viewer_id) if self.sees else None
        hidden = await self.hidden(viewer_id) if self.hidden else frozenset()
        return [
            p
            for p in self.online()
            if p.user_id == viewer_id or ((allowed is None or p.user_id in allowed) and p.user_id not in hidden)
        ]

    async def _recompute(self, user_id: int) -> Presence:
        mine = list(self._sessions.get(user_id, {}).values())
        before = self._current.get(user_id)
        if mine:
            show, status = max(mine, key=lambda item: item[0].availability)
            presence = Presence(user_id, show, status)
            self._current[user_id] = presence
        else:
            now = self.clock.now()
            presence = Presence(user_id, Show.UNAVAILABLE, "", last_seen_at=now)
            self._current.pop(user_id, None)
            if before is not None:
                await self.users.update(user_id, last_seen_at=now)
        if before != presence and not (before is None and presence.show is Show.UNAVAILABLE):
            watchers = await self.audience(user_id) if self.audience else None
            self.router.send(PresenceChanged(presence), watchers)
        return presence
