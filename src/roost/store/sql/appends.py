"""Message appends in batches: SQLite in its connection's thread, PostgreSQL through SQLAlchemy.

On SQLite one function stores the whole batch in the connection's thread
(writer.submit_in_thread): one executemany per table, then the writer's COMMIT,
all in one hand-off from the event loop. Every statement's text is fixed, so
sqlite3 prepares each once per connection. A re-sent client id is found by the
insert itself (ON CONFLICT DO NOTHING on the unique index): only a batch with one
looks the stored messages up.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import Select, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.model.errors import Conflict
from roost.model.messages import Appended, Message, NewMessage
from roost.store.sql import tables as t
from roost.store.sql.convert import decode_ids, encode_ids, message_from_row, sqlite_text_time, sqlite_time_text, utc
from roost.store.sql.files import attach

Known = dict[tuple[int, str], Message]


def to_store(new: NewMessage, *, message_id: int, now: datetime) -> Message:
    """The message as it will be stored: what a batch of appends holds.

    Its message.created event has no row of its own: the event's id is the message's, and
    the event log reads these from the messages table (store/sql/events.py). A row in the
    events table would write another page of its conversation's index in every commit,
    a third of what an append writes (bench/README.md)."""
    return Message(
        id=message_id,
        conversation_id=new.conversation_id,
        sender_id=new.sender_id,
        client_id=new.client_id,
        body=new.body,
        created_at=now,
        reply_to=new.reply_to,
        mentions=new.mentions,
        attachments=tuple(replace(f, message_id=message_id) for f in new.attachments),
        extras=new.extras,
        encryption=new.encryption,
        client_ref=new.client_ref,
    )


def sort_out(items: list[Message], known: Known) -> tuple[list[Appended], list[Message]]:
    """Each item's result, and the items to insert: a (sender, client id) stored already,
    or earlier in the batch, gives back the stored message."""
    results: list[Appended] = []
    fresh: list[Message] = []
    for message in items:
        if message.client_id is not None:
            key = (message.sender_id, message.client_id)
            if key in known:
                results.append(Appended(known[key], created=False, event_id=0))
                continue
            known[key] = message
        fresh.append(message)
        results.append(Appended(message, created=True, event_id=message.id))
    return results, fresh


def _newest(fresh: list[Message]) -> dict[int, int]:
    """The newest message id of each conversation in the batch."""
    newest: dict[int, int] = {}
    for message in fresh:
        conversation_id = message.conversation_id
        newest[conversation_id] = max(newest.get(conversation_id, 0), message.id)
    return newest


def _read_by_senders(fresh: list[Message]) -> list[tuple[int, int, int]]:
    """(conversation, sender, newest message id): whoever writes has read what came before,
    so each sender's read marker moves to their own newest message (no event of its own:
    every client reads the same from the message.created event)."""
    newest: dict[tuple[int, int], int] = {}
    for message in fresh:
        key = (message.conversation_id, message.sender_id)
        newest[key] = max(newest.get(key, 0), message.id)
    return [(conversation, sender, message_id) for (conversation, sender), message_id in newest.items()]


# ---------------------------------------------------------------- SQLite, in the connection's thread


INSERT_MESSAGE = (
    "INSERT INTO messages (id, conversation_id, sender_id, client_id, body, created_at, reply_to, mentions,"
    " extras, encryption, client_ref) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
INSERT_NEW_MESSAGE = INSERT_MESSAGE + " ON CONFLICT (sender_id, client_id) DO NOTHING"
INSERT_MENTION = "INSERT INTO mentions (conversation_id, user_id, message_id) VALUES (?, ?, ?)"
ATTACH_FILE = "UPDATE files SET message_id = ?1 WHERE id = ?2 AND message_id IS NULL"
MOVE_NEWEST = "UPDATE conversations SET last_message_id = ?2 WHERE id = ?1 AND last_message_id < ?2"
MARK_READ = "UPDATE members SET last_read_id = ?3 WHERE conversation_id = ?1 AND user_id = ?2 AND last_read_id < ?3"
# The (sender, client id) pairs come as one JSON array: one statement text for any batch size.
# A join (not a row-value IN) lets SQLite look each pair up in the unique index on both columns.
STORED = (
    "SELECT m.id, m.conversation_id, m.sender_id, m.client_id, m.body, m.created_at, m.edited_at, m.deleted_at,"
    " m.reply_to, m.mentions, m.extras, m.encryption, m.deleted_by, m.deletion_reason, m.client_ref"
    " FROM json_each(?) AS pair JOIN messages AS m"
    " ON m.sender_id = json_extract(pair.value, '$[0]') AND m.client_id = json_extract(pair.value, '$[1]')"
)


def _row(m: Message) -> tuple[Any, ...]:
    return (
        m.id,
        m.conversation_id,
        m.sender_id,
        m.client_id,
        m.body,
        sqlite_time_text(m.created_at),
        m.reply_to,
        encode_ids(m.mentions),
        m.extras,
        m.encryption,
        m.client_ref,
    )


def _stored_message(row: tuple[Any, ...]) -> Message:
    created_at, edited_at, deleted_at = (None if v is None else utc(sqlite_text_time(v)) for v in row[5:8])
    assert created_at is not None
    return Message(
        id=row[0],
        conversation_id=row[1],
        sender_id=row[2],
        client_id=row[3],
        body=row[4],
        created_at=created_at,
        edited_at=edited_at,
        deleted_at=deleted_at,
        reply_to=row[8],
        mentions=decode_ids(row[9]),
        extras=row[10],
        encryption=row[11],
        deleted_by=row[12],
        deletion_reason=row[13],
        client_ref=row[14],
    )


def _stored_before(db: sqlite3.Connection, items: list[Message]) -> Known:
    """The messages stored before this batch under the items' (sender, client id)."""
    pairs = [(m.sender_id, m.client_id) for m in items if m.client_id is not None]
    ours = {m.id for m in items}
    stored = (_stored_message(row) for row in db.execute(STORED, (json.dumps(pairs),)))
    return {(m.sender_id, m.client_id): m for m in stored if m.client_id is not None and m.id not in ours}


