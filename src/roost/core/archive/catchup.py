"""Catch-up: the events a reconnecting client missed, rebuilt from the durable log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Literal, cast

from roost.core.clock import Clock
from roost.core.conversations.service import ConversationService
from roost.core.events import (
    ConversationChanged,
    DurableEvent,
    MembershipChanged,
    MessageCreated,
    MessageDeleted,
    MessageEdited,
    ReactionsChanged,
    ReadMarkerMoved,
)
from roost.model.ids import ADMIN_TOOL_NODE, IdGenerator, id_time_ms
from roost.model.messages import LogEntry, Message
from roost.model.users import User
from roost.store.protocols import ConversationStore, EventLog, MessageStore

# How far back the reads that go by id time look for a write committed after its id was made
# (a room's id made before its creation is logged; another process's commit after its ids).
FOLLOW_WINDOW_MS = 60_000
MessageChange = MessageEdited | MessageDeleted | ReactionsChanged
MESSAGE_EVENTS: dict[str, type[MessageCreated | MessageChange]] = {
    "message.created": MessageCreated,
    "message.edited": MessageEdited,
    "message.deleted": MessageDeleted,
    "reaction.changed": ReactionsChanged,
}


@dataclass(frozen=True)
class CatchUp:
    events: list[DurableEvent]
    last_event_id: int
    complete: bool  # False: more than the limit was missed; the client should reload


@dataclass(frozen=True)
class CatchUpService:
    """Rebuilds each logged change from current state: the client upserts, so repeats are harmless.

    With retention on, changes older than `retention_days` leave the log (`expire`), so a
    client whose position is older than that is told its catch-up is not complete."""

    log: EventLog
    messages: MessageStore
    conversations: ConversationService
    ids: IdGenerator
    clock: Clock
    limit: int = 1000
    retention_days: int = 0  # 0: the log keeps everything

    async def last_event_id(self) -> int:
        return await self.log.last_id()

    async def since(self, user: User, event_id: int) -> CatchUp:
        store: ConversationStore = self.conversations.store
        mine = await store.conversation_ids_of(user.id)
        entries = await self.log.since(since=event_id, conversation_ids=mine, user_id=user.id, limit=self.limit + 1)
        complete = len(entries) <= self.limit
        entries = entries[: self.limit]
        loaded = await self.messages.get_many([e.ref_id for e in entries if e.kind in MESSAGE_EVENTS and e.ref_id])
        by_id = {m.id: m for m in loaded}
        events = [ev for entry in entries if (ev := await self._rebuild(entry, by_id)) is not None]
        last = entries[-1].id if entries else event_id
        horizon = self._horizon()
        if event_id < horizon:  # older than retention: changes may be missing for good
            if complete:  # everything logged after `event_id` is here: a next page starts past the horizon
                last = max(last, horizon)
            complete = False
        return CatchUp(events=events, last_event_id=last, complete=complete)

    async def message_changes(self, conversation_ids: list[int], *, since: int, up_to: int) -> list[MessageChange]:
        """The edits, deletions and reaction changes after event `since` of the messages up to
        `up_to` in these conversations (at most `limit`, oldest first), rebuilt from current state."""
        entries = await self.log.message_changes(
            since=since, conversation_ids=conversation_ids, up_to=up_to, limit=self.limit
        )
        by_id = {m.id: m for m in await self.messages.get_many([e.ref_id for e in entries if e.ref_id])}
        events = [await self._rebuild(entry, by_id) for entry in entries]
        return [event for event in events if isinstance(event, MessageChange)]

    async def rooms_of(self, user_id: int, directs: tuple[int, ...]) -> list[int]:
        """The rooms (the conversations but the `directs`) the person is in now, at most `limit`."""
        skip = set(directs)
        rooms = [c for c in await self.conversations.store.conversation_ids_of(user_id) if c not in skip]
        return sorted(rooms)[: self.limit]

    async def rooms_added(self, user_id: int, *, since: int, directs: tuple[int, ...]) -> list[tuple[int, int]]:
        """(room id, event id): the rooms (not the `directs`) the person is in now and was added
        to after event `since`, or that someone else (or the admin tool) made with them in it;
        at most `limit`. A room's id is made just before its creation is logged, so only rooms
        with ids from shortly before `since` on can have been made after it."""
        rooms = await self.rooms_of(user_id, directs)
        if not rooms:
            return []
        made_from = self.ids.floor_for(id_time_ms(since) - FOLLOW_WINDOW_MS)
        new_rooms = [room for room in rooms if room >= made_from]
        return await self.log.rooms_joined(
            since=since,
            user_id=user_id,
            room_ids=rooms,
            new_room_ids=new_rooms,
            tool_node=ADMIN_TOOL_NODE,
            limit=self.limit,
        )

    async def room_changes_by_node(self, node: int, *, after: int) -> tuple[list[DurableEvent], int]:
        """The room and membership changes logged after event `after` by another process (its
        ids carry `node`), rebuilt from current state; and the id to read after next time.

        Only the last FOLLOW_WINDOW_MS are read: no index finds a node's ids, so a follower
        that found nothing for days would otherwise read every event since, every time."""
        floor = self.ids.floor_for(self._now_ms() - FOLLOW_WINDOW_MS)
        entries = await self.log.room_changes_by_node(node=node, after=max(after, floor), limit=self.limit)
        events = [event for entry in entries if (event := await self._rebuild(entry, {})) is not None]
        return events, entries[-1].id if entries else after

    async def expire(self) -> int:
        """Retention: remove logged changes older than `retention_days`; returns how many."""
        horizon = self._horizon()
        total = 0
        while horizon and (removed := await self.log.purge_before(horizon)):
            total += removed
        return total

    def _now_ms(self) -> int:
        return int(self.clock.now().timestamp() * 1000)

    def _horizon(self) -> int:
        """The first event id retention keeps (0 without retention)."""
        if self.retention_days <= 0:
            return 0
        cutoff = self.clock.now() - timedelta(days=self.retention_days)
        return self.ids.floor_for(int(cutoff.timestamp() * 1000))

    async def _rebuild(self, entry: LogEntry, messages: dict[int, Message]) -> DurableEvent | None:
        if entry.kind in MESSAGE_EVENTS:
            message = messages.get(entry.ref_id or 0)
            return _message_event(entry, message) if message else None
        if entry.conversation_id is None or entry.user_id is None:
            return None
        if entry.kind == "read.moved":
            return ReadMarkerMoved(entry.conversation_id, entry.user_id, entry.ref_id or 0, entry.id)
        if entry.kind.startswith("conversation."):
            return await self._conversation(entry, entry.conversation_id)
        if entry.kind.startswith("member."):
            return await self._membership(entry, entry.conversation_id, entry.user_id)
        return None

    async def _conversation(self, entry: LogEntry, conversation_id: int) -> ConversationChanged | None:
        conversation = await self.conversations.store.get(conversation_id)
        change = cast(Literal["created", "updated"], entry.kind.split(".")[1])
        return ConversationChanged(conversation, change, entry.id, entry.user_id) if conversation else None

    async def _membership(self, entry: LogEntry, conversation_id: int, user_id: int) -> MembershipChanged:
        member = await self.conversations.store.member(conversation_id, user_id)
        change = cast(Literal["added", "removed", "updated"], entry.kind.split(".")[1])
        return MembershipChanged(conversation_id, user_id, member.role if member else None, change, entry.id)


def _message_event(entry: LogEntry, message: Message) -> MessageCreated | MessageChange:
    if entry.kind == "reaction.changed":  # the reactor: XMPP sends their whole set (XEP-0444)
        return ReactionsChanged(message, entry.id, entry.user_id)
    return MESSAGE_EVENTS[entry.kind](message, entry.id)


def message_change(entry: LogEntry, message: Message) -> MessageChange | None:
    """A logged edit, deletion or reaction change of `message` (as it is now) as its event; None
    for any other entry."""
    if entry.kind not in MESSAGE_EVENTS or entry.kind == "message.created":
        return None
    event = _message_event(entry, message)
    return event if isinstance(event, MessageChange) else None
