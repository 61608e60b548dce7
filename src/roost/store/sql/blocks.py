"""Blocklists in SQL: one row per (owner, blocked person)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.store.sql import tables as t
from roost.store.sql.engine import Database
from roost.store.sql.writer import Writer


@dataclass
class SqlBlockStore:
    db: Database
    writer: Writer

    async def blocked_by(self, owner_id: int) -> list[int]:
        """The people `owner_id` blocks, oldest block first."""
        b = t.blocks
        query = select(b.c.blocked_id).where(b.c.owner_id == owner_id).order_by(b.c.created_at, b.c.blocked_id)
        async with self.db.reader.connect() as conn:
            return list((await conn.scalars(query)).all())

    async def all_blocks(self) -> list[tuple[int, int]]:
        """Every block as (owner, blocked person): blocks are few, the hot paths keep them all."""
        b = t.blocks
        async with self.db.reader.connect() as conn:
            return [(row.owner_id, row.blocked_id) for row in await conn.execute(select(b.c.owner_id, b.c.blocked_id))]

    async def blockers_of(self, user_id: int) -> list[int]:
        """The people who block `user_id`."""
        b = t.blocks
        async with self.db.reader.connect() as conn:
            return sorted((await conn.scalars(select(b.c.owner_id).where(b.c.blocked_id == user_id))).all())

    async def block(self, owner_id: int, user_ids: list[int], now: datetime) -> list[int]:
        """Add blocks; returns the people who were not blocked before."""
        b = t.blocks

        async def write(conn: AsyncConnection) -> list[int]:
            wanted = list(dict.fromkeys(user_ids))
            query = select(b.c.blocked_id).where(b.c.owner_id == owner_id, b.c.blocked_id.in_(wanted))
            existing = set((await conn.scalars(query)).all())
            added = [user_id for user_id in wanted if user_id not in existing]
            if added:
                rows = [{"owner_id": owner_id, "blocked_id": u, "created_at": now} for u in added]
                await conn.execute(b.insert(), rows)
            return added

        return await self.writer.write(write)

    async def unblock(self, owner_id: int, user_ids: list[int] | None) -> list[int]:
        """Remove these blocks (None: all); returns the people who were blocked."""
        b = t.blocks
        where = [b.c.owner_id == owner_id]
        if user_ids is not None:
            where.append(b.c.blocked_id.in_(user_ids))

        async def write(conn: AsyncConnection) -> list[int]:
            removed = sorted((await conn.scalars(select(b.c.blocked_id).where(*where))).all())
            if removed:
                await conn.execute(delete(b).where(*where))
            return removed

        return await self.writer.write(write)
