"""Offline delivery: the messages a person's clients of one kind (XMPP) have not been given.

A delivery mark per person and channel holds the newest message id those clients were
given: live deliveries move it forward, and when a first client comes back the messages
from others above it are handed over (the newest `limit` of them; older ones stay in
the archive) and the mark moves past them. The first time a channel is used the mark
starts at "now": history from before is in the archive, not redelivered.
"""

from __future__ import annotations

from dataclasses import dataclass

from roost.model.archive import ArchiveFilter, ArchiveQuery
from roost.model.ids import IdGenerator
from roost.model.messages import Message
from roost.model.users import User
from roost.store.protocols import ArchiveStore


@dataclass(frozen=True)
class OfflineService:
    """Pending messages per person and channel, above that channel's delivery mark."""

    store: ArchiveStore
    ids: IdGenerator
    limit: int = 500

    async def pending(self, user: User, channel: str) -> list[Message]:
        """Messages from others in the person's direct conversations that the channel has not had."""
        mark = await self.store.delivery_mark(user.id, channel)
        if mark is None:
            await self.store.advance_delivery_mark(user.id, channel, self.ids.next_id())
            return []
        scope = tuple(await self.store.direct_conversation_ids(user.id))
        match = ArchiveFilter(after_id=mark, not_from=user.id)
        page = await self.store.query(ArchiveQuery(scope, match, newest=True, limit=self.limit))
        return [message for message in page.messages if not message.is_deleted]

    async def delivered(self, user_id: int, channel: str, message_id: int) -> None:
        """The channel's clients have had everything up to `message_id`."""
        await self.store.advance_delivery_mark(user_id, channel, message_id)

    async def undelivered(self, user_id: int, channel: str, message_ids: list[int]) -> None:
        """These messages, handed to the channel's last client, never reached it (XEP-0198: it
        acknowledged none of them): the next login's offline delivery gives them again."""
        if message_ids:
            await self.store.rewind_delivery_mark(user_id, channel, min(message_ids) - 1)
