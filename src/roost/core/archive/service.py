"""Messages: sending, editing, deleting, reacting, history, search and catch-up."""

from __future__ import annotations

import asyncio
import functools
from dataclasses import dataclass
from datetime import timedelta

from roost.core.archive.mentions import mentioned_usernames
from roost.core.blocking.lists import Blocklists
from roost.core.clock import Clock
from roost.core.conversations.service import ConversationService
from roost.core.events import MessageCreated, MessageDeleted, MessageEdited, ReactionsChanged
from roost.core.files.service import FilesService
from roost.core.routing.service import Router
from roost.model.conversations import Role
from roost.model.errors import BadRequest, Conflict, Forbidden, NotFound, TooLarge
from roost.model.files import StoredFile
from roost.model.ids import IdGenerator
from roost.model.messages import Appended, HistoryPage, Message, MessageVersion, NewMessage, Payload, SearchQuery
from roost.model.users import User
from roost.store.protocols import MessageStore, SearchStore, UserStore

CLIENT_ID_MAX = 128
EMOJI_MAX = 64
NO_PAYLOAD = Payload()


@dataclass(frozen=True)
class ArchiveLimits:
    message_max_chars: int = 100_000
    page_max: int = 200
    search_max: int = 100
    extras_max_chars: int = 10 * 1024 * 1024  # a client's extra payload (XMPP: at most one stanza)
    encryption_max_chars: int = 64
    reactions_per_person: int = 20  # different reactions one person puts on one message
    deletion_reason_max_chars: int = 1000  # a room admin's reason for removing someone's message


def check_emoji(emoji: str) -> str:
    """A reaction: one emoji or short name, without spaces or control characters."""
    emoji = emoji.strip()
    if not emoji or len(emoji) > EMOJI_MAX or any(c.isspace() or ord(c) < 32 for c in emoji):
        raise BadRequest("reaction.emoji", "A reaction is one emoji or short name without spaces.")
    return emoji


