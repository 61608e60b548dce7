"""subscription requests: inbound presence subscription requests waiting for an answer (RFC 6121 pending-in)

Revision ID: 0014
Revises: 0013

0011 and 0012 are made on another branch: at merge this revision follows 0012.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "subscription_requests",
        sa.Column("owner_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("contact", sa.String(length=1024), nullable=False),
        sa.PrimaryKeyConstraint("owner_id", "contact"),
    )


def downgrade() -> None:
    op.drop_table("subscription_requests")
