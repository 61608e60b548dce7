"""message payloads: extra XML elements a client sent (kept intact) and the encryption they use

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("messages", sa.Column("extras", sa.Text(), nullable=True))
    op.add_column("messages", sa.Column("encryption", sa.String(length=64), nullable=True))


def downgrade() -> None:
    op.drop_column("messages", "encryption")
    op.drop_column("messages", "extras")
