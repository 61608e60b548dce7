"""Push registrations (XEP-0357) in SQL."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.model.push import PushRegistration
from roost.store.sql import tables as t
from roost.store.sql.convert import utc_required
from roost.store.sql.engine import Database
from roost.store.sql.writer import Writer


def _from_row(row: Any) -> PushRegistration:
    options = tuple((str(field), str(value)) for field, value in json.loads(row.options))
    return PushRegistration(row.user_id, row.service_jid, row.node, row.resource, options, utc_required(row.created_at))


@dataclass
class SqlPushStore:
    db: Database
    writer: Writer

    async def put(self, registration: PushRegistration) -> None:
        """Add or replace the registration of (person, service, node)."""
        p = t.push_registrations
        key = (p.c.user_id == registration.user_id, p.c.service_jid == registration.service_jid)
        row = {
            "user_id": registration.user_id,
            "service_jid": registration.service_jid,
            "node": registration.node,
            "resource": registration.resource,
            "options": json.dumps([list(option) for option in registration.options]),
            "created_at": registration.created_at,
        }

        async def write(conn: AsyncConnection) -> None:
            await conn.execute(delete(p).where(*key, p.c.node == registration.node))
            await conn.execute(p.insert().values(**row))

        await self.writer.write(write)

    async def remove(self, user_id: int, service_jid: str, node: str | None) -> int:
        """Remove one registration, or every one at that service (node None); returns how many."""
        p = t.push_registrations
        where = [p.c.user_id == user_id, p.c.service_jid == service_jid]
        if node is not None:
            where.append(p.c.node == node)

        async def write(conn: AsyncConnection) -> int:
            return int((await conn.execute(delete(p).where(*where))).rowcount or 0)

        return await self.writer.write(write)

    async def of(self, user_id: int) -> list[PushRegistration]:
        """A person's registrations, oldest first."""
        p = t.push_registrations
        query = select(p).where(p.c.user_id == user_id).order_by(p.c.created_at, p.c.service_jid, p.c.node)
        async with self.db.reader.connect() as conn:
            return [_from_row(row) for row in await conn.execute(query)]
