"""message change events indexed: MAM finds edits, deletions and reactions without a scan

MAM lists a message's edits, deletions and reaction changes as entries of their own
(the twelfth session). They are rows of `events`, among every other kind of event of the
conversation: one per message, read markers, membership. Without an index of their own, a
query counted and paged them by reading all the events of the person's conversations in its
bounds. This partial index holds the change events alone, by conversation and id.

Revision ID: 0024
Revises: 0023
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

CHANGES = "kind IN ('message.edited', 'message.deleted', 'reaction.changed')"


def upgrade() -> None:
    op.create_index(
        "ix_events_message_changes",
        "events",
        ["conversation_id", "id"],
        sqlite_where=sa.text(CHANGES),
        postgresql_where=sa.text(CHANGES),
    )


def downgrade() -> None:
    op.drop_index("ix_events_message_changes", table_name="events")
