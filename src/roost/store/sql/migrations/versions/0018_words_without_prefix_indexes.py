"""the word index keeps no prefix indexes (SQLite)

`prefix='2 3'` made FTS5 store every word three times: as itself and as its first two
and first three characters. Only searches for a term of exactly two or three letters
used those copies; every other prefix search ("deploy" finding "deployment") reads the
words that start with the term, as those do now. The copies doubled the CPU of indexing,
on the writer's thread, for every message: 21 against 10 µs a chat line in 256-row
chunks, 13.5 against 6.3 in one pass over a million (bench/README.md, seventh session).
Over that million, a search for "th" took 134 ms instead of 79, "de" 62 instead of 48;
"deploy" took the same 60.

The index is made again from the messages, up to the indexing mark (the rows above
it are indexed as usual, store/sql/indexing.py), with the merge settings of 0016.
This reads every indexed message once: about 10 µs a message at upgrade time.

Revision ID: 0018
Revises: 0017
"""

from __future__ import annotations

from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

MERGING = {"automerge": 16, "crisismerge": 32}
INDEXED = "id <= (SELECT indexed_upto FROM messages_search_mark)"


def _remake(prefix: str) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("DROP TABLE messages_words")
    op.execute(
        "CREATE VIRTUAL TABLE messages_words USING fts5(body, content='messages', content_rowid='id',"
        f" tokenize='unicode61 remove_diacritics 0'{prefix})"
    )
    for name, value in MERGING.items():
        op.execute(f"INSERT INTO messages_words(messages_words, rank) VALUES ('{name}', {value})")
    op.execute(f"INSERT INTO messages_words(rowid, body) SELECT id, body FROM messages WHERE {INDEXED}")


def upgrade() -> None:
    _remake("")


def downgrade() -> None:
    _remake(", prefix='2 3'")
