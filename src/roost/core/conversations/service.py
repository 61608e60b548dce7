"""Direct conversations and group rooms: membership, roles, settings, read markers, typing."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from roost.core.clock import Clock
from roost.core.events import (
    ConversationChanged,
    DurableEvent,
    MembershipChanged,
    MuteChanged,
    ReadMarkerMoved,
    TypingChanged,
)
from roost.core.routing.service import Router
from roost.model.conversations import (
    Conversation,
    ConversationKind,
    ConversationSummary,
    Member,
    NewRoom,
    Role,
    RoomListing,
    Visibility,
)
from roost.model.errors import BadRequest, Conflict, Forbidden, NotFound
from roost.model.ids import IdGenerator
from roost.model.users import User
from roost.store.protocols import ConversationStore, UserStore

if TYPE_CHECKING:
    from roost.core.blocking.lists import Blocklists

NAME_MAX = 200
MEMBER_CACHE_SECONDS = 5.0
DIRECT_CACHE_MAX = 100_000
TOPIC_MAX = 2000
MEMBERS_PER_CALL_MAX = 500
ADDRESS = re.compile(r"[a-z][a-z0-9._-]{0,63}")


def check_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > NAME_MAX:
        raise BadRequest("room.name", f"A room name has 1 to {NAME_MAX} characters.")
    if any(ord(c) < 32 for c in name):
        raise BadRequest("room.name_char", "A room name may not contain control characters.")
    return name


def check_address(address: str) -> str:
    """A room address: 1 to 64 of a-z, 0-9, '.', '-', '_', from a letter (so never an id)."""
    if not ADDRESS.fullmatch(address):
        raise BadRequest("room.address", "A room address is 1 to 64 of a-z, 0-9, '.', '-', '_', from a letter.")
    return address


def check_topic(topic: str) -> str:
    if len(topic) > TOPIC_MAX:
        raise BadRequest("room.topic", f"A topic has at most {TOPIC_MAX} characters.")
    if "\x00" in topic:  # PostgreSQL cannot store it; SQLite would
        raise BadRequest("room.topic_char", "A topic may not contain a NUL character.")
    return topic.strip()


@dataclass
class ConversationService:
    """The rules of who is in which conversation and who may change it."""

    store: ConversationStore
    users: UserStore
    router: Router
    ids: IdGenerator
    clock: Clock
    _members: dict[int, tuple[frozenset[int], float]] = field(default_factory=dict)
    _archived: dict[int, tuple[bool, float]] = field(default_factory=dict)
    _directs: dict[str, int] = field(default_factory=dict)
    _direct_ids: set[int] = field(default_factory=set)  # members fixed, never archived: cached for good
    blocks: Blocklists | None = None  # set once made (it reads conversations): typing between blockers

    def _fresh(self, conversation_id: int, stamp: float) -> bool:
        return conversation_id in self._direct_ids or self.clock.monotonic() - stamp < MEMBER_CACHE_SECONDS

    async def member_ids(self, conversation_id: int) -> frozenset[int]:
        """Members of a conversation, from a cache that changes here keep exact.

        Entries also expire after MEMBER_CACHE_SECONDS, so changes made by another
        process (the admin CLI, another node) show up within that time.
        """
        cached = self._members.get(conversation_id)
        if cached is not None and self._fresh(conversation_id, cached[1]):
            return cached[0]
        members = frozenset(m.user_id for m in await self.store.members(conversation_id))
        self._remember(conversation_id, members)
        return members

    def cached_member_ids(self, conversation_id: int) -> frozenset[int] | None:
        """`member_ids` when the cache holds a fresh entry, else None (no await: the send path)."""
        cached = self._members.get(conversation_id)
        if cached is not None and self._fresh(conversation_id, cached[1]):
            return cached[0]
        return None

    def cached_writable(self, conversation_id: int) -> bool:
        """True when the cache knows the conversation is not archived (False: ask `check_writable`)."""
        if conversation_id in self._direct_ids:
            return True
        cached = self._archived.get(conversation_id)
        return cached is not None and not cached[0] and self.clock.monotonic() - cached[1] < MEMBER_CACHE_SECONDS

    def _remember(self, conversation_id: int, members: frozenset[int]) -> None:
        self._members[conversation_id] = (members, self.clock.monotonic())

    async def is_member(self, user_id: int, conversation_id: int) -> bool:
        """Whether the user is a member now; a cache miss is checked against the store."""
        if user_id in await self.member_ids(conversation_id):
            return True
        self._members.pop(conversation_id, None)
        return user_id in await self.member_ids(conversation_id)

    async def check_writable(self, conversation_id: int) -> None:
        """Archived rooms are read-only (BadRequest); cached like memberships."""
        if conversation_id in self._direct_ids:
            return
        cached = self._archived.get(conversation_id)
        if cached is None or self.clock.monotonic() - cached[1] >= MEMBER_CACHE_SECONDS:
            conversation = await self.store.get(conversation_id)
            cached = (conversation is not None and conversation.is_archived, self.clock.monotonic())
            self._archived[conversation_id] = cached
        if cached[0]:
            raise BadRequest("conversation.archived", "This room is archived: unarchive it to write here again.")

    def forget_user(self, user_id: int) -> None:
        for key in [k for k, (v, _) in self._members.items() if user_id in v]:
            del self._members[key]

    async def require_member(self, user_id: int, conversation_id: int) -> Member:
        """The caller's membership, or NotFound: non-members cannot tell it exists."""
        member = await self.store.member(conversation_id, user_id)
        if member is None:
            raise NotFound("conversation.not_found", "No such conversation.")
        return member

    async def _require_role(self, user_id: int, conversation_id: int, role: Role) -> Member:
        member = await self.require_member(user_id, conversation_id)
        if member.role.rank < role.rank:
            raise Forbidden("room.role", f"Only a room {role.value} may do this.")
        return member

    async def get(self, user: User, conversation_id: int) -> Conversation:
        conversation = await self.store.get(conversation_id)
        if conversation is None or not await self._may_see(user, conversation):
            raise NotFound("conversation.not_found", "No such conversation.")
        return conversation

    async def room_by_address(self, user: User, address: str) -> Conversation:
        """The room with this address, if the user may see it (NotFound otherwise, as by id)."""
        room = await self.store.room_by_address(address)
        if room is None or not await self._may_see(user, room):
            raise NotFound("conversation.not_found", "No such room.")
        return room

    async def _may_see(self, user: User, conversation: Conversation) -> bool:
        if conversation.kind is ConversationKind.ROOM and conversation.visibility is Visibility.OPEN:
            return True
        return await self.is_member(user.id, conversation.id)

    async def _room(self, conversation_id: int) -> Conversation:
        conversation = await self.store.get(conversation_id)
        if conversation is None or conversation.kind is not ConversationKind.ROOM:
            raise NotFound("conversation.not_found", "No such room.")
        return conversation

    async def create_room(self, creator: User, room: NewRoom, member_ids: list[int] | None = None) -> Conversation:
        others = await self._existing_users(member_ids or [])
        await self._check_no_blocks(creator.id, others)
        conversation = Conversation(
            id=self.ids.next_id(),
            kind=ConversationKind.ROOM,
            name=check_name(room.name),
            topic=check_topic(room.topic),
            visibility=room.visibility,
            is_archived=False,
            created_by=creator.id,
            created_at=self.clock.now(),
            last_message_id=0,
            address=None if room.address is None else check_address(room.address),
        )
        members = [(creator.id, Role.OWNER)] + [(u, Role.MEMBER) for u in others if u != creator.id]
        return await self._create(conversation, members, None)

    async def _create(
        self, conversation: Conversation, members: list[tuple[int, Role]], key: str | None
    ) -> Conversation:
        recipients = frozenset(user_id for user_id, _ in members)
        event_id = self.ids.next_id()
        await self.store.create(conversation, members, direct_key=key, event_id=event_id)
        # Publish right after the commit, with nothing awaited in between: events go out in commit order.
        self._remember(conversation.id, recipients)
        self.router.send(ConversationChanged(conversation, "created", event_id), recipients)
        return conversation

    async def _check_no_blocks(self, actor_id: int, user_ids: list[int]) -> None:
        """Nobody is put in a room (and told so) by someone they block or who blocks them."""
        if self.blocks is not None:
            for user_id in user_ids:
                await self.blocks.check_may_write(actor_id, user_id)

    async def _existing_users(self, user_ids: list[int] | tuple[int, ...]) -> list[int]:
        wanted = list(dict.fromkeys(user_ids))
        if len(wanted) > MEMBERS_PER_CALL_MAX:
            raise BadRequest("room.members_many", f"Add at most {MEMBERS_PER_CALL_MAX} members at once.")
        found = {u.id for u in await self.users.get_many(wanted) if not u.is_disabled}
        missing = [u for u in wanted if u not in found]
        if missing:
            raise NotFound("user.not_found", f"No such user: {missing[0]}.")
        return wanted

    def cached_direct_id(self, user_id: int, other_id: int) -> int | None:
        """`direct_id` when it is cached (no await), else None."""
        return self._directs.get(_direct_key(user_id, other_id))

    async def direct_id(self, user: User, other_id: int) -> int:
        """The id of `open_direct`'s conversation, cached: a direct conversation's two
        members never change. The caller has checked that the other person is active."""
        cached = self.cached_direct_id(user.id, other_id)
        return cached if cached is not None else (await self.open_direct(user, other_id)).id

    async def open_direct(self, user: User, other_id: int) -> Conversation:
        """The one direct conversation between two people, made on first use."""
        await self._existing_users([other_id])
        pair = sorted({user.id, other_id})
        key = _direct_key(user.id, other_id)
        existing = await self.store.get_direct(key)
        if existing is not None:
            self._remember_direct(key, existing.id)
            return existing
        conversation = Conversation(
            id=self.ids.next_id(),
            kind=ConversationKind.DIRECT,
            name="",
            topic="",
            visibility=Visibility.INVITE,
            is_archived=False,
            created_by=user.id,
            created_at=self.clock.now(),
            last_message_id=0,
        )
        try:
            created = await self._create(conversation, [(p, Role.MEMBER) for p in pair], key)
        except Conflict:  # made at the same moment by another request (the web and an XMPP message)
            existing = await self.store.get_direct(key)
            if existing is None:
                raise
            created = existing
        self._remember_direct(key, created.id)
        return created

    def _remember_direct(self, key: str, conversation_id: int) -> None:
        if len(self._directs) >= DIRECT_CACHE_MAX:
            self._directs.clear()
            self._direct_ids.clear()
        self._directs[key] = conversation_id
        self._direct_ids.add(conversation_id)

    async def list_for(self, user: User) -> list[ConversationSummary]:
        return await self.store.summaries(user.id)

    async def open_rooms(self, text: str, limit: int) -> list[Conversation]:
        return await self.store.open_rooms(text.strip(), limit)

    async def members(self, user: User, conversation_id: int) -> list[Member]:
        conversation = await self.get(user, conversation_id)
        return await self.store.members(conversation.id)

    async def join(self, user: User, conversation_id: int) -> Member:
        """Join an open room."""
        room = await self._room(conversation_id)
        if room.visibility is not Visibility.OPEN and not await self.is_member(user.id, room.id):
            raise NotFound("conversation.not_found", "No such room.")
        await self._set_member(room.id, user.id, Role.MEMBER, only_new=True, actor_id=user.id)
        return await self.require_member(user.id, room.id)

    async def invite(
        self, actor: User, conversation_id: int, user_ids: list[int], *, origin: str | None = None
    ) -> None:
        """Add people: any member of an open room, admins of an invite-only one. The session
        `origin`, if given, sends its own invitations (an XMPP client's)."""
        room = await self._room(conversation_id)
        needed = Role.MEMBER if room.visibility is Visibility.OPEN else Role.ADMIN
        await self._require_role(actor.id, room.id, needed)
        invited = await self._existing_users(user_ids)
        await self._check_no_blocks(actor.id, invited)
        for user_id in invited:
            await self._set_member(room.id, user_id, Role.MEMBER, only_new=True, actor_id=actor.id, origin=origin)

    async def add_member(self, conversation_id: int, user_id: int) -> None:
        """Admin-side add (directory groups' default rooms), without a caller's role check."""
        await self._set_member(conversation_id, user_id, Role.MEMBER, only_new=True)

    async def set_role(self, actor: User, conversation_id: int, user_id: int, role: Role) -> None:
        room = await self._room(conversation_id)
        me = await self._require_role(actor.id, room.id, Role.ADMIN)
        target = await self.store.member(room.id, user_id)
        if target is None:
            raise NotFound("room.member_not_found", "That person is not a member of this room.")
        if role.rank > me.role.rank or target.role.rank > me.role.rank:
            raise Forbidden("room.role", "You cannot give or change a role above your own.")
        if target.role is Role.OWNER and role is not Role.OWNER:
            await self._keep_an_owner(room.id, user_id)
        await self._set_member(room.id, user_id, role, only_new=False, actor_id=actor.id)

    async def _set_member(
        self,
        conversation_id: int,
        user_id: int,
        role: Role,
        *,
        only_new: bool,
        actor_id: int | None = None,
        origin: str | None = None,
    ) -> None:
        if only_new and await self.is_member(user_id, conversation_id):
            return
        before = await self.member_ids(conversation_id)
        change: Literal["added", "updated"] = "updated" if user_id in before else "added"
        recipients = before | {user_id}
        event_id = self.ids.next_id()
        if await self.store.set_member(conversation_id, user_id, role, event_id=event_id):
            self._remember(conversation_id, recipients)
            changed = MembershipChanged(conversation_id, user_id, role, change, event_id, actor_id, origin)
            self.router.send(changed, recipients)

    async def tell_made_elsewhere(self, events: list[DurableEvent]) -> None:
        """Room changes another process (the admin CLI) committed: this process's caches of
        those rooms are dropped, and their members' live sessions told (a removed person too)."""
        for event in events:
            if isinstance(event, MembershipChanged):
                conversation_id, also = event.conversation_id, frozenset({event.user_id})
            elif isinstance(event, ConversationChanged):
                conversation_id, also = event.conversation.id, frozenset()
            else:
                continue
            self._members.pop(conversation_id, None)
            self._archived.pop(conversation_id, None)
            self.router.send(event, await self.member_ids(conversation_id) | also)

    async def remove(self, actor: User, conversation_id: int, user_id: int) -> None:
        """Remove someone (room admins), or leave (anyone, for themselves)."""
        room = await self._room(conversation_id)
        if user_id == actor.id:
            member = await self.require_member(actor.id, room.id)
        else:
            me = await self._require_role(actor.id, room.id, Role.ADMIN)
            member = await self.require_member(user_id, room.id)
            if member.role.rank > me.role.rank:
                raise Forbidden("room.role", "You cannot remove someone whose role is above yours.")
        if member.role is Role.OWNER:
            await self._keep_an_owner(room.id, user_id)
        await self.drop_member(room.id, user_id)

    async def drop_member(self, conversation_id: int, user_id: int) -> None:
        """Take someone out of a conversation (rules already checked); members and they are told."""
        before = await self.member_ids(conversation_id) | {user_id}
        event_id = self.ids.next_id()
        if await self.store.remove_member(conversation_id, user_id, event_id=event_id):
            self._remember(conversation_id, before - {user_id})
            self.router.send(MembershipChanged(conversation_id, user_id, None, "removed", event_id), before)

    async def _keep_an_owner(self, conversation_id: int, leaving: int) -> None:
        owners = [m for m in await self.store.members(conversation_id) if m.role is Role.OWNER]
        if [m.user_id for m in owners] == [leaving] and len(await self.member_ids(conversation_id)) > 1:
            raise BadRequest("room.last_owner", "Make someone else owner first.")

    async def update(self, actor: User, conversation_id: int, **changes: Any) -> Conversation:
        """Rename, change the topic or visibility, archive or unarchive a room (its admins)."""
        room = await self._room(conversation_id)
        await self._require_role(actor.id, room.id, Role.ADMIN)
        values: dict[str, Any] = {}
        if changes.get("name") is not None:
            values["name"] = check_name(changes["name"])
        if changes.get("topic") is not None:
            values["topic"] = check_topic(changes["topic"])
        if changes.get("visibility") is not None:
            values["visibility"] = Visibility(changes["visibility"]).value
        if changes.get("is_archived") is not None:
            values["is_archived"] = bool(changes["is_archived"])
        if not values:
            return room
        recipients = await self.member_ids(room.id)
        event_id = self.ids.next_id()
        updated = await self.store.update(room.id, event_id, actor.id, **values)
        self._archived[room.id] = (updated.is_archived, self.clock.monotonic())
        self.router.send(ConversationChanged(updated, "updated", event_id, actor.id), recipients)
        return updated

    async def mark_read(self, user: User, conversation_id: int, message_id: int, *, origin: str | None = None) -> bool:
        """Move the user's read marker; every member's sessions learn it (for "seen by"), but the
        session `origin`, if given (the client that sent the marker)."""
        await self.require_member(user.id, conversation_id)
        conversation = await self.store.get(conversation_id)
        if conversation is None or message_id > conversation.last_message_id:
            # the marker only moves forward: one past the last message would hide every later one
            raise NotFound("message.not_found", "No such message in this conversation.")
        recipients = await self.member_ids(conversation_id)
        event_id = self.ids.next_id()
        moved = await self.store.set_last_read(conversation_id, user.id, message_id, event_id=event_id)
        if moved:
            event = ReadMarkerMoved(conversation_id, user.id, message_id, event_id)
            self.router.send(event, recipients, except_session=origin)
        return moved

    async def set_muted(self, user: User, conversation_id: int, muted: bool) -> None:
        """Mute or unmute a conversation for this member only (their clients stop notifying);
        their other sessions learn it at once, nobody else does."""
        if not await self.store.set_muted(conversation_id, user.id, muted):
            raise NotFound("conversation.not_found", "No such conversation.")
        self.router.send(MuteChanged(conversation_id, user.id, muted), frozenset([user.id]))

    async def rooms(self, text: str, limit: int) -> list[RoomListing]:
        """Every room with its member count; callers check that the asker is an admin."""
        return await self.store.rooms(text.strip(), limit)

    async def set_typing(self, user: User, conversation_id: int, active: bool) -> None:
        if not await self.is_member(user.id, conversation_id):
            raise NotFound("conversation.not_found", "No such conversation.")
        if self.blocks is not None:
            try:
                await self.blocks.check_conversation(user, conversation_id)
            except Forbidden:
                return  # between people who block each other: dropped silently (as XMPP chat states)
        recipients = await self.member_ids(conversation_id)
        self.router.send(TypingChanged(conversation_id, user.id, active), recipients)


def _direct_key(a: int, b: int) -> str:
    """The store's key of the direct conversation of two people (or of one with themself)."""
    return f"{a},{b}" if a < b else f"{b},{a}" if b < a else str(a)
