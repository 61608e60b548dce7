"""push registrations: XEP-0357 app servers per person (stored; nothing is sent yet)

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "push_registrations",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("service_jid", sa.String(length=1024), nullable=False),
        sa.Column("node", sa.String(length=1024), nullable=False),
        sa.Column("resource", sa.String(length=1024), nullable=False),
        sa.Column("options", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "service_jid", "node"),
    )


def downgrade() -> None:
    op.drop_table("push_registrations")
