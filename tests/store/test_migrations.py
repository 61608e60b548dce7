"""Migrations that move data, on SQLite files made at the revision before them."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.dialects import sqlite

from roost.store.sql import tables as t
from roost.store.sql.events import is_message_change
from roost.store.sql.migrate import upgrade


def test_tombstones_take_who_deleted_them_from_the_event_log(tmp_path: Path) -> None:
    """Migration 0019: a message deleted before it names its deleter (the message.deleted event's
    user); one that is not deleted names nobody."""
    path = tmp_path / "tombstones.db"
    upgrade(f"sqlite:///{path}", "0018")
    with sqlite3.connect(path) as db:
        db.executemany(
            "INSERT INTO messages (id, conversation_id, sender_id, body, created_at, deleted_at, mentions)"
            " VALUES (?, 7, 1, ?, '2025-03-01 12:00:00.000000', ?, '')",
            [(40, "", "2025-03-01 12:05:00.000000"), (41, "", "2025-03-01 12:06:00.000000"), (42, "kept", None)],
        )
        db.executemany(
            "INSERT INTO events (id, kind, conversation_id, user_id, ref_id) VALUES (?, 'message.deleted', 7, ?, ?)",
            [(50, 1, 40), (51, 3, 41)],
        )
    upgrade(f"sqlite:///{path}")
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT id, deleted_by, deletion_reason FROM messages ORDER BY id").fetchall()
    assert rows == [(40, 1, None), (41, 3, None), (42, None, None)]


def test_message_changes_are_found_on_their_own_index(tmp_path: Path) -> None:
    """Migration 0024: MAM's query for the edits, deletions and reactions of a person's
    conversations searches their partial index (SQLite's plan names it), instead of reading every
    event of those conversations: one per message, and read markers and membership too."""
    path = tmp_path / "changes.db"
    upgrade(f"sqlite:///{path}")
    e = t.events
    query = select(func.count()).where(e.c.conversation_id.in_([7, 8]), is_message_change(), e.c.id > 100)
    compiled = query.compile(dialect=sqlite.dialect(), compile_kwargs={"render_postcompile": True})
    with sqlite3.connect(path) as db:
        plan = " ".join(row[3] for row in db.execute(f"EXPLAIN QUERY PLAN {compiled}", tuple(compiled.params.values())))
    assert "USING INDEX ix_events_message_changes" in plan or "USING COVERING INDEX ix_events_message_changes" in plan


def test_roster_items_are_found_by_the_address_they_name(tmp_path: Path) -> None:
    """Migration 0025: everyone's roster item for one address (a changed colleague's pushes,
    presence watchers) is read through its index, not by reading every roster."""
    path = tmp_path / "contacts.db"
    upgrade(f"sqlite:///{path}")
    query = select(t.contacts).where(t.contacts.c.contact == "amy")
    compiled = query.compile(dialect=sqlite.dialect(), compile_kwargs={"render_postcompile": True})
    with sqlite3.connect(path) as db:
        plan = " ".join(row[3] for row in db.execute(f"EXPLAIN QUERY PLAN {compiled}", tuple(compiled.params.values())))
    assert "USING INDEX ix_contacts_contact" in plan, plan
