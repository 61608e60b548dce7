"""Small helpers that put rows in through the stores themselves."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from roost.model.conversations import Conversation, ConversationKind, Role, Visibility
from roost.model.ids import IdGenerator
from roost.model.messages import Message, NewMessage
from roost.model.users import Credentials, NewUser, ScramKeys, User
from roost.store.sql.stores import SqlStores

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def credentials(seed: int = 1) -> Credentials:
    """Distinct, recognisable bytes in every field (including a NUL and a high byte)."""
    return Credentials(
        argon2_hash=f"$argon2id$v=19$m=65536,t=3,p=4$c2FsdA${seed}",
        scram_sha1=ScramKeys(bytes([seed, 0, 255]) * 5 + b"\x01", 4096, bytes([seed]) * 20, bytes([seed, 1]) * 10),
        scram_sha256=ScramKeys(bytes([seed, 2]) * 8, 10000, bytes([seed, 3]) * 16, bytes([seed, 4]) * 16),
    )


@dataclass
class World:
    """Makes users, conversations and messages with fresh ids."""

    stores: SqlStores
    ids: IdGenerator = field(default_factory=IdGenerator)

    def next_id(self) -> int:
        return self.ids.next_id()

    async def user(self, username: str, **fields: object) -> User:
        new = NewUser(username=username, **fields)  # type: ignore[arg-type]
        return await self.stores.users.create(new, credentials(), NOW)

    async def room(
        self,
        owner: User,
        *others: User,
        name: str = "room",
        visibility: Visibility = Visibility.INVITE,
        is_archived: bool = False,
        address: str | None = None,
    ) -> Conversation:
        conversation = Conversation(
            id=self.next_id(),
            kind=ConversationKind.ROOM,
            name=name,
            topic="",
            visibility=visibility,
            is_archived=is_archived,
            created_by=owner.id,
            created_at=NOW,
            last_message_id=0,
            address=address,
        )
        members = [(owner.id, Role.OWNER)] + [(u.id, Role.MEMBER) for u in others]
        return await self.stores.conversations.create(conversation, members, direct_key=None, event_id=self.next_id())

    async def direct(self, a: User, b: User) -> Conversation:
        conversation = Conversation(
            id=self.next_id(),
            kind=ConversationKind.DIRECT,
            name="",
            topic="",
            visibility=Visibility.INVITE,
            is_archived=False,
            created_by=a.id,
            created_at=NOW,
            last_message_id=0,
        )
        key = ",".join(str(i) for i in sorted((a.id, b.id)))
        members = [(a.id, Role.MEMBER), (b.id, Role.MEMBER)]
        return await self.stores.conversations.create(conversation, members, direct_key=key, event_id=self.next_id())

    async def send(
        self,
        conversation: Conversation | int,
        sender: User,
        body: str,
        *,
        client_id: str | None = None,
        mentions: tuple[int, ...] = (),
        now: datetime = NOW,
    ) -> Message:
        conversation_id = conversation if isinstance(conversation, int) else conversation.id
        new = NewMessage(conversation_id, sender.id, client_id, body, None, mentions)
        appended = await self.stores.messages.append(new, message_id=self.next_id(), now=now)
        return appended.message
