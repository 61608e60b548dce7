"""Conversations, rooms and members."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from roost.api.schemas.common import Id, In, SerialId
from roost.model.conversations import Conversation, ConversationSummary, Member, Role, Visibility


class ConversationOut(BaseModel):
    id: Id
    kind: str
    name: str
    topic: str
    visibility: Visibility
    is_archived: bool
    created_by: int | None
    created_at: datetime
    last_message_id: Id

    @classmethod
    def from_model(cls, c: Conversation) -> ConversationOut:
        return cls(
            id=c.id,
            kind=c.kind.value,
            name=c.name,
            topic=c.topic,
            visibility=c.visibility,
            is_archived=c.is_archived,
            created_by=c.created_by,
            created_at=c.created_at,
            last_message_id=c.last_message_id,
        )


class SummaryOut(ConversationOut):
    role: Role
    last_read_id: Id
    unread: int
    mentions: int
    member_count: int
    member_ids: list[int]
    muted: bool = False

    @classmethod
    def from_summary(cls, s: ConversationSummary) -> SummaryOut:
        base = ConversationOut.from_model(s.conversation).model_dump()
        return cls(
            **base,
            role=s.role,
            last_read_id=s.last_read_id,
            unread=s.unread,
            mentions=s.mentions,
            member_count=s.member_count,
            member_ids=list(s.member_ids),
            muted=s.muted,
        )


class MemberOut(BaseModel):
    user_id: int
    role: Role
    last_read_id: Id

    @classmethod
    def from_model(cls, m: Member) -> MemberOut:
        return cls(user_id=m.user_id, role=m.role, last_read_id=m.last_read_id)


class RoomIn(In):
    name: str = Field(min_length=1, max_length=200)
    topic: str = Field("", max_length=2000)
    visibility: Visibility = Visibility.INVITE
    member_ids: list[SerialId] = Field(default_factory=list, max_length=500)


class DirectIn(In):
    user_id: SerialId


class RoomUpdateIn(In):
    name: str | None = Field(None, min_length=1, max_length=200)
    topic: str | None = Field(None, max_length=2000)
    visibility: Visibility | None = None
    is_archived: bool | None = None


class InviteIn(In):
    user_ids: list[SerialId] = Field(min_length=1, max_length=500)


class RoleIn(In):
    role: Role


class ReadIn(In):
    message_id: Id


class MuteIn(In):
    muted: bool


class TypingIn(In):
    active: bool = True
