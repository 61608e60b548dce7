"""Conversations, memberships and read markers in SQL."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.model.conversations import Conversation, ConversationSummary, Member, Role, RoomListing, Visibility
from roost.store.sql import tables as t
from roost.store.sql.convert import conversation_from_row, decode_ids, member_from_row
from roost.store.sql.engine import Database
from roost.store.sql.events import append_event
from roost.store.sql.writer import Writer


@dataclass
class SqlConversationStore:
    db: Database
    writer: Writer

    async def create(
        self, conversation: Conversation, members: list[tuple[int, Role]], *, direct_key: str | None, event_id: int
    ) -> Conversation:
        async def write(conn: AsyncConnection) -> None:
            c = conversation
            await conn.execute(
                t.conversations.insert().values(
                    id=c.id,
                    kind=c.kind.value,
                    name=c.name,
                    topic=c.topic,
                    visibility=c.visibility.value,
                    is_archived=c.is_archived,
                    created_by=c.created_by,
                    created_at=c.created_at,
                    last_message_id=0,
                    direct_key=direct_key,
                    address=c.address,
                )
            )
            rows = [{"conversation_id": c.id, "user_id": u, "role": r.value, "last_read_id": 0} for u, r in members]
            if rows:
                await conn.execute(t.members.insert(), rows)
            await append_event(
                conn, event_id, "conversation.created", conversation_id=c.id, user_id=c.created_by, ref_id=c.id
            )

        await self.writer.write(write)
        return conversation

    async def get(self, conversation_id: int) -> Conversation | None:
        query = select(t.conversations).where(t.conversations.c.id == conversation_id)
        async with self.db.reader.connect() as conn:
            row = (await conn.execute(query)).first()
        return conversation_from_row(row) if row else None

    async def get_direct(self, direct_key: str) -> Conversation | None:
        query = select(t.conversations).where(t.conversations.c.direct_key == direct_key)
        async with self.db.reader.connect() as conn:
            row = (await conn.execute(query)).first()
        return conversation_from_row(row) if row else None

    async def room_by_address(self, address: str) -> Conversation | None:
        query = select(t.conversations).where(t.conversations.c.address == address)
        async with self.db.reader.connect() as conn:
            row = (await conn.execute(query)).first()
        return conversation_from_row(row) if row else None

    async def update(self, conversation_id: int, event_id: int, actor_id: int, **values: Any) -> Conversation:
        """Change a conversation's fields; returns it as committed."""

        async def write(conn: AsyncConnection) -> Conversation:
            await conn.execute(update(t.conversations).where(t.conversations.c.id == conversation_id).values(**values))
            await append_event(
                conn,
                event_id,
                "conversation.updated",
                conversation_id=conversation_id,
                user_id=actor_id,
                ref_id=conversation_id,
            )
            row = (await conn.execute(select(t.conversations).where(t.conversations.c.id == conversation_id))).one()
            return conversation_from_row(row)

        return await self.writer.write(write)

    async def members(self, conversation_id: int) -> list[Member]:
        query = select(t.members).where(t.members.c.conversation_id == conversation_id)
        async with self.db.reader.connect() as conn:
            return [member_from_row(row) for row in await conn.execute(query)]

    async def member(self, conversation_id: int, user_id: int) -> Member | None:
        query = select(t.members).where(t.members.c.conversation_id == conversation_id, t.members.c.user_id == user_id)
        async with self.db.reader.connect() as conn:
            row = (await conn.execute(query)).first()
        return member_from_row(row) if row else None

    async def conversation_ids_of(self, user_id: int) -> list[int]:
        query = select(t.members.c.conversation_id).where(t.members.c.user_id == user_id)
        async with self.db.reader.connect() as conn:
            return list((await conn.scalars(query)).all())

    async def set_member(self, conversation_id: int, user_id: int, role: Role, *, event_id: int) -> bool:
        """Add a member or change their role; False if nothing changed."""

        async def write(conn: AsyncConnection) -> bool:
            where = and_(t.members.c.conversation_id == conversation_id, t.members.c.user_id == user_id)
            current = await conn.scalar(select(t.members.c.role).where(where))
            if current == role.value:
                return False
            if current is None:
                values = {"conversation_id": conversation_id, "user_id": user_id, "role": role.value}
                await conn.execute(t.members.insert().values(**values, last_read_id=0))
                kind = "member.added"
            else:
                await conn.execute(update(t.members).where(where).values(role=role.value))
                kind = "member.updated"
            await append_event(
                conn, event_id, kind, conversation_id=conversation_id, user_id=user_id, ref_id=conversation_id
            )
            return True

        return await self.writer.write(write)

    async def remove_member(self, conversation_id: int, user_id: int, *, event_id: int) -> bool:
        async def write(conn: AsyncConnection) -> bool:
            where = and_(t.members.c.conversation_id == conversation_id, t.members.c.user_id == user_id)
            removed = (await conn.execute(t.members.delete().where(where))).rowcount
            if removed:
                await append_event(
                    conn,
                    event_id,
                    "member.removed",
                    conversation_id=conversation_id,
                    user_id=user_id,
                    ref_id=conversation_id,
                )
            return bool(removed)

        return await self.writer.write(write)

    async def set_last_read(self, conversation_id: int, user_id: int, message_id: int, *, event_id: int) -> bool:
        """Move the read marker forward only; False if it was already there or past."""

        async def write(conn: AsyncConnection) -> bool:
            moved = (
                await conn.execute(
                    update(t.members)
                    .where(
                        t.members.c.conversation_id == conversation_id,
                        t.members.c.user_id == user_id,
                        t.members.c.last_read_id < message_id,
                    )
                    .values(last_read_id=message_id)
                )
            ).rowcount
            if moved:
                await append_event(
                    conn, event_id, "read.moved", conversation_id=conversation_id, user_id=user_id, ref_id=message_id
                )
            return bool(moved)

        return await self.writer.write(write)

    async def set_muted(self, conversation_id: int, user_id: int, muted: bool) -> bool:
        """A member's own preference (not an event: nobody else is told); False if not a member."""

        async def write(conn: AsyncConnection) -> bool:
            where = and_(t.members.c.conversation_id == conversation_id, t.members.c.user_id == user_id)
            return bool((await conn.execute(update(t.members).where(where).values(muted=muted))).rowcount)

        return await self.writer.write(write)

    async def summaries(self, user_id: int) -> list[ConversationSummary]:
        """The user's conversations, most recently active first, with unread counts."""
        m, c, msg = t.members, t.conversations, t.messages
        unread = (
            select(func.count())
            .where(
                msg.c.conversation_id == m.c.conversation_id,
                msg.c.id > m.c.last_read_id,
                msg.c.sender_id != m.c.user_id,
                msg.c.deleted_at.is_(None),
            )
            .scalar_subquery()
        )
        mentioned = (
            select(func.count())
            .where(
                t.mentions.c.conversation_id == m.c.conversation_id,
                t.mentions.c.user_id == m.c.user_id,
                t.mentions.c.message_id > m.c.last_read_id,
            )
            .scalar_subquery()
        )
        count = (
            select(func.count()).where(t.members.alias("mc").c.conversation_id == m.c.conversation_id).scalar_subquery()
        )
        query = (
            select(
                c,
                m.c.role,
                m.c.last_read_id,
                m.c.muted,
                unread.label("unread"),
                mentioned.label("mentions"),
                count.label("n"),
            )
            .join(m, m.c.conversation_id == c.c.id)
            .where(m.c.user_id == user_id)
            .order_by(c.c.last_message_id.desc(), c.c.id.desc())
        )
        async with self.db.reader.connect() as conn:
            rows = list(await conn.execute(query))
            directs = [row.id for row in rows if row.kind == "direct"]
            pairs = await self._direct_members(conn, directs)
        return [
            ConversationSummary(
                conversation=conversation_from_row(row),
                role=Role(row.role),
                last_read_id=row.last_read_id,
                unread=row.unread,
                mentions=row.mentions,
                member_count=row.n,
                member_ids=pairs.get(row.id, ()),
                muted=row.muted,
            )
            for row in rows
        ]

    @staticmethod
    async def _direct_members(conn: AsyncConnection, ids: list[int]) -> dict[int, tuple[int, ...]]:
        if not ids:
            return {}
        query = select(t.conversations.c.id, t.conversations.c.direct_key).where(t.conversations.c.id.in_(ids))
        return {row.id: decode_ids(row.direct_key) for row in await conn.execute(query)}

    async def open_rooms(self, text: str, limit: int) -> list[Conversation]:
        if "\x00" in text:  # no stored name holds NUL, and PostgreSQL refuses it in a query
            return []
        c = t.conversations
        query = select(c).where(c.c.kind == "room", c.c.visibility == Visibility.OPEN.value, c.c.is_archived.is_(False))
        if text:
            query = query.where(func.lower(c.c.name).contains(text.lower(), autoescape=True))
        query = query.order_by(c.c.name).limit(limit)
        async with self.db.reader.connect() as conn:
            return [conversation_from_row(row) for row in await conn.execute(query)]

    async def rooms(self, text: str, limit: int) -> list[RoomListing]:
        """Every room, open or not, archived too, by name, with its member count (for admins)."""
        if "\x00" in text:
            return []
        c = t.conversations
        count = select(func.count()).where(t.members.c.conversation_id == c.c.id).scalar_subquery()
        query = select(c, count.label("n")).where(c.c.kind == "room")
        if text:
            query = query.where(func.lower(c.c.name).contains(text.lower(), autoescape=True))
        query = query.order_by(c.c.name, c.c.id).limit(limit)
        async with self.db.reader.connect() as conn:
            return [RoomListing(conversation_from_row(row), row.n) for row in await conn.execute(query)]
