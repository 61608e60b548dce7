"""Blocking people: the blocklist's rules and what changes at once when it changes."""

from __future__ import annotations

from dataclasses import dataclass, replace

from roost.core.blocking.lists import Blocklists
from roost.core.clock import Clock
from roost.core.events import BlocklistChanged, PresenceChanged, ResourcePresenceChanged
from roost.core.presence.service import PresenceService
from roost.core.routing.service import Router
from roost.model.errors import BadRequest, NotFound
from roost.model.presence import Presence, Show
from roost.model.users import User
from roost.store.protocols import UserStore

PER_CALL_MAX = 500


@dataclass(frozen=True)
class BlockingService:
    """A person's blocklist: blocked people cannot write to them 1:1 and see no presence, both ways."""

    lists: Blocklists
    users: UserStore
    presence: PresenceService
    router: Router
    clock: Clock
    max_blocked: int = 1000

    async def blocked(self, owner: User) -> list[User]:
        """The people `owner` blocks (disabled accounts too)."""
        ids = await self.lists.store.blocked_by(owner.id)
        found = {user.id: user for user in await self.users.get_many(ids)}
        return [found[user_id] for user_id in ids if user_id in found]

    async def block(self, owner: User, user_ids: list[int]) -> list[int]:
        """Block people; returns those newly blocked. Their sessions and the owner's are told."""
        wanted = await self._existing(user_ids)
        if owner.id in wanted:
            raise BadRequest("block.self", "You cannot block yourself.")
        current = await self.lists.store.blocked_by(owner.id)
        if len(set(current) | set(wanted)) > self.max_blocked:
            raise BadRequest("block.too_many", f"A blocklist holds at most {self.max_blocked} people.")
        added = await self.lists.store.block(owner.id, wanted, self.clock.now())
        await self._changed(owner.id, added, blocked=True)
        return added

    async def unblock(self, owner: User, user_ids: list[int] | None) -> list[int]:
        """Unblock these people (None: everyone); returns those who were blocked."""
        if user_ids is not None and len(user_ids) > PER_CALL_MAX:
            raise BadRequest("block.many", f"Unblock at most {PER_CALL_MAX} people at once.")
        removed = await self.lists.store.unblock(owner.id, user_ids)
        await self._changed(owner.id, removed, blocked=False)
        return removed

    async def _existing(self, user_ids: list[int]) -> list[int]:
        wanted = list(dict.fromkeys(user_ids))
        if not wanted or len(wanted) > PER_CALL_MAX:
            raise BadRequest("block.many", f"Block 1 to {PER_CALL_MAX} people at once.")
        found = {user.id for user in await self.users.get_many(wanted)}
        missing = [user_id for user_id in wanted if user_id not in found]
        if missing:
            raise NotFound("user.not_found", f"No such user: {missing[0]}.")
        return wanted

    async def _changed(self, owner_id: int, user_ids: list[int], *, blocked: bool) -> None:
        """Tell the owner's sessions; swap presence between the owner and each person at once."""
        self.lists.changed()
        if not user_ids:
            return
        self.router.send(BlocklistChanged(owner_id, tuple(user_ids), blocked), frozenset([owner_id]))
        for user_id in user_ids:
            if not blocked and owner_id in await self.lists.blocked_by(user_id):
                continue  # still blocked the other way
            self._show(owner_id, to=user_id, blocked=blocked)
            self._show(user_id, to=owner_id, blocked=blocked)

    def _show(self, user_id: int, *, to: int, blocked: bool) -> None:
        """Send `to` the presence of `user_id`: unavailable when blocked, else the live one."""
        live = self.presence.of(user_id)
        if blocked and live is not None:
            live = Presence(user_id, Show.UNAVAILABLE, "")
        if live is not None:
            self.router.send(PresenceChanged(live), frozenset([to]))
        for resource in self.presence.resources(user_id):  # what XMPP clients see: each resource
            shown = replace(resource, show=Show.UNAVAILABLE, status="") if blocked else resource
            self.router.send(ResourcePresenceChanged(shown), frozenset([to]))
