"""Messages, edits, reactions and mentions in SQL."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.model.errors import NotFound
from roost.model.messages import Appended, HistoryPage, Message, MessageVersion, NewMessage, Payload, Reaction
from roost.store.sql import tables as t
from roost.store.sql.appends import append_in_sqlite_thread, append_through_sqlalchemy, to_store
from roost.store.sql.convert import encode_ids, message_from_row, utc_required
from roost.store.sql.engine import Database
from roost.store.sql.events import append_event
from roost.store.sql.files import attachments_of, detach_files
from roost.store.sql.indexing import SearchIndexer
from roost.store.sql.writer import Writer


async def load_reactions(conn: AsyncConnection, ids: Iterable[int]) -> dict[int, tuple[Reaction, ...]]:
    ids = list(ids)
    if not ids:
        return {}
    r = t.reactions
    query = select(r).where(r.c.message_id.in_(ids)).order_by(r.c.message_id, r.c.emoji, r.c.user_id)
    grouped: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for row in await conn.execute(query):
        grouped[row.message_id][row.emoji].append(row.user_id)
    return {mid: tuple(Reaction(e, tuple(u)) for e, u in by.items()) for mid, by in grouped.items()}


async def hydrate(conn: AsyncConnection, rows: list[Any]) -> list[Message]:
    reactions = await load_reactions(conn, (row.id for row in rows))
    files = await attachments_of(conn, [row.id for row in rows])
    return [message_from_row(row, reactions.get(row.id, ()), files.get(row.id, ())) for row in rows]


async def _exists(conn: AsyncConnection, query: Select[Any]) -> bool:
    return (await conn.execute(query.with_only_columns(t.messages.c.id).limit(1))).first() is not None


async def _current(conn: AsyncConnection, message_id: int) -> Message:
    row = (await conn.execute(select(t.messages).where(t.messages.c.id == message_id))).one()
    return (await hydrate(conn, [row]))[0]


@dataclass
class SqlMessageStore:
    db: Database
    writer: Writer
    indexer: SearchIndexer

    async def append(self, new: NewMessage, *, message_id: int, now: datetime) -> Appended:
        """Store a message once: a re-sent (sender, client_id) returns the stored one."""
        return await self.enqueue_append(new, message_id=message_id, now=now)

    def enqueue_append(self, new: NewMessage, *, message_id: int, now: datetime) -> asyncio.Future[Appended]:
        """Queue the append at once; the future resolves after the commit."""
        pending = to_store(new, message_id=message_id, now=now)
        if self.db.dialect == "sqlite":
            stored = self.writer.submit_in_thread(append_in_sqlite_thread, pending)
        else:
            stored = self.writer.submit_batched(append_through_sqlalchemy, pending)
        self.indexer.appended()
        return stored

    async def get(self, message_id: int) -> Message | None:
        found = await self.get_many([message_id])
        return found[0] if found else None

    async def get_many(self, ids: list[int]) -> list[Message]:
        if not ids:
            return []
        async with self.db.reader.connect() as conn:
            rows = list(await conn.execute(select(t.messages).where(t.messages.c.id.in_(ids))))
            return await hydrate(conn, rows)

    async def history(
        self, conversation_id: int, *, before: int | None, after: int | None, around: int | None, limit: int
    ) -> HistoryPage:
        """A page of messages in ascending order; `around` centres the page on a message."""
        base = select(t.messages).where(t.messages.c.conversation_id == conversation_id)
        async with self.db.reader.connect() as conn:
            if around is not None:
                older, has_before = await self._older(conn, base, around, limit // 2)
                newer, has_after = await self._newer(conn, base, around - 1, limit - len(older))
                rows = older + newer
            elif after is not None:
                rows, has_after = await self._newer(conn, base, after, limit)
                has_before = await _exists(conn, base.where(t.messages.c.id <= after))
            else:
                rows, has_before = await self._older(conn, base, before, limit)
                has_after = before is not None and await _exists(conn, base.where(t.messages.c.id >= before))
            return HistoryPage(tuple(await hydrate(conn, rows)), has_before=has_before, has_after=has_after)

    @staticmethod
    async def _older(
        conn: AsyncConnection, base: Select[Any], before: int | None, limit: int
    ) -> tuple[list[Any], bool]:
        query = base if before is None else base.where(t.messages.c.id < before)
        rows = list(await conn.execute(query.order_by(t.messages.c.id.desc()).limit(limit + 1)))
        return list(reversed(rows[:limit])), len(rows) > limit

    @staticmethod
    async def _newer(conn: AsyncConnection, base: Select[Any], after: int, limit: int) -> tuple[list[Any], bool]:
        query = base.where(t.messages.c.id > after).order_by(t.messages.c.id).limit(limit + 1)
        rows = list(await conn.execute(query))
        return rows[:limit], len(rows) > limit

    async def edit(
        self,
        message_id: int,
        body: str,
        mentions: tuple[int, ...],
        *,
        event_id: int,
        now: datetime,
        payload: Payload | None = None,
    ) -> Message:
        """Replace the body, keeping the previous one as a version; returns the message as committed.
        A `payload` replaces the message's extras and encryption too (None keeps them)."""
        changes: dict[str, Any] = {}
        if payload is not None:
            changes = {"extras": payload.extras, "encryption": payload.encryption}

        async def write(conn: AsyncConnection) -> Message:
            row = (await conn.execute(select(t.messages).where(t.messages.c.id == message_id))).first()
            if row is None:
                raise NotFound("message.not_found", "No such message.")
            await conn.execute(
                t.message_versions.insert().values(message_id=message_id, body=row.body, replaced_at=now)
            )
            await conn.execute(
                update(t.messages)
                .where(t.messages.c.id == message_id)
                .values(body=body, edited_at=now, mentions=encode_ids(mentions), **changes)
            )
            # Mention counts in summaries follow the current body, not the first one.
            await conn.execute(t.mentions.delete().where(t.mentions.c.message_id == message_id))
            if mentions:
                rows = [
                    {"conversation_id": row.conversation_id, "user_id": u, "message_id": message_id} for u in mentions
                ]
                await conn.execute(t.mentions.insert(), rows)
            await append_event(
                conn,
                event_id,
                "message.edited",
                conversation_id=row.conversation_id,
                user_id=row.sender_id,
                ref_id=message_id,
            )
            return await _current(conn, message_id)

        return await self.writer.write(write)

    async def delete(
        self, message_id: int, *, actor_id: int, event_id: int, now: datetime, reason: str | None = None
    ) -> Message:
        """Leave a tombstone: the body and its versions go; the message id, who deleted it and
        their reason stay."""

        async def write(conn: AsyncConnection) -> Message:
            row = (await conn.execute(select(t.messages).where(t.messages.c.id == message_id))).first()
            if row is None:
                raise NotFound("message.not_found", "No such message.")
            await conn.execute(
                update(t.messages)
                .where(t.messages.c.id == message_id)
                .values(body="", deleted_at=now, mentions="", extras=None, deleted_by=actor_id, deletion_reason=reason)
            )
            for table in (t.message_versions, t.reactions, t.mentions):
                await conn.execute(table.delete().where(table.c.message_id == message_id))
            await detach_files(conn, [message_id])
            await append_event(
                conn,
                event_id,
                "message.deleted",
                conversation_id=row.conversation_id,
                user_id=actor_id,
                ref_id=message_id,
            )
            return await _current(conn, message_id)

        return await self.writer.write(write)

    async def react(
        self, message_id: int, conversation_id: int, user_id: int, emoji: str, *, add: bool, event_id: int
    ) -> Message | None:
        """Add or remove one reaction; the message as committed, or None if nothing changed."""

        async def write(conn: AsyncConnection) -> Message | None:
            r = t.reactions
            key = and_(r.c.message_id == message_id, r.c.user_id == user_id, r.c.emoji == emoji)
            present = await conn.scalar(select(r.c.message_id).where(key)) is not None
            if present == add:
                return None
            if add:
                await conn.execute(r.insert().values(message_id=message_id, user_id=user_id, emoji=emoji))
            else:
                await conn.execute(r.delete().where(key))
            await append_event(
                conn, event_id, "reaction.changed", conversation_id=conversation_id, user_id=user_id, ref_id=message_id
            )
            return await _current(conn, message_id)

        return await self.writer.write(write)

    async def purge_before(self, cutoff: datetime, batch: int = 1000) -> int:
        """Remove up to `batch` messages older than `cutoff` with everything attached to them."""

        async def write(conn: AsyncConnection) -> int:
            old = select(t.messages.c.id).where(t.messages.c.created_at < cutoff).limit(batch)
            ids = list((await conn.scalars(old)).all())
            if ids:
                for table in (t.message_versions, t.reactions, t.mentions):
                    await conn.execute(table.delete().where(table.c.message_id.in_(ids)))
                await detach_files(conn, ids)
                await conn.execute(t.messages.delete().where(t.messages.c.id.in_(ids)))
            return len(ids)

        return await self.writer.write(write)

    async def versions(self, message_id: int) -> list[MessageVersion]:
        v = t.message_versions
        query = select(v).where(v.c.message_id == message_id).order_by(v.c.id)
        async with self.db.reader.connect() as conn:
            return [
                MessageVersion(row.message_id, row.body, utc_required(row.replaced_at))
                for row in await conn.execute(query)
            ]
