"""a message's creation is logged by its row in messages, not by a row in events

The event log (store/sql/events.py) now reads message.created entries from the
messages table, with the message's id as the event's id; the rows of that kind in
events go. Every append wrote such a row, and with it a page of its conversation's
(conversation_id, id) index in each commit: a third of the pages an append writes
(bench/README.md, fifth session).

A client's saved position stays valid: a message's old event id was taken from the id
generator right after the message's own id, so the messages after that position are
exactly those with a larger id.

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("DELETE FROM events WHERE kind = 'message.created'")


def downgrade() -> None:
    op.execute(
        "INSERT INTO events (id, kind, conversation_id, user_id, ref_id)"
        " SELECT id, 'message.created', conversation_id, NULL, id FROM messages"
    )
