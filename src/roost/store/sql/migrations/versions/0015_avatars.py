"""avatars: one image per person (file store blobs), its SHA-1 on the user for every listing

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "avatars",
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("sha1", sa.String(length=40), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content_type", sa.String(length=255), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("small_sha256", sa.String(length=64), nullable=False),
        sa.Column("small_size", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_avatars_sha256", "avatars", ["sha256"])
    op.create_index("ix_avatars_small_sha256", "avatars", ["small_sha256"])
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("avatar_sha1", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("avatar_sha1")
    op.drop_index("ix_avatars_small_sha256", table_name="avatars")
    op.drop_index("ix_avatars_sha256", table_name="avatars")
    op.drop_table("avatars")
