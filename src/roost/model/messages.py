"""Messages, their history and reactions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from roost.model.files import StoredFile


@dataclass(frozen=True, slots=True)
class Reaction:
    emoji: str
    user_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Message:
    """One message as stored: `id` sorts by time and is the cursor everywhere."""

    id: int
    conversation_id: int
    sender_id: int
    client_id: str | None
    body: str
    created_at: datetime
    edited_at: datetime | None = None
    deleted_at: datetime | None = None
    reply_to: int | None = None
    mentions: tuple[int, ...] = ()
    reactions: tuple[Reaction, ...] = ()
    attachments: tuple[StoredFile, ...] = ()
    extras: str | None = None  # payload elements a client sent that the server does not interpret (XML)
    encryption: str | None = None  # end-to-end encryption of the payload: "omemo", "omemo:2", "openpgp", ...
    deleted_by: int | None = None  # who deleted it: its sender, or a room admin (a moderator)
    deletion_reason: str | None = None  # the reason a room admin gave, if any
    client_ref: str | None = None  # the id its sender's client knows it by, when that is no client_id

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def client_key(self) -> str | None:
        """What its sender's transport remembered how it was sent by: the client id, else the ref."""
        return self.client_id or self.client_ref

    @property
    def reference(self) -> str:
        """The id clients know the message by: the one its sender's client gave, else the server's."""
        return self.client_ref or self.client_id or str(self.id)

    @property
    def is_moderated(self) -> bool:
        """Deleted by someone other than its sender (a room admin)."""
        return self.deleted_by is not None and self.deleted_by != self.sender_id


@dataclass(frozen=True, slots=True)
class Payload:
    """What a client sent beside the body that the server keeps without interpreting it.

    `extras` is serialised XML (for XMPP clients); `encryption` names the end-to-end
    encryption of the content ("omemo", "omemo:2", "openpgp", "pgp", "otr", ...), when
    the body is only a fallback text; `client_ref` is the id the client knows the message
    by when it is no de-duplication key (an XMPP stanza id without an origin-id).
    """

    extras: str | None = None
    encryption: str | None = None
    client_ref: str | None = None


@dataclass(frozen=True, slots=True)
class NewMessage:
    """A message the core has checked and is about to store."""

    conversation_id: int
    sender_id: int
    client_id: str | None
    body: str
    reply_to: int | None = None
    mentions: tuple[int, ...] = ()
    attachments: tuple[StoredFile, ...] = ()
    extras: str | None = None
    encryption: str | None = None
    client_ref: str | None = None  # an id the sender's client gave that is no de-duplication key


@dataclass(frozen=True, slots=True)
class MessageVersion:
    """An earlier body of an edited message."""

    message_id: int
    body: str
    replaced_at: datetime


@dataclass(frozen=True, slots=True)
class Appended:
    """The result of storing a message: `created` is False for a re-sent duplicate."""

    message: Message
    created: bool
    event_id: int


@dataclass(frozen=True, slots=True)
class HistoryPage:
    """Messages in ascending id order, with whether more exist on each side."""

    messages: tuple[Message, ...]
    has_before: bool
    has_after: bool


@dataclass(frozen=True, slots=True)
class SearchQuery:
    text: str
    conversation_ids: tuple[int, ...] = ()
    sender_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 50
    before_id: int | None = None  # the next page: results older than this message


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One row of the durable event log that reconnecting clients replay."""

    id: int
    kind: str
    conversation_id: int | None
    user_id: int | None
    ref_id: int | None
    data: dict[str, str] = field(default_factory=dict)
