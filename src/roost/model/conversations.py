"""Direct conversations and group rooms."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class ConversationKind(StrEnum):
    DIRECT = "direct"
    ROOM = "room"


class Visibility(StrEnum):
    OPEN = "open"  # any member of the organisation may find and join it
    INVITE = "invite"  # members are added by its admins


class Role(StrEnum):
    OWNER = "owner"
    ADMIN = "admin"
    MEMBER = "member"

    @property
    def rank(self) -> int:
        return {"owner": 3, "admin": 2, "member": 1}[self.value]


@dataclass(frozen=True, slots=True)
class Conversation:
    """A place where messages are exchanged."""

    id: int
    kind: ConversationKind
    name: str
    topic: str
    visibility: Visibility
    is_archived: bool
    created_by: int | None
    created_at: datetime
    last_message_id: int
    address: str | None = None  # a room's own name in addresses (XMPP room JIDs); None: its id


@dataclass(frozen=True, slots=True)
class Member:
    """A user's membership of a conversation."""

    conversation_id: int
    user_id: int
    role: Role
    last_read_id: int


@dataclass(frozen=True, slots=True)
class ConversationSummary:
    """A conversation as one member sees it in their list."""

    conversation: Conversation
    role: Role
    last_read_id: int
    unread: int
    mentions: int
    member_count: int
    member_ids: tuple[int, ...]  # both people of a direct conversation; empty for rooms
    muted: bool = False  # the member asked for no notifications from it


@dataclass(frozen=True, slots=True)
class RoomListing:
    """A room as the admin console lists it."""

    conversation: Conversation
    member_count: int


@dataclass(frozen=True, slots=True)
class NewRoom:
    name: str
    topic: str = ""
    visibility: Visibility = Visibility.INVITE
    address: str | None = None
