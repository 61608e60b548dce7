"""roster items by the address they name: whose roster holds someone, without a scan

Two reads look roster items up by the address they name rather than by their owner:
who subscribes to someone's presence (without the shared roster), and everyone's
hand-made item for a colleague whose account changed (one read per change, for every
XMPP stream that pushes it). The primary key starts with the owner, so both read the
whole table.

Revision ID: 0025
Revises: 0024
"""

from __future__ import annotations

from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_contacts_contact", "contacts", ["contact"])


def downgrade() -> None:
    op.drop_index("ix_contacts_contact", table_name="contacts")