def append_in_sqlite_thread(db: sqlite3.Connection, items: list[Message]) -> list[Appended]:
    """Store a batch on SQLite (the writer's thread function; it commits afterwards)."""
    results, messages = sort_out(items, {})  # repeats within the batch
    if messages:
        inserted = db.executemany(INSERT_NEW_MESSAGE, [_row(m) for m in messages]).rowcount
        if inserted != len(messages):  # some were stored before: the sender gets those back
            results, messages = sort_out(items, _stored_before(db, messages))
        mentioned = [(m.conversation_id, user, m.id) for m in messages for user in m.mentions]
        if mentioned:
            db.executemany(INSERT_MENTION, mentioned)
        attached = [(m.id, f.id) for m in messages for f in m.attachments]
        if attached and db.executemany(ATTACH_FILE, attached).rowcount != len(attached):
            raise Conflict("file.attached", "A file can be attached to one message only.")
        db.executemany(MOVE_NEWEST, list(_newest(messages).items()))
        db.executemany(MARK_READ, _read_by_senders(messages))
    return results


# ---------------------------------------------------------------- PostgreSQL, through SQLAlchemy


async def _stored(conn: AsyncConnection, items: list[Message]) -> Known:
    keyed = {(m.sender_id, m.client_id) for m in items if m.client_id is not None}
    if not keyed:
        return {}
    m = t.messages
    query: Select[Any] = select(m).where(
        m.c.client_id.in_({cid for _, cid in keyed}), m.c.sender_id.in_({sender for sender, _ in keyed})
    )
    rows = list(await conn.execute(query))
    return {(r.sender_id, r.client_id): message_from_row(r) for r in rows if (r.sender_id, r.client_id) in keyed}


def _message_row(message: Message) -> dict[str, Any]:
    return {
        "id": message.id,
        "conversation_id": message.conversation_id,
        "sender_id": message.sender_id,
        "client_id": message.client_id,
        "body": message.body,
        "created_at": message.created_at,
        "edited_at": None,
        "deleted_at": None,
        "reply_to": message.reply_to,
        "mentions": encode_ids(message.mentions),
        "extras": message.extras,
        "encryption": message.encryption,
        "client_ref": message.client_ref,
    }


async def append_through_sqlalchemy(conn: AsyncConnection, items: list[Message]) -> list[Appended]:
    """Store a batch in a few multi-row statements (the writer's batch function)."""
    results, messages = sort_out(items, await _stored(conn, items))
    if not messages:
        return results
    await conn.execute(t.messages.insert(), [_message_row(m) for m in messages])
    mentioned = [
        {"conversation_id": m.conversation_id, "user_id": u, "message_id": m.id} for m in messages for u in m.mentions
    ]
    if mentioned:
        await conn.execute(t.mentions.insert(), mentioned)
    for message in messages:
        if message.attachments:
            await attach(conn, message.id, message.attachments)
    # One statement for every conversation of the batch (hundreds under load with many pairs).
    c = t.conversations
    await conn.execute(
        update(c)
        .where(c.c.id == bindparam("conversation"), c.c.last_message_id < bindparam("newest"))
        .values(last_message_id=bindparam("newest")),
        [{"conversation": cid, "newest": mid} for cid, mid in _newest(messages).items()],
    )
    m = t.members
    await conn.execute(
        update(m)
        .where(
            m.c.conversation_id == bindparam("conversation"),
            m.c.user_id == bindparam("sender"),
            m.c.last_read_id < bindparam("newest"),
        )
        .values(last_read_id=bindparam("newest")),
        [{"conversation": cid, "sender": uid, "newest": mid} for cid, uid, mid in _read_by_senders(messages)],
    )
    return results
