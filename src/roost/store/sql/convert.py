"""Row <-> model conversions shared by the SQL stores."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.dialects import sqlite

from roost.model.conversations import Conversation, ConversationKind, Member, Role, Visibility
from roost.model.files import StoredFile
from roost.model.messages import Message, Reaction
from roost.model.users import User


def _sqlite_time_processors() -> tuple[Callable[[Any], Any], Callable[[Any], Any]]:
    """SQLAlchemy's own DateTime conversions on SQLite, for the reads and writes made on the
    sqlite3 connection itself: a row reads the same by either path."""
    dialect = sqlite.dialect()
    kind = DateTime(timezone=True).dialect_impl(dialect)
    to_text, from_text = kind.bind_processor(dialect), kind.result_processor(dialect, None)
    assert to_text is not None and from_text is not None
    return to_text, from_text


sqlite_time_text, sqlite_text_time = _sqlite_time_processors()


def utc(value: datetime | None) -> datetime | None:
    """SQLite gives naive datetimes back; every stored time is UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def utc_required(value: datetime) -> datetime:
    result = utc(value)
    assert result is not None
    return result


def user_from_row(row: Any) -> User:
    return User(
        id=row.id,
        username=row.username,
        display_name=row.display_name,
        title=row.title,
        department=row.department,
        is_admin=bool(row.is_admin),
        is_disabled=bool(row.is_disabled),
        created_at=utc_required(row.created_at),
        last_seen_at=utc(row.last_seen_at),
        avatar=row.avatar_sha1,
    )


def conversation_from_row(row: Any) -> Conversation:
    return Conversation(
        id=row.id,
        kind=ConversationKind(row.kind),
        name=row.name,
        topic=row.topic,
        visibility=Visibility(row.visibility),
        is_archived=bool(row.is_archived),
        created_by=row.created_by,
        created_at=utc_required(row.created_at),
        last_message_id=row.last_message_id,
        address=row.address,
    )


def member_from_row(row: Any) -> Member:
    return Member(
        conversation_id=row.conversation_id, user_id=row.user_id, role=Role(row.role), last_read_id=row.last_read_id
    )


def encode_ids(values: tuple[int, ...]) -> str:
    return ",".join(str(v) for v in values)


def decode_ids(text: str) -> tuple[int, ...]:
    return tuple(int(v) for v in text.split(",") if v)


def message_from_row(
    row: Any, reactions: tuple[Reaction, ...] = (), attachments: tuple[StoredFile, ...] = ()
) -> Message:
    return Message(
        id=row.id,
        conversation_id=row.conversation_id,
        sender_id=row.sender_id,
        client_id=row.client_id,
        body=row.body,
        created_at=utc_required(row.created_at),
        edited_at=utc(row.edited_at),
        deleted_at=utc(row.deleted_at),
        reply_to=row.reply_to,
        mentions=decode_ids(row.mentions),
        reactions=reactions,
        attachments=attachments,
        extras=row.extras,
        encryption=row.encryption,
        deleted_by=row.deleted_by,
        deletion_reason=row.deletion_reason,
        client_ref=row.client_ref,
    )
