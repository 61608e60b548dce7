"""Typed domain events: what happened, delivered to sessions in their own protocol."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from roost.model.conversations import Conversation, Role
from roost.model.directory import Contact, SubscriptionKind
from roost.model.messages import Message
from roost.model.pep import PepItem
from roost.model.presence import Presence, ResourcePresence
from roost.model.users import User


@dataclass(frozen=True, slots=True)
class MessageCreated:
    message: Message
    event_id: int


@dataclass(frozen=True, slots=True)
class MessageEdited:
    message: Message
    event_id: int
    # Live only (a replay has neither): the name the editing client gave its change, and what it
    # asked to pass on with it to the others' clients (an XMPP receipt request), as for a message.
    client_ref: str | None = None
    relayed: str | None = None


@dataclass(frozen=True, slots=True)
class MessageDeleted:
    message: Message
    event_id: int


@dataclass(frozen=True, slots=True)
class ReactionsChanged:
    message: Message
    event_id: int
    user_id: int | None = None  # who reacted (XMPP sends that person's whole set, XEP-0444)


@dataclass(frozen=True, slots=True)
class ReadMarkerMoved:
    conversation_id: int
    user_id: int
    message_id: int
    event_id: int


@dataclass(frozen=True, slots=True)
class ConversationChanged:
    conversation: Conversation
    change: Literal["created", "updated"]
    event_id: int
    actor_id: int | None = None  # who made or changed it (None: an admin tool)


@dataclass(frozen=True, slots=True)
class MembershipChanged:
    conversation_id: int
    user_id: int
    role: Role | None
    change: Literal["added", "removed", "updated"]
    event_id: int
    actor_id: int | None = None  # who made the change (None: an admin tool, or replayed from the log)
    origin: str | None = None  # the session that made it, when it tells the people concerned itself


@dataclass(frozen=True, slots=True)
class PresenceChanged:
    presence: Presence


@dataclass(frozen=True, slots=True)
class ResourcePresenceChanged:
    """One resource of a person changed presence (XMPP clients see each resource; the web's
    sessions of a person are one resource). The per-person aggregate is `PresenceChanged`."""

    presence: ResourcePresence


@dataclass(frozen=True, slots=True)
class DirectedPresence:
    """Presence a person sent to one other person (RFC 6121 §4.6), outside their subscriptions:
    to `to_resource` only, or to every resource when None."""

    presence: ResourcePresence
    to_user_id: int
    to_resource: str | None


@dataclass(frozen=True, slots=True)
class ContactChanged:
    """A roster item of `owner_id` was added, changed (`contact`) or removed (`removed`);
    `version` names the roster after the change (RFC 6121 §2.6 roster versioning)."""

    owner_id: int
    contact: Contact
    removed: bool
    version: str


@dataclass(frozen=True, slots=True)
class SubscriptionSent:
    """A subscription request or answer (RFC 6121 §3) from one person to another."""

    from_user_id: int
    to_user_id: int
    kind: SubscriptionKind


@dataclass(frozen=True, slots=True)
class PresenceAccessChanged:
    """`watcher_id` now sees (granted) or no longer sees `owner_id`'s presence: the
    watcher's clients get the owner's current presence, or its end."""

    watcher_id: int
    owner_id: int
    granted: bool


@dataclass(frozen=True, slots=True)
class TypingChanged:
    conversation_id: int
    user_id: int
    active: bool


@dataclass(frozen=True, slots=True)
class PayloadRelayed:
    """A payload without a message (a receipt, call signalling, a key transport) passed to a
    conversation's members' sessions, not stored (in a room, XMPP shows it to the occupants).
    `payload` is what the client sent (XML for XMPP); the resources say which session sent it
    and which one it was addressed to (None: any)."""

    conversation_id: int
    sender_id: int
    payload: str
    kind: str  # the stanza type: chat or normal (groupchat in a room)
    stanza_id: str | None
    sender_resource: str | None
    to_resource: str | None
    private: bool = False  # no copies to the sender's other sessions


@dataclass(frozen=True, slots=True)
class PepChanged:
    """A person's PEP node changed: an item published (`item`) or retracted (`item_id`), or the node deleted."""

    owner_id: int
    node: str
    change: Literal["published", "retracted", "deleted"]
    item: PepItem | None = None
    item_id: str | None = None


AccountChangeKind = Literal[
    "created", "renamed", "profile", "avatar", "admin", "disabled", "enabled", "deleted", "groups"
]


@dataclass(frozen=True, slots=True)
class UserChanged:
    """An account changed, as `change` says; `user` is the account now (disabled for "deleted")."""

    user: User
    change: AccountChangeKind = "profile"


@dataclass(frozen=True, slots=True)
class MuteChanged:
    """`user_id` muted (or unmuted) a conversation; for that person's own sessions only."""

    conversation_id: int
    user_id: int
    muted: bool


@dataclass(frozen=True, slots=True)
class BlocklistChanged:
    """`owner_id` blocked (or unblocked) these people; for the owner's sessions."""

    owner_id: int
    user_ids: tuple[int, ...]
    blocked: bool


@dataclass(frozen=True, slots=True)
class SessionsRevoked:
    """Close live sessions of `user_id`: all of them, or those of one token."""

    user_id: int
    token_id: int | None
    reason: str


DurableEvent = (
    MessageCreated
    | MessageEdited
    | MessageDeleted
    | ReactionsChanged
    | ReadMarkerMoved
    | ConversationChanged
    | MembershipChanged
)
Event = (
    DurableEvent
    | PresenceChanged
    | TypingChanged
    | PayloadRelayed
    | PepChanged
    | UserChanged
    | BlocklistChanged
    | MuteChanged
    | SessionsRevoked
    | ResourcePresenceChanged
    | DirectedPresence
    | ContactChanged
    | SubscriptionSent
    | PresenceAccessChanged
)
# Events only XMPP clients are given (the JSON API shows the per-person aggregate).
XMPP_ONLY = (ResourcePresenceChanged, DirectedPresence, ContactChanged, SubscriptionSent, PresenceAccessChanged)
