"""trigram index only for text in scripts written without spaces

Words are found through the word index (0003), including words joined by
punctuation (phrase queries). Only text in scripts without spaces between
words (Chinese, Japanese, Thai, ...) needs the much larger trigram index, so
it now holds just the messages that contain such characters: writing a
message costs about half as much.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# Hiragana, Katakana, CJK ideographs (and extension A, compatibility), Thai, Lao, Myanmar, Khmer.
SPACELESS = "぀-ヿ㐀-䶿一-鿿豈-﫿฀-໿က-႟ក-៿"
GLOB = f"'*[{SPACELESS}]*'"

SQLITE_UP = [
    "DROP TRIGGER messages_fts_insert",
    "DROP TRIGGER messages_fts_delete",
    "DROP TRIGGER messages_fts_update",
    f"""CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages WHEN new.body GLOB {GLOB} BEGIN
        INSERT INTO messages_fts(rowid, body) VALUES (new.id, new.body); END""",
    f"""CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages WHEN old.body GLOB {GLOB} BEGIN
        INSERT INTO messages_fts(messages_fts, rowid, body) VALUES ('delete', old.id, old.body); END""",
    f"""CREATE TRIGGER messages_fts_update_old AFTER UPDATE OF body ON messages WHEN old.body GLOB {GLOB} BEGIN
        INSERT INTO messages_fts(messages_fts, rowid, body) VALUES ('delete', old.id, old.body); END""",
    f"""CREATE TRIGGER messages_fts_update_new AFTER UPDATE OF body ON messages WHEN new.body GLOB {GLOB} BEGIN
        INSERT INTO messages_fts(rowid, body) VALUES (new.id, new.body); END""",
    "INSERT INTO messages_fts(messages_fts) VALUES ('delete-all')",
    f"INSERT INTO messages_fts(rowid, body) SELECT id, body FROM messages WHERE body GLOB {GLOB}",
]
SQLITE_DOWN = [
    "DROP TRIGGER messages_fts_update_new",
    "DROP TRIGGER messages_fts_update_old",
    "DROP TRIGGER messages_fts_delete",
    "DROP TRIGGER messages_fts_insert",
    """CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
        INSERT INTO messages_fts(rowid, body) VALUES (new.id, new.body); END""",
    """CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
        INSERT INTO messages_fts(messages_fts, rowid, body) VALUES ('delete', old.id, old.body); END""",
    """CREATE TRIGGER messages_fts_update AFTER UPDATE OF body ON messages BEGIN
        INSERT INTO messages_fts(messages_fts, rowid, body) VALUES ('delete', old.id, old.body);
        INSERT INTO messages_fts(rowid, body) VALUES (new.id, new.body); END""",
    "INSERT INTO messages_fts(messages_fts) VALUES ('rebuild')",
]
POSTGRES_UP = [
    "DROP INDEX ix_messages_body_trgm",
    f"CREATE INDEX ix_messages_body_trgm ON messages USING gin (body gin_trgm_ops) WHERE body ~ '[{SPACELESS}]'",
]
POSTGRES_DOWN = [
    "DROP INDEX ix_messages_body_trgm",
    "CREATE INDEX ix_messages_body_trgm ON messages USING gin (body gin_trgm_ops)",
]


def _run(statements: list[str]) -> None:
    for statement in statements:
        op.execute(statement)


def upgrade() -> None:
    _run(SQLITE_UP if op.get_bind().dialect.name == "sqlite" else POSTGRES_UP)


def downgrade() -> None:
    _run(SQLITE_DOWN if op.get_bind().dialect.name == "sqlite" else POSTGRES_DOWN)
