"""server keys: secrets the server makes once and keeps in the database (shared by every node)

`file_links` signs the capability links of files sent in conversations, which XMPP clients
(holding no web session) fetch: `core/files/links.py`. 32 random bytes, made here.

Revision ID: 0020
Revises: 0019
"""

from __future__ import annotations

import os

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    keys = op.create_table(
        "server_keys",
        sa.Column("name", sa.String(length=64), primary_key=True),
        sa.Column("value", sa.LargeBinary(), nullable=False),
    )
    op.bulk_insert(keys, [{"name": "file_links", "value": os.urandom(32)}])


def downgrade() -> None:
    op.drop_table("server_keys")