@dataclass(frozen=True)
class ArchiveService:
    """Every message goes through here; it is stored before anyone is told of it."""

    messages: MessageStore
    searcher: SearchStore
    users: UserStore
    conversations: ConversationService
    router: Router
    ids: IdGenerator
    clock: Clock
    limits: ArchiveLimits = ArchiveLimits()
    files: FilesService | None = None
    blocks: Blocklists | None = None  # direct messages between people who block each other are refused

    def _check_body(self, body: str, *, with_files: bool = False) -> str:
        if not body.strip() and not with_files:
            raise BadRequest("message.empty", "The message is empty.")
        if len(body) > self.limits.message_max_chars:
            raise TooLarge(
                "message.too_long", f"The message is longer than {self.limits.message_max_chars} characters."
            )
        if "\x00" in body:
            raise BadRequest("message.nul", "The message contains a NUL character.")
        return body

    async def _mentions(self, conversation_id: int, body: str) -> tuple[int, ...]:
        if "@" not in body:
            return ()
        members = await self.conversations.member_ids(conversation_id)
        found: list[int] = []
        for name in mentioned_usernames(body):
            user = await self.users.get_by_username(name)
            if user is not None and user.id in members:
                found.append(user.id)
        return tuple(found)

    async def send(
        self,
        sender: User,
        conversation_id: int,
        body: str,
        *,
        client_id: str | None = None,
        reply_to: int | None = None,
        attachments: tuple[int, ...] = (),
        payload: Payload | None = None,
        origin: str | None = None,
    ) -> Appended:
        """Store a message (once per client id) and deliver it to every member's sessions
        (but the session `origin`, if given)."""
        stored = await self.submit(
            sender,
            conversation_id,
            body,
            client_id=client_id,
            reply_to=reply_to,
            attachments=attachments,
            payload=payload,
            origin=origin,
        )
        return self.check_stored(await stored, conversation_id)

    async def submit(
        self,
        sender: User,
        conversation_id: int,
        body: str,
        *,
        client_id: str | None = None,
        reply_to: int | None = None,
        attachments: tuple[int, ...] = (),
        origin: str | None = None,
        payload: Payload | None = None,
    ) -> asyncio.Future[Appended]:
        """Check a message and queue it for storage; the future resolves once it is committed.

        Lets a connection pipeline its messages: they are queued in the order submitted,
        and each is delivered to the members' sessions right at its commit, in commit order.
        The session `origin`, if given, gets no copy: its answer carries the message.
        A `payload` (what a client sent that the server does not interpret) is kept as is;
        an encrypted one may come without a body.
        """
        payload = self._check_payload(payload)
        body = self._check_body(body, with_files=bool(attachments) or payload.encryption is not None)
        if client_id is not None and (not 0 < len(client_id) <= CLIENT_ID_MAX or "\x00" in client_id):
            raise BadRequest("message.client_id", f"A client id has 1 to {CLIENT_ID_MAX} characters.")
        if not self._may_send_cached(sender.id, conversation_id):
            await self._check_may_send(sender, conversation_id)
        if reply_to is not None:
            await self._in_conversation(reply_to, conversation_id)
        files: tuple[StoredFile, ...] = ()
        if attachments:
            resent = await self._resent_with_files(sender, client_id, attachments)
            if resent is not None:
                done: asyncio.Future[Appended] = asyncio.get_running_loop().create_future()
                done.set_result(Appended(resent, created=False, event_id=0))
                return done
            files = await self._attachments(sender, conversation_id, attachments)
        mentions = await self._mentions(conversation_id, body) if "@" in body else ()
        recipients = self.conversations.cached_member_ids(conversation_id)
        if recipients is None:
            recipients = await self.conversations.member_ids(conversation_id)
        new = NewMessage(
            conversation_id,
            sender.id,
            client_id,
            body,
            reply_to,
            mentions,
            files,
            payload.extras,
            payload.encryption,
            payload.client_ref,
        )
        stored = self.messages.enqueue_append(new, message_id=self.ids.next_id(), now=self.clock.now())
        # A done-callback runs at the commit, before anyone awaiting the future resumes:
        # live events leave in commit order, and before the sender's ack.
        stored.add_done_callback(functools.partial(self._publish_created, recipients, origin))
        return stored

    def _may_send_cached(self, sender_id: int, conversation_id: int) -> bool:
        """True when the caches alone show the sender may write here (a member, not archived,
        no block): then a message costs no await for its checks. False: `_check_may_send`."""
        members = self.conversations.cached_member_ids(conversation_id)
        return (
            members is not None
            and sender_id in members
            and self.conversations.cached_writable(conversation_id)
            and (self.blocks is None or self.blocks.cached_clear(sender_id, members))
        )

    async def _check_may_send(self, sender: User, conversation_id: int) -> None:
        if not await self.conversations.is_member(sender.id, conversation_id):
            raise NotFound("conversation.not_found", "No such conversation.")
        await self.conversations.check_writable(conversation_id)
        await self._check_no_block(sender, conversation_id)

    async def _check_no_block(self, user: User, conversation_id: int) -> None:
        """A direct conversation between people who block each other takes no messages, and no
        edits or reactions either (they reach the other live as a message would)."""
        if self.blocks is not None:
            await self.blocks.check_conversation(user, conversation_id)

    def _check_payload(self, payload: Payload | None) -> Payload:
        if payload is None:
            return NO_PAYLOAD
        if payload.extras is not None and len(payload.extras) > self.limits.extras_max_chars:
            raise TooLarge("message.extras_too_large", "The message's payload is too large.")
        encryption = payload.encryption
        if encryption is not None and not 0 < len(encryption) <= self.limits.encryption_max_chars:
            raise BadRequest("message.encryption", "An encryption name has 1 to 64 characters.")
        ref = payload.client_ref
        if ref is not None and (not 0 < len(ref) <= CLIENT_ID_MAX or "\x00" in ref):
            raise BadRequest("message.client_ref", f"A client's id has 1 to {CLIENT_ID_MAX} characters.")
        return payload

    async def _resent_with_files(
        self, sender: User, client_id: str | None, file_ids: tuple[int, ...]
    ) -> Message | None:
        """A re-sent message whose files were taken by its first sending: the stored message."""
        if client_id is None or not file_ids or self.files is None:
            return None
        for message_id in await self.files.message_ids_of(file_ids):
            message = await self.messages.get(message_id)
            if message is not None and message.sender_id == sender.id and message.client_id == client_id:
                return message
        return None

    async def _attachments(
        self, sender: User, conversation_id: int, file_ids: tuple[int, ...]
    ) -> tuple[StoredFile, ...]:
        if not file_ids:
            return ()
        if self.files is None:
            raise BadRequest("message.attachments", "This server does not take files.")
        return await self.files.for_message(sender, conversation_id, file_ids)

    def _publish_created(
        self, recipients: frozenset[int], origin: str | None, stored: asyncio.Future[Appended]
    ) -> None:
        if stored.cancelled() or stored.exception() is not None:
            return
        appended = stored.result()
        if appended.created:
            self.router.send(MessageCreated(appended.message, appended.event_id), recipients, except_session=origin)

    @staticmethod
    def check_stored(appended: Appended, conversation_id: int) -> Appended:
        """A re-sent client id must name the same conversation."""
        if not appended.created and appended.message.conversation_id != conversation_id:
            raise Conflict("message.client_id_reused", "This client id was used for a message elsewhere.")
        return appended

    async def _in_conversation(self, message_id: int, conversation_id: int) -> Message:
        message = await self.messages.get(message_id)
        if message is None or message.conversation_id != conversation_id:
            raise NotFound("message.not_found", "No such message in this conversation.")
        return message

    async def _visible(self, user: User, message_id: int) -> Message:
        message = await self.messages.get(message_id)
        if message is None or not await self.conversations.is_member(user.id, message.conversation_id):
            raise NotFound("message.not_found", "No such message.")
        return message

    async def get(self, user: User, message_id: int) -> Message:
        return await self._visible(user, message_id)

    async def get_many(self, user: User, message_ids: list[int]) -> list[Message]:
        """The messages of these ids in the user's conversations, not deleted, oldest first."""
        found = []
        for message in await self.messages.get_many(message_ids):
            if not message.is_deleted and user.id in await self.conversations.member_ids(message.conversation_id):
                found.append(message)
        return sorted(found, key=lambda message: message.id)

    async def edit(
        self,
        user: User,
        message_id: int,
        body: str,
        *,
        payload: Payload | None = None,
        origin: str | None = None,
        client_ref: str | None = None,
        relayed: str | None = None,
    ) -> Message:
        """Replace a message's body (its sender only); earlier versions of the body are kept.
        A `payload` (an XMPP client's correction of an encrypted message) replaces the message's
        payload too; None keeps it. The session `origin`, if given (the one that made the
        change), gets no event of it. `client_ref` and `relayed` (the change as its client
        names it, and what it passes on live beside it) go with the live event only."""
        message = await self._visible(user, message_id)
        await self.conversations.check_writable(message.conversation_id)
        if message.sender_id != user.id:
            raise Forbidden("message.not_yours", "Only the sender can edit a message.")
        await self._check_no_block(user, message.conversation_id)
        if message.is_deleted:
            raise BadRequest("message.deleted", "A deleted message cannot be edited.")
        if payload is None and message.encryption is not None:
            raise BadRequest("message.encrypted", "An encrypted message is edited by a client that encrypts.")
        if payload is not None:
            payload = self._check_payload(payload)
        if relayed is not None and len(relayed) > self.limits.extras_max_chars:
            relayed = None  # passed on only, never kept: too much is left out, the edit stays
        if client_ref is not None and not 0 < len(client_ref) <= CLIENT_ID_MAX:
            client_ref = None
        encrypted = payload is not None and payload.encryption is not None
        body = self._check_body(body, with_files=bool(message.attachments) or encrypted)
        mentions = await self._mentions(message.conversation_id, body)
        recipients = await self.conversations.member_ids(message.conversation_id)
        event_id = self.ids.next_id()
        now = self.clock.now()
        edited = await self.messages.edit(message_id, body, mentions, event_id=event_id, now=now, payload=payload)
        event = MessageEdited(edited, event_id, client_ref=client_ref, relayed=relayed)
        self.router.send(event, recipients, except_session=origin)
        return edited

    async def delete(
        self, user: User, message_id: int, *, origin: str | None = None, reason: str | None = None
    ) -> Message:
        """Delete a message (its sender, or a room admin); a tombstone stays, naming who deleted
        it and the `reason` they gave (kept when they are not the sender). The session `origin`,
        if given, gets no event of it."""
        reason = (reason or "").strip() or None
        if reason is not None and len(reason) > self.limits.deletion_reason_max_chars:
            limit = self.limits.deletion_reason_max_chars
            raise BadRequest("message.reason_too_long", f"The reason is longer than {limit} characters.")
        message = await self._visible(user, message_id)
        await self.conversations.check_writable(message.conversation_id)
        if message.sender_id != user.id:
            member = await self.conversations.require_member(user.id, message.conversation_id)
            if member.role.rank < Role.ADMIN.rank:
                raise Forbidden("message.not_yours", "Only the sender or a room admin can delete a message.")
        if message.is_deleted:
            return message
        recipients = await self.conversations.member_ids(message.conversation_id)
        event_id = self.ids.next_id()
        reason = reason if message.sender_id != user.id else None  # a sender's own deletion needs none
        deleted = await self.messages.delete(
            message_id, actor_id=user.id, event_id=event_id, now=self.clock.now(), reason=reason
        )
        self.router.send(MessageDeleted(deleted, event_id), recipients, except_session=origin)
        return deleted

    async def react(self, user: User, message_id: int, emoji: str, *, add: bool) -> Message:
        changes = [(check_emoji(emoji), add)]
        return await self._react(user, await self._reactable(user, message_id), changes)

    async def set_reactions(
        self, user: User, message_id: int, emojis: list[str], *, origin: str | None = None
    ) -> Message:
        """Make `emojis` the user's whole set of reactions to a message (XEP-0444 sends sets); one event.
        The session `origin`, if given (the client that sent the set), is not told of it."""
        wanted = list(dict.fromkeys(check_emoji(emoji) for emoji in emojis))
        if len(wanted) > self.limits.reactions_per_person:
            raise BadRequest("reaction.many", f"At most {self.limits.reactions_per_person} reactions per message.")
        message = await self._reactable(user, message_id)
        had = {reaction.emoji for reaction in message.reactions if user.id in reaction.user_ids}
        changes = [(e, True) for e in wanted if e not in had] + [(e, False) for e in sorted(had - set(wanted))]
        return await self._react(user, message, changes, origin=origin)

    async def _reactable(self, user: User, message_id: int) -> Message:
        message = await self._visible(user, message_id)
        await self.conversations.check_writable(message.conversation_id)
        await self._check_no_block(user, message.conversation_id)
        if message.is_deleted:
            raise BadRequest("message.deleted", "You cannot react to a deleted message.")
        return message

    async def _react(
        self, user: User, message: Message, changes: list[tuple[str, bool]], *, origin: str | None = None
    ) -> Message:
        """Apply reaction changes; members are told once, of the final state."""
        recipients = await self.conversations.member_ids(message.conversation_id)
        last: tuple[Message, int] | None = None
        for emoji, add in changes:
            event_id = self.ids.next_id()
            changed = await self.messages.react(
                message.id, message.conversation_id, user.id, emoji, add=add, event_id=event_id
            )
            if changed is not None:
                last = (changed, event_id)
        if last is None:
            return message
        self.router.send(ReactionsChanged(last[0], last[1], user.id), recipients, except_session=origin)
        return last[0]

    async def expire(self, days: int) -> int:
        """Retention: remove messages older than `days` days (0 keeps everything); returns how many."""
        if days <= 0:
            return 0
        cutoff = self.clock.now() - timedelta(days=days)
        total = 0
        while removed := await self.messages.purge_before(cutoff):
            total += removed
        return total

    async def versions(self, user: User, message_id: int) -> list[MessageVersion]:
        await self._visible(user, message_id)
        return await self.messages.versions(message_id)

    async def history(
        self,
        user: User,
        conversation_id: int,
        *,
        before: int | None = None,
        after: int | None = None,
        around: int | None = None,
        limit: int = 50,
    ) -> HistoryPage:
        """A page of history; members only."""
        if sum(x is not None for x in (before, after, around)) > 1:
            raise BadRequest("history.cursor", "Give at most one of before, after and around.")
        if not 1 <= limit <= self.limits.page_max:
            raise BadRequest("history.limit", f"The page size is 1 to {self.limits.page_max}.")
        await self.conversations.require_member(user.id, conversation_id)
        return await self.messages.history(conversation_id, before=before, after=after, around=around, limit=limit)

    async def search(self, user: User, query: SearchQuery) -> list[Message]:
        """Full-text search, only ever in conversations the user is a member of."""
        if not query.text.strip():
            raise BadRequest("search.empty", "Give some text to search for.")
        if "\x00" in query.text:  # no message holds one, and full-text engines refuse it
            raise BadRequest("search.nul", "The search text contains a NUL character.")
        if not 1 <= query.limit <= self.limits.search_max:
            raise BadRequest("search.limit", f"The page size is 1 to {self.limits.search_max}.")
        mine = await self.conversations.store.conversation_ids_of(user.id)
        if query.conversation_ids:
            allowed = [c for c in query.conversation_ids if c in set(mine)]
            if len(allowed) != len(query.conversation_ids):
                raise NotFound("conversation.not_found", "No such conversation.")
            mine = allowed
        scoped = SearchQuery(
            text=query.text,
            conversation_ids=tuple(mine),
            sender_id=query.sender_id,
            since=query.since,
            until=query.until,
            limit=query.limit,
            before_id=query.before_id,
        )
        return await self.searcher.search(scoped)
