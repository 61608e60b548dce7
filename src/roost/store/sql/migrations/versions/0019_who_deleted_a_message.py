"""who deleted a message, and why: `deleted_by` and `deletion_reason` on its tombstone

A room's admins delete other people's messages (on the web, or as XMPP moderators,
XEP-0425). Their clients show "removed by a moderator" with the reason, and the room's
archive gives the tombstone a `<moderated by=…/>`: so the tombstone keeps who deleted the
message and the reason they gave. Earlier deletions take their actor from the event log
(the `message.deleted` event names who deleted it); they have no reason.

Revision ID: 0019
Revises: 0018
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("messages", sa.Column("deleted_by", sa.Integer(), nullable=True))
    op.add_column("messages", sa.Column("deletion_reason", sa.Text(), nullable=True))
    op.execute(
        "UPDATE messages SET deleted_by = (SELECT e.user_id FROM events AS e"
        # the conversation's events only: ix_events_conversation finds them (PostgreSQL makes no index of its own)
        " WHERE e.conversation_id = messages.conversation_id AND e.kind = 'message.deleted'"
        " AND e.ref_id = messages.id ORDER BY e.id DESC LIMIT 1)"
        " WHERE deleted_at IS NOT NULL"
    )


def downgrade() -> None:
    op.drop_column("messages", "deletion_reason")
    op.drop_column("messages", "deleted_by")
