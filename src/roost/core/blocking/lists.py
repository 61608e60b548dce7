"""Who blocks whom, cached for the hot paths (sending a direct message, publishing presence)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from roost.core.clock import Clock
from roost.core.conversations.service import ConversationService
from roost.core.routing.service import Router
from roost.model.conversations import ConversationKind
from roost.model.errors import Forbidden
from roost.model.users import User
from roost.store.protocols import BlockStore

log = logging.getLogger(__name__)

CACHE_SECONDS = 5.0  # changes made by another process show up within about this time
STALE_LIMIT_SECONDS = 30.0  # an older snapshot (its refresh failed) is not used
Audience = Callable[[int], Awaitable[frozenset[int] | None]]
NOBODY: frozenset[int] = frozenset()


@dataclass(frozen=True)
class _Snapshot:
    """Every block, both ways: blocks are few, so one read keeps them all."""

    by_owner: dict[int, frozenset[int]]
    by_blocked: dict[int, frozenset[int]]
    taken_at: float

    @classmethod
    def of(cls, pairs: list[tuple[int, int]], taken_at: float) -> _Snapshot:
        by_owner: dict[int, set[int]] = {}
        by_blocked: dict[int, set[int]] = {}
        for owner, blocked in pairs:
            by_owner.setdefault(owner, set()).add(blocked)
            by_blocked.setdefault(blocked, set()).add(owner)
        return cls(
            {k: frozenset(v) for k, v in by_owner.items()}, {k: frozenset(v) for k, v in by_blocked.items()}, taken_at
        )


@dataclass
class Blocklists:
    """Blocklists read from a snapshot of all blocks, refreshed behind the readers every
    CACHE_SECONDS (one read for everyone) and read again at once after a change made here."""

    store: BlockStore
    conversations: ConversationService
    router: Router
    clock: Clock
    _snapshot: _Snapshot | None = field(default=None, init=False)
    _refresh: asyncio.Task[None] | None = field(default=None, init=False)
    _changes: int = field(default=0, init=False)  # forget() count: a read begun before a change is not kept

    async def blocked_by(self, owner_id: int) -> frozenset[int]:
        """The people `owner_id` blocks."""
        return (await self._current()).by_owner.get(owner_id, NOBODY)

    async def blockers_of(self, user_id: int) -> frozenset[int]:
        """The people who block `user_id`."""
        return (await self._current()).by_blocked.get(user_id, NOBODY)

    def _usable(self) -> _Snapshot | None:
        """The snapshot when it may be used now (an aged one starts a refresh); None: read first."""
        snapshot = self._snapshot
        if snapshot is None:
            return None
        age = self.clock.monotonic() - snapshot.taken_at
        if age >= CACHE_SECONDS:
            if age >= STALE_LIMIT_SECONDS:
                return None
            if self._refresh is None:
                self._refresh = asyncio.get_running_loop().create_task(self._refresh_now(), name="blocklists-refresh")
        return snapshot

    async def _current(self) -> _Snapshot:
        return self._usable() or await self._read()

    async def _read(self) -> _Snapshot:
        changes = self._changes
        snapshot = _Snapshot.of(await self.store.all_blocks(), self.clock.monotonic())
        if changes == self._changes:  # else a change made meanwhile may be missing: the next reader reads again
            self._snapshot = snapshot
        return snapshot

    async def _refresh_now(self) -> None:
        try:
            await self._read()
        except Exception:
            log.warning("could not refresh the blocklists; they are read again when too old", exc_info=True)
        finally:
            self._refresh = None

    def cached_clear(self, sender_id: int, members: frozenset[int]) -> bool:
        """True when the snapshot shows no block between the sender and the one other member
        (False: no usable snapshot, or a block: ask `check_conversation`). No await: the send path."""
        others = members - {sender_id}
        if len(others) != 1:
            return True  # the rule is for two people (as check_conversation)
        snapshot = self._usable()
        if snapshot is None:
            return False
        (other,) = others
        return sender_id not in snapshot.by_owner.get(other, NOBODY) and other not in snapshot.by_owner.get(
            sender_id, NOBODY
        )

    def changed(self) -> None:
        """A blocklist changed (committed): the next reader reads all blocks again."""
        self._changes += 1
        self._snapshot = None

    async def hidden_from(self, user_id: int) -> frozenset[int]:
        """Who must not see this person's presence: whom they block and who blocks them."""
        return await self.blocked_by(user_id) | await self.blockers_of(user_id)

    async def check_may_write(self, sender_id: int, recipient_id: int) -> None:
        """Forbidden when either of two people blocks the other (direct messages)."""
        if sender_id == recipient_id:
            return
        if sender_id in await self.blocked_by(recipient_id):
            raise Forbidden("block.blocked", "This person does not accept messages from you.")
        if recipient_id in await self.blocked_by(sender_id):
            raise Forbidden("block.blocking", "You blocked this person: unblock them to write to them.")

    async def check_may_reach(self, sender_id: int, recipient_id: int) -> None:
        """`check_may_write` for XMPP (XEP-0191 §3.5, §3.6): someone who blocks the other hears
        that first, so one blocked back learns nothing of it."""
        if recipient_id in await self.blocked_by(sender_id):
            raise Forbidden("block.blocking", "You blocked this person: unblock them to reach them.")
        await self.check_may_write(sender_id, recipient_id)

    async def check_conversation(self, sender: User, conversation_id: int) -> None:
        """Forbidden when the conversation is a direct one and either person blocks the other."""
        others = await self.conversations.member_ids(conversation_id) - {sender.id}
        if len(others) != 1:
            return
        (other,) = others
        if sender.id not in await self.blocked_by(other) and other not in await self.blocked_by(sender.id):
            return  # the common case: no block, no need to know the conversation's kind
        conversation = await self.conversations.get(sender, conversation_id)
        if conversation.kind is ConversationKind.DIRECT:
            await self.check_may_write(sender.id, other)

    def narrow(self, audience: Audience) -> Audience:
        """`audience` (who sees a person's presence) without those blocking or blocked by them."""

        async def narrowed(user_id: int) -> frozenset[int] | None:
            watchers = await audience(user_id)
            hidden = await self.hidden_from(user_id)
            if not hidden:
                return watchers
            # TODO: "everyone" is this node's connected people until the bus can exclude users
            everyone = watchers if watchers is not None else frozenset(self.router.online_user_ids())
            return everyone - hidden

        return narrowed
