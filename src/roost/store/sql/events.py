"""The durable event log: every change a reconnecting client must replay.

Two tables hold it. A message's creation is its row in `messages` (the event's id is the
message's id); every other change has a row in `events`. Both take their ids from the
one id generator, so the log is the two merged by id.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    String,
    and_,
    bindparam,
    cast,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.model.ids import NODE_BITS, SEQ_BITS
from roost.model.messages import LogEntry
from roost.store.sql import tables as t
from roost.store.sql.engine import Database
from roost.store.sql.writer import Writer


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
    e, m = t.events, t.messages
    # Only membership changes of the user reach past their conversations (they learn they were
    # removed); their other events there would replay the current state of a room they left.
    about_user = and_(e.c.user_id == user_id, e.c.kind.startswith("member."))
    changes = (
        select(e.c.id, e.c.kind, e.c.conversation_id, e.c.user_id, e.c.ref_id)
        .where(e.c.id > since, or_(e.c.conversation_id.in_(conversation_ids), about_user))
        .order_by(e.c.id)
        .limit(limit)
        .subquery()
    )
    created = (
        select(
            m.c.id,
            literal("message.created", String).label("kind"),
            m.c.conversation_id,
            cast(null(), Integer).label("user_id"),
            m.c.id.label("ref_id"),
        )
        .where(m.c.id > since, m.c.conversation_id.in_(conversation_ids))
        .order_by(m.c.id)
        .limit(limit)
        .subquery()
    )
    # One statement: both tables read in one snapshot, so no commit can fall between them.
    log = union_all(select(changes), select(created)).subquery()
    query = select(log).order_by(log.c.id).limit(limit)
    async with db.reader.connect() as conn:
        return [log_entry(row) for row in await conn.execute(query)]


def is_message_change() -> ColumnElement[bool]:
    """An event is an edit, a deletion or a reaction change: in literals, not bound parameters,
    so that the query planners (SQLite's, PostgreSQL's) may use `ix_events_message_changes`."""
    return t.events.c.kind.in_(
        bindparam("message_changes", t.MESSAGE_CHANGES, expanding=True, literal_execute=True, unique=True)
    )


def log_entry(row: Any) -> LogEntry:
    """A row of the log (an `events` row, or a message as its creation) as a LogEntry."""
    return LogEntry(row.id, row.kind, row.conversation_id, row.user_id, row.ref_id)


async def read_message_changes(
    db: Database, *, since: int, conversation_ids: list[int], up_to: int, limit: int
) -> list[LogEntry]:
    """Edits, deletions and reaction changes after `since` in these conversations, of messages
    up to `up_to`, oldest first. No creations: a flood of new messages does not push the
    changes out of the limit."""
    e = t.events
    matches = (e.c.id > since, e.c.conversation_id.in_(conversation_ids), is_message_change())
    return await _entries(db, *matches, e.c.ref_id <= up_to, limit=limit)


async def _entries(db: Database, *matches: ColumnElement[bool], limit: int) -> list[LogEntry]:
    """The logged events that match, oldest first."""
    e = t.events
    query = select(e.c.id, e.c.kind, e.c.conversation_id, e.c.user_id, e.c.ref_id).where(*matches)
    async with db.reader.connect() as conn:
        rows = await conn.execute(query.order_by(e.c.id).limit(limit))
        return [log_entry(row) for row in rows]


def _made_by(node: int) -> ColumnElement[bool]:
    """The event's id was made by the id generator of `node` (no index: bound the id range)."""
    e = t.events
    # PostgreSQL shifts a bigint by an int4 only: the literals are typed as Integer.
    return e.c.id.op(">>")(literal(SEQ_BITS, Integer)).op("&")(literal((1 << NODE_BITS) - 1, Integer)) == node


async def read_rooms_joined(
    db: Database, *, since: int, user_id: int, room_ids: list[int], new_room_ids: list[int], tool_node: int, limit: int
) -> list[tuple[int, int]]:
    """(room id, newest such event id), oldest first, for the rooms among `room_ids` this person
    was added to after `since` (`member.added` about them), and those among `new_room_ids`
    made after it with them in it, by someone else or by the admin tool (`tool_node`). Each
    half reads its own index (events by user, events by conversation)."""
    e = t.events
    added = select(e.c.id, e.c.conversation_id).where(
        e.c.user_id == user_id, e.c.id > since, e.c.kind == "member.added", e.c.conversation_id.in_(room_ids)
    )
    made_with = select(e.c.id, e.c.conversation_id).where(
        e.c.conversation_id.in_(new_room_ids),
        e.c.id > since,
        e.c.kind == "conversation.created",
        or_(e.c.user_id.is_(None), e.c.user_id != user_id, _made_by(tool_node)),
    )
    both = union_all(added, made_with).subquery()
    newest = func.max(both.c.id)
    query = select(both.c.conversation_id, newest).group_by(both.c.conversation_id).order_by(newest).limit(limit)
    async with db.reader.connect() as conn:
        return [(row[0], row[1]) for row in await conn.execute(query)]


async def read_room_changes_by_node(db: Database, *, node: int, after: int, limit: int) -> list[LogEntry]:
    """Room and membership changes after `after` whose ids a generator of `node` made, oldest first."""
    e = t.events
    room_changes = or_(e.c.kind.startswith("member."), e.c.kind.startswith("conversation."))
    return await _entries(db, e.c.id > after, _made_by(node), room_changes, limit=limit)


async def last_event_id(db: Database) -> int:
    newest = select(func.max(t.events.c.id).label("id")).union_all(select(func.max(t.messages.c.id))).subquery()
    async with db.reader.connect() as conn:
        return int(await conn.scalar(select(func.max(newest.c.id))) or 0)


class SqlEventLog:
    """The event log as the core's EventLog protocol: read, and pruned by retention."""

    def __init__(self, db: Database, writer: Writer) -> None:
        self.db = db
        self.writer = writer

    async def purge_before(self, event_id: int, batch: int = 1000) -> int:
        """Remove up to `batch` rows of `events` older than `event_id` (a message's creation is
        its row in `messages`, which the message's own retention removes)."""
        e = t.events
        oldest = select(e.c.id).where(e.c.id < event_id).order_by(e.c.id).limit(batch)

        async def write(conn: AsyncConnection) -> int:
            ids = list((await conn.scalars(oldest)).all())
            if ids:
                await conn.execute(e.delete().where(e.c.id.in_(ids)))
            return len(ids)

        return await self.writer.write(write)

    async def since(self, *, since: int, conversation_ids: list[int], user_id: int, limit: int) -> list[LogEntry]:
        return await read_events(self.db, since=since, conversation_ids=conversation_ids, user_id=user_id, limit=limit)

    async def message_changes(
        self, *, since: int, conversation_ids: list[int], up_to: int, limit: int
    ) -> list[LogEntry]:
        return await read_message_changes(
            self.db, since=since, conversation_ids=conversation_ids, up_to=up_to, limit=limit
        )

    async def rooms_joined(
        self, *, since: int, user_id: int, room_ids: list[int], new_room_ids: list[int], tool_node: int, limit: int
    ) -> list[tuple[int, int]]:
        return await read_rooms_joined(
            self.db,
            since=since,
            user_id=user_id,
            room_ids=room_ids,
            new_room_ids=new_room_ids,
            tool_node=tool_node,
            limit=limit,
        )

    async def room_changes_by_node(self, *, node: int, after: int, limit: int) -> list[LogEntry]:
        return await read_room_changes_by_node(self.db, node=node, after=after, limit=limit)

    async def last_id(self) -> int:
        return await last_event_id(self.db)
