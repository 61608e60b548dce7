"""full-text indexes merge their segments 16 at a time instead of 4

FTS5 writes each indexing transaction as a new segment and, by default, merges
segments as soon as 4 of them share a level: each indexed row is rewritten at
every level, and that merging was half the CPU of indexing (36 µs a message in
256-row chunks; 16-18 µs with 16, bench/README.md). A search then looks a term up
in up to 16 segments per level instead of 4, a few more B-tree lookups per query.
`crisismerge` (merge a level in one go past this many segments) goes from 16 to 32: left
equal to `automerge`, such merges came often and one indexing transaction took 213 ms
(the writer waits for it) instead of at most 40-48 ms with either the defaults or these
two settings (81,920 rows in 256-row chunks). The settings are kept in each index's own
configuration table. SQLite only.

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

MERGING = {"automerge": 16, "crisismerge": 32}
FTS_DEFAULTS = {"automerge": 4, "crisismerge": 16}
INDEXES = ("messages_words", "messages_fts")


def _set(settings: dict[str, int]) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for index in INDEXES:
        for name, value in settings.items():
            op.execute(f"INSERT INTO {index}({index}, rank) VALUES ('{name}', {value})")


def upgrade() -> None:
    _set(MERGING)


def downgrade() -> None:
    _set(FTS_DEFAULTS)
