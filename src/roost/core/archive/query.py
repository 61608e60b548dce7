"""A person's own archive, filtered and paged: what XEP-0313 (MAM) asks of the core.

The store query runs over a list of conversations, so one shape serves a person's direct
conversations and one room's archive (members only).
"""

from __future__ import annotations

from dataclasses import dataclass

from roost.core.archive.catchup import MessageChange, message_change
from roost.core.conversations.service import ConversationService
from roost.model.archive import ArchiveFilter, ArchivePage, ArchiveQuery
from roost.model.errors import BadRequest, NotFound
from roost.model.messages import Message
from roost.model.users import User
from roost.store.protocols import ArchiveStore, MessageStore


@dataclass(frozen=True, slots=True)
class Paging:
    """Where a page starts: after or before a message id, the newest page, or (none) the oldest."""

    after: int | None = None
    before: int | None = None
    newest: bool = False
    limit: int = 50


@dataclass(frozen=True)
class ArchiveQueryService:
    """Reads of a person's direct conversations, across all of them or with one colleague."""

    store: ArchiveStore
    messages: MessageStore
    conversations: ConversationService
    page_max: int = 100

    async def direct(
        self, user: User, match: ArchiveFilter, paging: Paging, *, with_user: int | None = None, changes: bool = False
    ) -> ArchivePage:
        """A page of the messages between `user` and anyone (or `with_user`), oldest first;
        `changes`: their edits, deletions and reaction changes are entries too (`changes_of`)."""
        self._check(paging)
        mine = await self.store.direct_conversation_ids(user.id)
        for cursor in (paging.after, paging.before):
            if cursor is not None:
                await self._check_cursor(cursor, mine, changes=changes)
        scope = mine if with_user is None else await self._direct_with(user, with_user)
        return await self.store.query(_query(scope, match, paging, changes))

    async def room(
        self, user: User, conversation_id: int, match: ArchiveFilter, paging: Paging, *, changes: bool = False
    ) -> ArchivePage:
        """A page of one room's messages, oldest first: for its members only (NotFound otherwise)."""
        self._check(paging)
        await self.conversations.require_member(user.id, conversation_id)
        scope = [conversation_id]
        for cursor in (paging.after, paging.before):
            if cursor is not None:
                await self._check_cursor(cursor, scope, changes=changes)
        return await self.store.query(_query(scope, match, paging, changes))

    async def changes_of(self, page: ArchivePage) -> list[MessageChange]:
        """The page's changes as events, each with its message as it is now (as catch-up gives them)."""
        messages = {m.id: m for m in await self.messages.get_many([e.ref_id for e in page.changes if e.ref_id])}
        found = (message_change(entry, messages[entry.ref_id]) for entry in page.changes if entry.ref_id in messages)
        return [change for change in found if change is not None]

    async def find(self, user: User, conversation_id: int, reference: str, *, sender_id: int | None = None) -> Message:
        """A message of a conversation of the user's, by the id its client sent it with, or by its id."""
        await self.conversations.require_member(user.id, conversation_id)
        senders = [sender_id] if sender_id is not None else sorted(await self.conversations.member_ids(conversation_id))
        for message in await self.store.by_client_id(senders, reference, conversation_id):
            if message.conversation_id == conversation_id:
                return message
        by_id = await self._by_id(conversation_id, reference)
        if by_id is not None and sender_id in (None, by_id.sender_id):
            return by_id
        raise NotFound("message.not_found", "No such message in this conversation.")

    async def find_by_id(self, user: User, conversation_id: int, reference: str) -> Message:
        """A message of a conversation of the user's by the server's id only (a room's stanza-id),
        never by a client id, which its sender chooses."""
        await self.conversations.require_member(user.id, conversation_id)
        message = await self._by_id(conversation_id, reference)
        if message is None:
            raise NotFound("message.not_found", "No such message in this conversation.")
        return message

    async def _by_id(self, conversation_id: int, reference: str) -> Message | None:
        if not (reference.isascii() and reference.isdigit() and len(reference) < 20):
            return None
        message = await self.messages.get(int(reference))
        return message if message is not None and message.conversation_id == conversation_id else None

    def _check(self, paging: Paging) -> None:
        if not 1 <= paging.limit <= self.page_max:
            raise BadRequest("archive.limit", f"The page size is 1 to {self.page_max}.")
        if sum((paging.after is not None, paging.before is not None, paging.newest)) > 1:
            raise BadRequest("archive.cursor", "Give at most one of after, before and newest.")

    async def _check_cursor(self, entry_id: int, scope: list[int], *, changes: bool) -> None:
        """A page starts at a message of the scope, or at one of its changes when those are entries."""
        message = await self.messages.get(entry_id)
        if message is not None and message.conversation_id in scope:
            return
        change = await self.store.change_entry(entry_id) if changes and message is None else None
        if change is None or change.conversation_id not in scope:
            raise NotFound("archive.cursor_not_found", "No such message in your archive.")

    async def _direct_with(self, user: User, other_id: int) -> list[int]:
        key = ",".join(str(p) for p in sorted({user.id, other_id}))
        conversation = await self.conversations.store.get_direct(key)
        return [conversation.id] if conversation is not None else []


def _query(scope: list[int], match: ArchiveFilter, paging: Paging, changes: bool) -> ArchiveQuery:
    return ArchiveQuery(
        tuple(scope),
        match,
        after=paging.after,
        before=paging.before,
        newest=paging.newest,
        limit=paging.limit,
        with_changes=changes,
    )
