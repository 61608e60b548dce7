"""Archive queries over many conversations, and delivery marks, in SQL."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Table, bindparam, exists, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.model.archive import ArchiveFilter, ArchivePage, ArchiveQuery
from roost.model.conversations import ConversationKind
from roost.model.ids import id_floor
from roost.model.messages import LogEntry, Message
from roost.store.sql import tables as t
from roost.store.sql.engine import Database
from roost.store.sql.events import is_message_change, log_entry
from roost.store.sql.messages import hydrate
from roost.store.sql.writer import Writer

SENDERS_PER_QUERY = 500  # well below SQLite's and PostgreSQL's limits on parameters


def _conditions(query: ArchiveQuery) -> list[ColumnElement[bool]]:
    m = t.messages
    match: ArchiveFilter = query.match
    found: list[ColumnElement[bool]] = [m.c.conversation_id.in_(query.conversation_ids)]
    if match.start is not None:
        found.append(m.c.created_at >= match.start)
    if match.end is not None:
        found.append(m.c.created_at <= match.end)
    if match.after_id is not None:
        found.append(m.c.id > match.after_id)
    if match.before_id is not None:
        found.append(m.c.id < match.before_id)
    if match.not_from is not None:
        found.append(m.c.sender_id != match.not_from)
    if match.only_from is not None:
        found.append(m.c.sender_id == match.only_from)
    return found


def _change_conditions(query: ArchiveQuery) -> list[ColumnElement[bool]] | None:
    """Which logged changes (edits, deletions, reactions) are entries of the query; None: none are
    (not asked for, or a filter by sender, which a change has no plain answer to)."""
    match: ArchiveFilter = query.match
    if not query.with_changes or match.not_from is not None or match.only_from is not None:
        return None
    e, m = t.events, t.messages
    found: list[ColumnElement[bool]] = [
        e.c.conversation_id.in_(query.conversation_ids),
        is_message_change(),
        exists().where(m.c.id == e.c.ref_id),  # not of a message retention removed since
    ]
    if match.start is not None:  # an event's time is its id's
        found.append(e.c.id >= id_floor(int(match.start.timestamp() * 1000)))
    if match.end is not None:
        found.append(e.c.id < id_floor(int(match.end.timestamp() * 1000) + 1))
    if match.after_id is not None:
        found.append(e.c.id > match.after_id)
    if match.before_id is not None:
        found.append(e.c.id < match.before_id)
    return found


async def _page(
    conn: AsyncConnection, table: Table, query: ArchiveQuery, where: list[ColumnElement[bool]]
) -> tuple[list[Any], bool]:
    """The page's rows of `table` in ascending order, and whether the paging direction is exhausted."""
    backwards = query.before is not None or query.newest
    if query.after is not None:
        where = [*where, table.c.id > query.after]
    if query.before is not None:
        where = [*where, table.c.id < query.before]
    order = table.c.id.desc() if backwards else table.c.id
    rows = list(await conn.execute(select(table).where(*where).order_by(order).limit(query.limit + 1)))
    complete = len(rows) <= query.limit
    rows = rows[: query.limit]
    return (list(reversed(rows)) if backwards else rows), complete


def _merged(query: ArchiveQuery, messages: list[Any], changes: list[Any]) -> tuple[list[Any], list[Any], bool]:
    """One page of both kinds of entry by id: the `limit` nearest the cursor of the two pages."""
    backwards = query.before is not None or query.newest
    entries = sorted([(row.id, 0, row) for row in messages] + [(row.id, 1, row) for row in changes])
    complete = len(entries) <= query.limit
    entries = entries[-query.limit :] if backwards else entries[: query.limit]
    return [row for _, kind, row in entries if kind == 0], [row for _, kind, row in entries if kind == 1], complete


