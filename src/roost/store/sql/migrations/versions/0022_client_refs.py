"""client refs: the id a sender's client knows a message by, when it is no de-duplication key

An XMPP client that sends no XEP-0359 origin-id knows its message by the stanza's `id`,
which RFC 6120 §8.1.3 lets it make unique within one stream only (Psi numbers them anew
on every connection). Such an id cannot be `client_id`, which is unique per sender for
good: a reused one was refused, or dropped as a re-send. It is kept here instead, with an
index to find a message by it (corrections, retractions, reactions, markers and replies
name messages by the id their clients saw).

Revision ID: 0022
Revises: 0021
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("messages", sa.Column("client_ref", sa.String(length=128), nullable=True))
    op.create_index(
        "ix_messages_sender_client_ref",
        "messages",
        ["sender_id", "client_ref"],
        sqlite_where=sa.text("client_ref IS NOT NULL"),
        postgresql_where=sa.text("client_ref IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_messages_sender_client_ref", table_name="messages")
    op.drop_column("messages", "client_ref")
