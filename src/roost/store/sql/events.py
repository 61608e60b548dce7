"""The durable event log: one row per change a reconnecting client must replay."""

from __future__ import annotations

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.model.messages import LogEntry
from roost.store.sql import tables as t
from roost.store.sql.engine import Database


async def append_event(
    conn: AsyncConnection,
    event_id: int,
    kind: str,
    *,
    conversation_id: int | None,
    user_id: int | None,
    ref_id: int | None,
) -> None:
    await conn.execute(
        t.events.insert().values(
            id=event_id, kind=kind, conversation_id=conversation_id, user_id=user_id, ref_id=ref_id
        )
    )


async def read_events(
    db: Database, *, since: int, conversation_ids: list[int], user_id: int, limit: int
) -> list[LogEntry]:
    """Events after `since` in these conversations, or about this user's memberships, oldest first."""
    e = t.events
    # Only membership changes of the user reach past their conversations (they learn they were
    # removed); their other events there would replay the current state of a room they left.
    about_user = and_(e.c.user_id == user_id, e.c.kind.startswith("member."))
    query = (
        select(e)
        .where(e.c.id > since, or_(e.c.conversation_id.in_(conversation_ids), about_user))
        .order_by(e.c.id)
        .limit(limit)
    )
    async with db.reader.connect() as conn:
        return [
            LogEntry(row.id, row.kind, row.conversation_id, row.user_id, row.ref_id)
            for row in await conn.execute(query)
        ]


async def last_event_id(db: Database) -> int:
    async with db.reader.connect() as conn:
        return int(await conn.scalar(select(t.events.c.id).order_by(t.events.c.id.desc()).limit(1)) or 0)


class SqlEventLog:
    """The event log read side, as the core's EventLog protocol."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def since(self, *, since: int, conversation_ids: list[int], user_id: int, limit: int) -> list[LogEntry]:
        return await read_events(self.db, since=since, conversation_ids=conversation_ids, user_id=user_id, limit=limit)

    async def last_id(self) -> int:
        return await last_event_id(self.db)