@dataclass
class SqlArchiveStore:
    db: Database
    writer: Writer

    async def query(self, query: ArchiveQuery) -> ArchivePage:
        """A page of matching messages, with the total count of matches."""
        if not query.conversation_ids:
            return ArchivePage((), complete=True, count=0)
        where = _conditions(query)
        changed = _change_conditions(query)
        async with self.db.reader.connect() as conn:
            count = await conn.scalar(select(func.count()).select_from(t.messages).where(*where))
            rows, complete = await _page(conn, t.messages, query, where)
            changes: list[Any] = []
            if changed is not None:
                count = int(count or 0) + int(await conn.scalar(select(func.count()).where(*changed)) or 0)
                changes, changes_complete = await _page(conn, t.events, query, changed)
                rows, changes, fits = _merged(query, rows, changes)
                complete = complete and changes_complete and fits
            entries = tuple(log_entry(row) for row in changes)
            messages = tuple(await hydrate(conn, rows))
            return ArchivePage(messages, complete=complete, count=int(count or 0), changes=entries)

    async def change_entry(self, event_id: int) -> LogEntry | None:
        """The logged edit, deletion or reaction change of this id (an archive entry), if any."""
        e = t.events
        query = select(e).where(e.c.id == event_id, is_message_change())
        async with self.db.reader.connect() as conn:
            row = (await conn.execute(query)).first()
        return None if row is None else log_entry(row)

    async def by_client_id(self, sender_ids: Sequence[int], client_id: str, conversation_id: int) -> list[Message]:
        """The messages these senders sent under this client id (at most one each), oldest first,
        then the newest recent one of the conversation whose client ref it is (a client may use
        one again: an XMPP stanza id is unique within its stream only)."""
        m = t.messages
        found: list[Message] = []
        async with self.db.reader.connect() as conn:
            for start in range(0, len(sender_ids), SENDERS_PER_QUERY):  # one index seek per sender
                senders = sender_ids[start : start + SENDERS_PER_QUERY]
                query = select(m).where(m.c.sender_id.in_(senders), m.c.client_id == client_id)
                found.extend(await hydrate(conn, list(await conn.execute(query))))
            found.sort(key=lambda message: message.id)
            by_ref = (
                select(m)
                .where(
                    m.c.conversation_id == conversation_id,
                    m.c.id >= _recent_floor(conversation_id),
                    m.c.client_ref == client_id,
                    m.c.sender_id.in_(list(sender_ids)),
                )
                .order_by(m.c.id.desc())
                .limit(1)
            )
            found.extend(await hydrate(conn, list(await conn.execute(by_ref))))
        return found

    async def direct_conversation_ids(self, user_id: int) -> list[int]:
        """The direct (one-to-one) conversations this person is in."""
        c, members = t.conversations, t.members
        query = (
            select(c.c.id)
            .join(members, members.c.conversation_id == c.c.id)
            .where(members.c.user_id == user_id, c.c.kind == ConversationKind.DIRECT.value)
        )
        async with self.db.reader.connect() as conn:
            return list((await conn.scalars(query)).all())

    async def delivery_mark(self, user_id: int, channel: str) -> int | None:
        """The newest message id handed to this person's clients of `channel`, if ever set."""
        d = t.delivery_marks
        query = select(d.c.message_id).where(d.c.user_id == user_id, d.c.channel == channel)
        async with self.db.reader.connect() as conn:
            value = await conn.scalar(query)
            return int(value) if value is not None else None

    async def advance_delivery_mark(self, user_id: int, channel: str, message_id: int) -> None:
        """Move the mark forward to `message_id` (never back). The marks queued together (many
        sessions' deliveries) are written as one batch of three statements."""
        await self.writer.write_batched(_advance_marks, (user_id, channel, message_id))

    async def rewind_delivery_mark(self, user_id: int, channel: str, message_id: int) -> None:
        """Move the mark back to `message_id` (never forward): what is above it was not had after all."""
        d = t.delivery_marks

        async def write(conn: AsyncConnection) -> None:
            mine = (d.c.user_id == user_id, d.c.channel == channel, d.c.message_id > message_id)
            await conn.execute(update(d).where(*mine).values(message_id=message_id))

        await self.writer.write(write)


async def _advance_marks(conn: AsyncConnection, items: list[tuple[int, str, int]]) -> list[None]:
    d = t.delivery_marks
    wanted: dict[tuple[int, str], int] = {}
    for user_id, channel, message_id in items:
        wanted[(user_id, channel)] = max(message_id, wanted.get((user_id, channel), message_id))
    user_ids = sorted({user_id for user_id, _ in wanted})
    rows = await conn.execute(select(d.c.user_id, d.c.channel, d.c.message_id).where(d.c.user_id.in_(user_ids)))
    current = {(row.user_id, row.channel): row.message_id for row in rows}
    new = [{"user_id": u, "channel": c, "message_id": m} for (u, c), m in wanted.items() if (u, c) not in current]
    ahead = [{"uid": u, "ch": c, "mid": m} for (u, c), m in wanted.items() if (u, c) in current and current[(u, c)] < m]
    if new:
        await conn.execute(d.insert(), new)
    if ahead:
        where = (d.c.user_id == bindparam("uid"), d.c.channel == bindparam("ch"))
        await conn.execute(update(d).where(*where).values(message_id=bindparam("mid")), ahead)
    return [None] * len(items)


REF_LOOKBACK = 5000  # the newest messages of a conversation a client ref is looked for among


def _recent_floor(conversation_id: int) -> ColumnElement[Any]:
    """The id of the conversation's REF_LOOKBACK-th newest message (0 when it has fewer): a
    client ref has no index of its own (migration 0023), so it is looked for among the newest
    messages on the conversation's index, however long the history."""
    m = t.messages
    nth = (
        select(m.c.id)
        .where(m.c.conversation_id == conversation_id)
        .order_by(m.c.id.desc())
        .offset(REF_LOOKBACK)
        .limit(1)
        .scalar_subquery()
    )
    return func.coalesce(nth, 0)
