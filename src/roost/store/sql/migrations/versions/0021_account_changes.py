"""account changes: a short log of changes to accounts, read by every running server

The admin CLI (`roost user add/disable/enable/delete/admin/import`) runs in its own
process: what it tells its own router reaches nobody. Each change to an account is also
noted here with the process that made it, and every running server reads the notes of
other processes every two seconds and tells its live sessions (web directories, XMPP
rosters). Notes older than a day are removed.

Revision ID: 0021
Revises: 0020
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "account_changes",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("change", sa.String(length=16), nullable=False),
        sa.Column("origin", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("account_changes")
