"""Presence: per session show/status, per resource and per user the most available of their sessions.

XMPP clients see each resource of a person (`ResourcePresenceChanged`); a person's web
sessions together are one resource, `WEB_RESOURCE`. The web client sees one presence per
person (`PresenceChanged`), the most available of all their sessions.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass, field

from roost.core.clock import Clock
from roost.core.events import DirectedPresence, PresenceChanged, ResourcePresenceChanged
from roost.core.routing.service import Router
from roost.core.session import Session
from roost.model.errors import BadRequest
from roost.model.presence import WEB_RESOURCE, Presence, ResourcePresence, Show
from roost.store.protocols import UserStore

STATUS_MAX = 500
PRIORITY_RANGE = range(-128, 128)  # RFC 6121 §4.7.2.3


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
    _sessions: dict[int, dict[str, ResourcePresence]] = field(default_factory=dict)
    _current: dict[int, Presence] = field(default_factory=dict)

    async def set(
        self, session: Session, show: Show, status: str = "", *, resource: str = WEB_RESOURCE, priority: int = 0
    ) -> Presence:
        """Set one session's presence; everyone who can see the user is told if it changed."""
        if len(status) > STATUS_MAX:
            raise BadRequest("presence.status_long", f"The status text is longer than {STATUS_MAX} characters.")
        if show is Show.UNAVAILABLE:
            raise BadRequest("presence.show", "Use disconnect to go unavailable.")
        if priority not in PRIORITY_RANGE:
            raise BadRequest("presence.priority", "A priority is from -128 to 127.")
        before = self.resource(session.user_id, resource)
        entry = ResourcePresence(session.user_id, resource, show, status, priority)
        self._sessions.setdefault(session.user_id, {})[session.id] = entry
        await self._resource_changed(session.user_id, resource, before)
        return await self._recompute(session.user_id)

    async def session_ended(self, session: Session) -> Presence:
        """Forget a session; if it was the user's last, they become unavailable."""
        mine = self._sessions.get(session.user_id, {})
        entry = mine.get(session.id)
        before = self.resource(session.user_id, entry.resource) if entry else None
        mine.pop(session.id, None)
        if not mine:
            self._sessions.pop(session.user_id, None)
        if entry is not None:
            await self._resource_changed(session.user_id, entry.resource, before)
        return await self._recompute(session.user_id)

    def direct(self, presence: ResourcePresence, to_user_id: int, to_resource: str | None) -> None:
        """Presence sent to one person outside the subscriptions (RFC 6121 §4.6), not remembered."""
        self.router.send(DirectedPresence(presence, to_user_id, to_resource), frozenset([to_user_id]))

    def of(self, user_id: int) -> Presence | None:
        """The live presence of a user, or None if they are offline."""
        return self._current.get(user_id)

    def online(self) -> list[Presence]:
        return list(self._current.values())

    async def visible_to(self, viewer_id: int) -> list[Presence]:
        """The presences of everyone online whom `viewer_id` may see (their own too)."""
        return [self._current[u] for u in await self._visible_users(viewer_id, self._current)]

    async def visible_among(self, viewer_id: int, user_ids: Collection[int]) -> frozenset[int]:
        """Those of `user_ids` whose presence `viewer_id` may see, online or not (the directory)."""
        return frozenset(await self._visible_users(viewer_id, frozenset(user_ids)))

    async def visible_resources(self, viewer_id: int) -> list[ResourcePresence]:
        """Every online resource whom `viewer_id` may see (their own resources too)."""
        return [r for user_id in await self._visible_users(viewer_id, self._sessions) for r in self.resources(user_id)]

    async def _visible_users(self, viewer_id: int, online: Collection[int]) -> list[int]:
        """Those of `online` whom `viewer_id` may see: one read of whom they see and whom they must not."""
        allowed = await self.sees(viewer_id) if self.sees else None
        hidden = await self.hidden(viewer_id) if self.hidden else frozenset()
        # Only the people they may see are looked at (few without the shared roster), not everyone online.
        candidates = online if allowed is None else [u for u in (*allowed, viewer_id) if u in online]
        return [u for u in dict.fromkeys(candidates) if u == viewer_id or u not in hidden]

    def resource(self, user_id: int, resource: str) -> ResourcePresence | None:
        """The presence of one resource: the most available of its sessions, or None when it has none."""
        entries = [e for e in self._sessions.get(user_id, {}).values() if e.resource == resource]
        return max(entries, key=lambda e: (e.show.availability, e.priority), default=None)

    def resources(self, user_id: int) -> list[ResourcePresence]:
        """Every available resource of a user."""
        names = sorted({e.resource for e in self._sessions.get(user_id, {}).values()})
        return [found for name in names if (found := self.resource(user_id, name)) is not None]

    def online_resources(self) -> list[ResourcePresence]:
        return [each for user_id in list(self._sessions) for each in self.resources(user_id)]

    async def _resource_changed(self, user_id: int, resource: str, before: ResourcePresence | None) -> None:
        after = self.resource(user_id, resource)
        if after == before:
            return  # e.g. another session of the same resource (a second browser tab) still shows it
        if after is None:
            after = ResourcePresence(user_id, resource, Show.UNAVAILABLE, "")
        watchers = await self.audience(user_id) if self.audience else None
        self.router.send(ResourcePresenceChanged(after), watchers)

    async def _recompute(self, user_id: int) -> Presence:
        mine = list(self._sessions.get(user_id, {}).values())
        before = self._current.get(user_id)
        if mine:
            best = max(mine, key=lambda item: item.show.availability)
            presence = Presence(user_id, best.show, best.status)
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
