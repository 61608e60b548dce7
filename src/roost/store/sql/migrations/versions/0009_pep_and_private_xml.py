"""personal storage: PEP nodes and items (XEP-0163), private XML (XEP-0049)

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pep_nodes",
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("node", sa.String(length=255), nullable=False),
        sa.Column("access_model", sa.String(length=16), nullable=False),
        sa.Column("persist_items", sa.Boolean(), nullable=False),
        sa.Column("max_items", sa.Integer(), nullable=False),
        sa.Column("send_last", sa.String(length=32), nullable=False),
        sa.Column("notify_retract", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("owner_id", "node"),
    )
    op.create_table(
        "pep_items",
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("node", sa.String(length=255), nullable=False),
        sa.Column("item_id", sa.String(length=1024), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("owner_id", "node", "item_id"),
    )
    op.create_index("ix_pep_items_node", "pep_items", ["owner_id", "node", "seq"])
    op.create_index("ix_pep_items_last", "pep_items", ["node", "seq"])
    op.create_table(
        "private_xml",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=512), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "key"),
    )


def downgrade() -> None:
    op.drop_table("private_xml")
    op.drop_index("ix_pep_items_last", table_name="pep_items")
    op.drop_index("ix_pep_items_node", table_name="pep_items")
    op.drop_table("pep_items")
    op.drop_table("pep_nodes")
