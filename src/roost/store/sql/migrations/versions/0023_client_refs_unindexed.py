"""client refs unindexed: a client ref is looked for on the conversation's index

Migration 0022's index of `(sender_id, client_ref)` cost every message from an XMPP client
without origin-ids a second index entry (more WAL pages per message, measured in
bench/README.md, tenth session). A client ref names a message only for corrections,
retractions, reactions, markers and replies, which name recent messages of one
conversation: they are looked for among its newest messages on `ix_messages_conversation`.

Revision ID: 0023
Revises: 0022
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_messages_sender_client_ref", table_name="messages")


def downgrade() -> None:
    op.create_index(
        "ix_messages_sender_client_ref",
        "messages",
        ["sender_id", "client_ref"],
        sqlite_where=sa.text("client_ref IS NOT NULL"),
        postgresql_where=sa.text("client_ref IS NOT NULL"),
    )
