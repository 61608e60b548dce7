"""full-text indexing in bulk behind the commit (SQLite)

A new message no longer goes through the FTS5 triggers in its own transaction:
the writer adds every row above a mark to both full-text tables with one
INSERT ... SELECT each, about once a second and before each search, and moves
the mark in the same transaction (store/sql/indexing.py). Edits, tombstones and
deletions keep the indexes right through triggers, for rows at or below the mark
only: a row above it is indexed later, as it is then. PostgreSQL keeps its
generated tsvector column: nothing changes there.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# The same ranges as 0004 (scripts written without spaces: only they go to the trigram index).
SPACELESS = "぀-ヿ㐀-䶿一-鿿豈-﫿฀-໿က-႟ក-៿"
GLOB = f"'*[{SPACELESS}]*'"
OLD_INDEXED = "old.id <= (SELECT indexed_upto FROM messages_search_mark)"
NEW_INDEXED = "new.id <= (SELECT indexed_upto FROM messages_search_mark)"

TRIGGERS_0004 = [
    "messages_words_insert",
    "messages_words_delete",
    "messages_words_update",
    "messages_fts_insert",
    "messages_fts_delete",
    "messages_fts_update_old",
    "messages_fts_update_new",
]
SQLITE_UP = [
    """CREATE TABLE messages_search_mark (
        id INTEGER PRIMARY KEY CHECK (id = 1), indexed_upto BIGINT NOT NULL)""",
    # Every row is indexed now, by the triggers of 0003 and 0004.
    "INSERT INTO messages_search_mark VALUES (1, (SELECT coalesce(max(id), 0) FROM messages))",
    *(f"DROP TRIGGER {name}" for name in TRIGGERS_0004),
    f"""CREATE TRIGGER messages_words_delete AFTER DELETE ON messages WHEN {OLD_INDEXED} BEGIN
        INSERT INTO messages_words(messages_words, rowid, body) VALUES ('delete', old.id, old.body); END""",
    f"""CREATE TRIGGER messages_words_update AFTER UPDATE OF body ON messages WHEN {OLD_INDEXED} BEGIN
        INSERT INTO messages_words(messages_words, rowid, body) VALUES ('delete', old.id, old.body);
        INSERT INTO messages_words(rowid, body) VALUES (new.id, new.body); END""",
    f"""CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages
        WHEN {OLD_INDEXED} AND old.body GLOB {GLOB} BEGIN
        INSERT INTO messages_fts(messages_fts, rowid, body) VALUES ('delete', old.id, old.body); END""",
    f"""CREATE TRIGGER messages_fts_update_old AFTER UPDATE OF body ON messages
        WHEN {OLD_INDEXED} AND old.body GLOB {GLOB} BEGIN
        INSERT INTO messages_fts(messages_fts, rowid, body) VALUES ('delete', old.id, old.body); END""",
    f"""CREATE TRIGGER messages_fts_update_new AFTER UPDATE OF body ON messages
        WHEN {NEW_INDEXED} AND new.body GLOB {GLOB} BEGIN
        INSERT INTO messages_fts(rowid, body) VALUES (new.id, new.body); END""",
]
PENDING = "id > (SELECT indexed_upto FROM messages_search_mark)"
SQLITE_DOWN = [
    # Index what is still waiting, then go back to indexing in every transaction.
    f"INSERT INTO messages_words(rowid, body) SELECT id, body FROM messages WHERE {PENDING}",
    f"INSERT INTO messages_fts(rowid, body) SELECT id, body FROM messages WHERE {PENDING} AND body GLOB {GLOB}",
    *(f"DROP TRIGGER {name}" for name in TRIGGERS_0004 if not name.endswith("_insert")),
    "DROP TABLE messages_search_mark",
    """CREATE TRIGGER messages_words_insert AFTER INSERT ON messages BEGIN
        INSERT INTO messages_words(rowid, body) VALUES (new.id, new.body); END""",
    """CREATE TRIGGER messages_words_delete AFTER DELETE ON messages BEGIN
        INSERT INTO messages_words(messages_words, rowid, body) VALUES ('delete', old.id, old.body); END""",
    """CREATE TRIGGER messages_words_update AFTER UPDATE OF body ON messages BEGIN
        INSERT INTO messages_words(messages_words, rowid, body) VALUES ('delete', old.id, old.body);
        INSERT INTO messages_words(rowid, body) VALUES (new.id, new.body); END""",
    f"""CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages WHEN new.body GLOB {GLOB} BEGIN
        INSERT INTO messages_fts(rowid, body) VALUES (new.id, new.body); END""",
    f"""CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages WHEN old.body GLOB {GLOB} BEGIN
        INSERT INTO messages_fts(messages_fts, rowid, body) VALUES ('delete', old.id, old.body); END""",
    f"""CREATE TRIGGER messages_fts_update_old AFTER UPDATE OF body ON messages WHEN old.body GLOB {GLOB} BEGIN
        INSERT INTO messages_fts(messages_fts, rowid, body) VALUES ('delete', old.id, old.body); END""",
    f"""CREATE TRIGGER messages_fts_update_new AFTER UPDATE OF body ON messages WHEN new.body GLOB {GLOB} BEGIN
        INSERT INTO messages_fts(rowid, body) VALUES (new.id, new.body); END""",
]


def _run(statements: list[str]) -> None:
    for statement in statements:
        op.execute(statement)


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _run(SQLITE_UP)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _run(SQLITE_DOWN)
