"""Login sessions and API tokens in SQL (only a hash of each secret is kept)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.model.auth import TokenInfo, TokenKind
from roost.store.sql import tables as t
from roost.store.sql.convert import utc, utc_required
from roost.store.sql.engine import Database
from roost.store.sql.writer import Writer


def _token_from_row(row: Any) -> TokenInfo:
    return TokenInfo(
        id=row.id,
        user_id=row.user_id,
        kind=TokenKind(row.kind),
        name=row.name,
        created_at=utc_required(row.created_at),
        last_used_at=utc(row.last_used_at),
        expires_at=utc(row.expires_at),
    )


@dataclass
class SqlTokenStore:
    db: Database
    writer: Writer

    async def create(
        self,
        *,
        user_id: int,
        kind: TokenKind,
        name: str,
        secret_hash: bytes,
        now: datetime,
        expires_at: datetime | None,
    ) -> TokenInfo:
        async def write(conn: AsyncConnection) -> int:
            result = await conn.execute(
                t.tokens.insert().values(
                    user_id=user_id,
                    kind=kind.value,
                    name=name,
                    secret_hash=secret_hash,
                    created_at=now,
                    expires_at=expires_at,
                )
            )
            return int(result.inserted_primary_key[0])  # type: ignore[index]

        token_id = await self.writer.write(write)
        return TokenInfo(token_id, user_id, kind, name, now, None, expires_at)

    async def find(self, secret_hash: bytes) -> TokenInfo | None:
        async with self.db.reader.connect() as conn:
            row = (await conn.execute(select(t.tokens).where(t.tokens.c.secret_hash == secret_hash))).first()
        return _token_from_row(row) if row else None

    async def existing(self, token_ids: list[int]) -> set[int]:
        """Which of these tokens still exist and belong to an enabled account."""
        if not token_ids:
            return set()
        query = (
            select(t.tokens.c.id)
            .join(t.users, t.users.c.id == t.tokens.c.user_id)
            .where(t.tokens.c.id.in_(token_ids), t.users.c.is_disabled.is_(False))
        )
        async with self.db.reader.connect() as conn:
            return set((await conn.scalars(query)).all())

    async def list_for(self, user_id: int) -> list[TokenInfo]:
        query = select(t.tokens).where(t.tokens.c.user_id == user_id).order_by(t.tokens.c.id)
        async with self.db.reader.connect() as conn:
            return [_token_from_row(row) for row in await conn.execute(query)]

    async def delete(self, user_id: int, token_id: int | None = None) -> int:
        """Delete one token of the user, or all of them; returns how many."""
        query = delete(t.tokens).where(t.tokens.c.user_id == user_id)
        if token_id is not None:
            query = query.where(t.tokens.c.id == token_id)

        async def write(conn: AsyncConnection) -> int:
            return (await conn.execute(query)).rowcount

        return await self.writer.write(write)

    async def touch(self, token_id: int, now: datetime) -> None:
        async def write(conn: AsyncConnection) -> None:
            await conn.execute(update(t.tokens).where(t.tokens.c.id == token_id).values(last_used_at=now))

        await self.writer.write(write)
