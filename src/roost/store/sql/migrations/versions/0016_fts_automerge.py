"""full-text indexes merge their segments 16 at a time instead of 4

FTS5 writes each indexing transaction as a new segment and, by default, merges
segments as soon as 4 of them share a level: each indexed row is rewritten at
every level, and that merging was half the CPU of indexing (36 µs a message in
256-row chunks; 16-18 µs with 16, bench/README.md). A search then looks a term up
in up to 16 segments per level instead of 4, a few more B-tree lookups per query.
The setting is kept in each index's own configuration table. SQLite only.

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

AUTOMERGE = 16
FTS_DEFAULT = 4
INDEXES = ("messages_words", "messages_fts")


def _set_automerge(value: int) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for index in INDEXES:
        op.execute(f"INSERT INTO {index}({index}, rank) VALUES ('automerge', {value})")


def upgrade() -> None:
    _set_automerge(AUTOMERGE)


def downgrade() -> None:
    _set_automerge(FTS_DEFAULT)
