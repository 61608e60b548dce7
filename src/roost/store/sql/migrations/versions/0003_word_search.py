"""word search: FTS5 unicode61 words on SQLite, tsvector over punctuation-split text on PostgreSQL

Words (letters and digits) are matched by prefix in a full-text word index on
both databases; terms in scripts written without spaces (Chinese, Japanese) or
with punctuation inside keep the substring (trigram) index of 0002. Both
databases split words at punctuation the same way, so "example" finds
bob@example.com and "api" finds /api/v2 on either.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

SQLITE_UP = [
    """CREATE VIRTUAL TABLE messages_words USING fts5(
        body, content='messages', content_rowid='id',
        tokenize='unicode61 remove_diacritics 0', prefix='2 3')""",
    """CREATE TRIGGER messages_words_insert AFTER INSERT ON messages BEGIN
        INSERT INTO messages_words(rowid, body) VALUES (new.id, new.body); END""",
    """CREATE TRIGGER messages_words_delete AFTER DELETE ON messages BEGIN
        INSERT INTO messages_words(messages_words, rowid, body) VALUES ('delete', old.id, old.body); END""",
    """CREATE TRIGGER messages_words_update AFTER UPDATE OF body ON messages BEGIN
        INSERT INTO messages_words(messages_words, rowid, body) VALUES ('delete', old.id, old.body);
        INSERT INTO messages_words(rowid, body) VALUES (new.id, new.body); END""",
    "INSERT INTO messages_words(messages_words) VALUES ('rebuild')",
]
SQLITE_DOWN = [
    "DROP TRIGGER messages_words_update",
    "DROP TRIGGER messages_words_delete",
    "DROP TRIGGER messages_words_insert",
    "DROP TABLE messages_words",
]
# ASCII punctuation becomes a space before parsing, as FTS5's unicode61 tokenizer
# separates words there (PostgreSQL's parser would keep e-mail addresses and URLs whole).
WORDS = r"""to_tsvector('simple', regexp_replace(body, '[!-/:-@\[-`{-~]+', ' ', 'g'))"""
POSTGRES_UP = [
    "DROP INDEX ix_messages_search",
    "ALTER TABLE messages DROP COLUMN search",
    f"ALTER TABLE messages ADD COLUMN search tsvector GENERATED ALWAYS AS ({WORDS}) STORED",
    "CREATE INDEX ix_messages_search ON messages USING gin (search)",
]
POSTGRES_DOWN = [
    "DROP INDEX ix_messages_search",
    "ALTER TABLE messages DROP COLUMN search",
    """ALTER TABLE messages ADD COLUMN search tsvector
        GENERATED ALWAYS AS (to_tsvector('simple', body)) STORED""",
    "CREATE INDEX ix_messages_search ON messages USING gin (search)",
]


def _run(statements: list[str]) -> None:
    for statement in statements:
        op.execute(statement)


def upgrade() -> None:
    _run(SQLITE_UP if op.get_bind().dialect.name == "sqlite" else POSTGRES_UP)


def downgrade() -> None:
    _run(SQLITE_DOWN if op.get_bind().dialect.name == "sqlite" else POSTGRES_DOWN)
