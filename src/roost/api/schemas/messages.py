"""Messages, history and search."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from roost.api.schemas.common import Id, In
from roost.api.schemas.files import FileOut
from roost.model.messages import Message, MessageVersion


class ReactionOut(BaseModel):
    emoji: str
    user_ids: list[int]


class MessageOut(BaseModel):
    id: Id
    conversation_id: Id
    sender_id: int
    client_id: str | None
    body: str
    created_at: datetime
    edited_at: datetime | None
    deleted: bool
    reply_to: Id | None
    mentions: list[int]
    reactions: list[ReactionOut]
    attachments: list[FileOut] = []
    encryption: str | None = Field(
        None,
        description='end-to-end encryption of the content ("omemo", "omemo:2", "openpgp", ...); body is a fallback',
    )
    deleted_by: int | None = Field(None, description="who deleted it: the sender, or a room admin")
    deletion_reason: str | None = Field(None, description="the reason a room admin gave for removing it")

    @classmethod
    def from_model(cls, m: Message) -> MessageOut:
        return cls(
            id=m.id,
            conversation_id=m.conversation_id,
            sender_id=m.sender_id,
            client_id=m.client_id,
            body=m.body,
            created_at=m.created_at,
            edited_at=m.edited_at,
            deleted=m.is_deleted,
            reply_to=m.reply_to,
            mentions=list(m.mentions),
            reactions=[ReactionOut(emoji=r.emoji, user_ids=list(r.user_ids)) for r in m.reactions],
            attachments=[FileOut.from_model(f) for f in m.attachments],
            encryption=m.encryption,
            deleted_by=m.deleted_by,
            deletion_reason=m.deletion_reason,
        )


class SendIn(In):
    body: str = ""  # may be empty when files are attached
    client_id: str | None = Field(None, min_length=1, max_length=128)
    reply_to: Id | None = None
    attachments: list[Id] = Field([], max_length=1000, description="ids of files uploaded to this conversation")


class EditIn(In):
    body: str


class ReactionIn(In):
    emoji: str = Field(min_length=1, max_length=64)


class HistoryOut(BaseModel):
    messages: list[MessageOut]
    has_before: bool
    has_after: bool


class VersionOut(BaseModel):
    body: str
    replaced_at: datetime

    @classmethod
    def from_model(cls, v: MessageVersion) -> VersionOut:
        return cls(body=v.body, replaced_at=v.replaced_at)


class SearchOut(BaseModel):
    messages: list[MessageOut]
