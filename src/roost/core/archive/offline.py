"""Offline delivery: what a person's clients of one kind (XMPP) have not been given.

A delivery mark per person and channel holds the newest id those clients were given: live
deliveries move it forward, and when a first client comes back the messages from others
above it are handed over (the newest `limit` of them; older ones stay in the archive) and
the mark moves past them. The first time a channel is used the mark starts at "now":
history from before is in the archive, not redelivered.

The changes made since to the messages the clients had (edits, deletions, reactions) are
handed over too. Event ids and message ids come from one time-ordered generator, so the
mark also says up to when the clients saw changes: a change given live moves the mark to
its event id like a message does (it was given to an available client, which had every
message before it), and at the next login the changes logged after the mark are the ones
missed. No second mark: one write per delivery, one read per login, and a mark moved back
(XEP-0198, `undelivered`) brings back the changes after it as well (repeats are harmless:
each one says the message's current state).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from roost.core.archive.catchup import CatchUpService, MessageChange
from roost.core.events import MessageDeleted, ReactionsChanged
from roost.model.archive import ArchiveFilter, ArchiveQuery
from roost.model.ids import IdGenerator
from roost.model.messages import Message
from roost.model.users import User
from roost.store.protocols import ArchiveStore


@dataclass(frozen=True)
class Backlog:
    """What a channel's first client back is given: messages first, then changes, oldest
    first, and the rooms the person was added to meanwhile (their clients know of no others)."""

    messages: list[Message]
    changes: list[MessageChange]
    rooms: list[tuple[int, int]] = field(default_factory=list)  # (room id, the event that added them)


FIRST_USE = 0  # the event id of a room in the first backlog of a channel: the person's every room


@dataclass(frozen=True)
class OfflineService:
    """Pending messages and changes per person and channel, above that channel's delivery mark."""

    store: ArchiveStore
    ids: IdGenerator
    limit: int = 500
    catchup: CatchUpService = field(kw_only=True)  # reads the changes from the event log

    async def pending(self, user: User, channel: str) -> list[Message]:
        """Messages from others in the person's direct conversations that the channel has not had."""
        return (await self.backlog(user, channel)).messages

    async def backlog(self, user: User, channel: str) -> Backlog:
        """The pending messages, and the changes made after the mark to messages at or below it
        in the person's direct conversations (rooms replay their history on join). Changes to
        messages above the mark are left out: those messages are given now as they are. And
        the rooms the person was added to after the mark and is still in: a membership given
        live to an available client moves the mark like a change does. The channel's first
        client gets no history (the archive has it) but every room the person is in."""
        mark = await self.store.delivery_mark(user.id, channel)
        scope = tuple(await self.store.direct_conversation_ids(user.id))
        if mark is None:  # the channel's first client: every room the person is in is news to it
            await self.store.advance_delivery_mark(user.id, channel, self.ids.next_id())
            return Backlog([], [], [(room, FIRST_USE) for room in await self.catchup.rooms_of(user.id, scope)])
        match = ArchiveFilter(after_id=mark, not_from=user.id)
        page = await self.store.query(ArchiveQuery(scope, match, newest=True, limit=self.limit))
        messages = [message for message in page.messages if not message.is_deleted]
        changes = await self.catchup.message_changes(list(scope), since=mark, up_to=mark)
        rooms = await self.catchup.rooms_added(user.id, since=mark, directs=scope)
        return Backlog(messages, latest_changes(changes), rooms)

    async def delivered(self, user_id: int, channel: str, message_id: int) -> None:
        """The channel's clients have had everything up to `message_id` (a message or change)."""
        await self.store.advance_delivery_mark(user_id, channel, message_id)

    async def undelivered(self, user_id: int, channel: str, message_ids: list[int]) -> None:
        """These messages, handed to the channel's last client, never reached it (XEP-0198: it
        acknowledged none of them): the next login's offline delivery gives them again."""
        if message_ids:
            await self.store.rewind_delivery_mark(user_id, channel, min(message_ids) - 1)


def latest_changes(changes: list[MessageChange]) -> list[MessageChange]:
    """Each change once: rebuilt from current state, two edits of a message say the same, so
    the last of each kind (per reactor for reactions) is kept; a deleted message gets only its
    deletion (an edit of it would carry no body). Oldest first."""
    deleted = {c.message.id for c in changes if isinstance(c, MessageDeleted)}
    latest: dict[tuple[type, int, int | None], MessageChange] = {}
    for change in changes:
        if change.message.id in deleted and not isinstance(change, MessageDeleted):
            continue
        reactor = change.user_id if isinstance(change, ReactionsChanged) else None
        latest[(type(change), change.message.id, reactor)] = change
    return sorted(latest.values(), key=lambda change: change.event_id)
