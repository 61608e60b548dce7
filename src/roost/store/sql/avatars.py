"""Avatars in SQL: one row per person over two file-store blobs, and the SHA-1 on the user."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.model.avatars import Avatar
from roost.model.files import BlobInfo
from roost.store.sql import tables as t
from roost.store.sql.convert import utc_required
from roost.store.sql.engine import Database
from roost.store.sql.files import add_blob
from roost.store.sql.writer import Writer


def _avatar_from_row(row: Any) -> Avatar:
    values = {name: getattr(row, name) for name in t.avatars.c.keys()}  # noqa: SIM118 - column names, not columns
    values["updated_at"] = utc_required(row.updated_at)
    return Avatar(**values)


@dataclass
class SqlAvatarStore:
    """The `avatars` table, and `users.avatar_sha1` kept in step with it."""

    db: Database
    writer: Writer

    async def get(self, user_id: int) -> Avatar | None:
        async with self.db.reader.connect() as conn:
            row = (await conn.execute(select(t.avatars).where(t.avatars.c.user_id == user_id))).first()
        return None if row is None else _avatar_from_row(row)

    async def put(self, avatar: Avatar, blobs: list[BlobInfo]) -> None:
        """Replace the person's avatar, in one transaction with its blobs' rows."""

        async def write(conn: AsyncConnection) -> None:
            for blob in blobs:
                await add_blob(conn, blob, avatar.updated_at)  # the sweep keeps it while the avatar refers to it
            await conn.execute(t.avatars.delete().where(t.avatars.c.user_id == avatar.user_id))
            await conn.execute(t.avatars.insert().values(**asdict(avatar)))
            await conn.execute(update(t.users).where(t.users.c.id == avatar.user_id).values(avatar_sha1=avatar.sha1))

        await self.writer.write(write)

    async def remove(self, user_id: int) -> bool:
        async def write(conn: AsyncConnection) -> bool:
            result = await conn.execute(t.avatars.delete().where(t.avatars.c.user_id == user_id))
            await conn.execute(update(t.users).where(t.users.c.id == user_id).values(avatar_sha1=None))
            return bool(result.rowcount)

        return await self.writer.write(write)

    async def all(self) -> list[Avatar]:
        """Everyone's avatar (people without one are left out), by user id."""
        async with self.db.reader.connect() as conn:
            rows = await conn.execute(select(t.avatars).order_by(t.avatars.c.user_id))
            return [_avatar_from_row(row) for row in rows]
