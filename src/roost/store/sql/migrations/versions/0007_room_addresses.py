"""room addresses: a room's own name in addresses (XMPP room JIDs), unique when set

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("conversations", sa.Column("address", sa.String(length=64), nullable=True))
    op.create_index("ix_conversations_address", "conversations", ["address"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_conversations_address", table_name="conversations")
    op.drop_column("conversations", "address")
