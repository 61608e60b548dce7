"""Who blocks whom, cached for the hot paths (sending a direct message, publishing presence)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from roost.core.clock import Clock
from roost.core.conversations.service import ConversationService
from roost.core.routing.service import Router
from roost.core.ttl import TtlCache
from roost.model.conversations import ConversationKind
from roost.model.errors import Forbidden
from roost.model.users import User
from roost.store.protocols import BlockStore

CACHE_SECONDS = 5.0  # changes made by another process show up within this time
Audience = Callable[[int], Awaitable[frozenset[int] | None]]


@dataclass
class Blocklists:
    """Blocklists read through a short cache that changes made here keep exact."""

    store: BlockStore
    conversations: ConversationService
    router: Router
    clock: Clock
    _blocked_by: TtlCache[int, frozenset[int]] = field(init=False)
    _blockers_of: TtlCache[int, frozenset[int]] = field(init=False)

    def __post_init__(self) -> None:
        self._blocked_by = TtlCache(self.clock, CACHE_SECONDS)
        self._blockers_of = TtlCache(self.clock, CACHE_SECONDS)

    async def blocked_by(self, owner_id: int) -> frozenset[int]:
        """The people `owner_id` blocks."""
        return await self._cached(self._blocked_by, owner_id, self.store.blocked_by)

    async def blockers_of(self, user_id: int) -> frozenset[int]:
        """The people who block `user_id`."""
        return await self._cached(self._blockers_of, user_id, self.store.blockers_of)

    @staticmethod
    async def _cached(
        cache: TtlCache[int, frozenset[int]], key: int, load: Callable[[int], Awaitable[list[int]]]
    ) -> frozenset[int]:
        hit = cache.get(key)
        return hit if hit is not None else cache.put(key, frozenset(await load(key)))

    def cached_clear(self, sender_id: int, members: frozenset[int]) -> bool:
        """True when the caches show no block between the sender and the one other member
        (False: unknown, or a block: ask `check_conversation`). No await: the send path."""
        others = members - {sender_id}
        if len(others) != 1:
            return True  # the rule is for two people (as check_conversation)
        (other,) = others
        theirs, mine = self._blocked_by.get(other), self._blocked_by.get(sender_id)
        return theirs is not None and mine is not None and sender_id not in theirs and other not in mine

    def forget(self, owner_id: int, user_ids: list[int]) -> None:
        """A change to `owner_id`'s blocklist: drop what it makes stale."""
        self._blocked_by.forget(owner_id)
        for user_id in user_ids:
            self._blockers_of.forget(user_id)

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
