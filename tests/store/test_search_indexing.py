"""Full-text indexing behind the commit: edits and deletions before and after a row is indexed.

On SQLite the rows reach the FTS5 tables in bulk (store/sql/indexing.py); FTS5's own
integrity check then proves the word index holds exactly what the messages table does.
PostgreSQL answers the same searches from its generated column.
"""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, text
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.model.conversations import Conversation
from roost.model.messages import SearchQuery
from roost.model.users import User
from roost.store.sql.migrate import alembic_config, upgrade
from roost.store.sql.stores import SqlStores, open_stores
from tests.store.builders import NOW, World


async def _bodies(stores: SqlStores, text_: str, conversation: Conversation) -> list[str]:
    return [m.body for m in await stores.search.search(SearchQuery(text_, (conversation.id,)))]


async def _check_word_index(stores: SqlStores) -> None:
    """FTS5 compares the word index with the messages table (rank 1: the content too)."""
    if stores.db.dialect != "sqlite":
        return

    async def check(conn: AsyncConnection) -> None:
        await conn.execute(text("INSERT INTO messages_words(messages_words, rank) VALUES ('integrity-check', 1)"))

    await stores.indexer.catch_up()
    await stores.writer.write(check)


@pytest.fixture
async def chat(world: World) -> tuple[User, Conversation]:
    amy, bob = await world.user("amy"), await world.user("bob")
    return amy, await world.room(amy, bob)


async def test_edits_and_deletions_of_rows_not_yet_indexed(
    world: World, stores: SqlStores, chat: tuple[User, Conversation]
) -> None:
    amy, room = chat
    first = await world.send(room, amy, "alpha plan")
    second = await world.send(room, amy, "東京に行きます beta")
    third = await world.send(room, amy, "gamma notes")

    # No search has run yet: on SQLite these rows wait above the mark.
    await stores.messages.edit(first.id, "alpha revised", (), event_id=world.next_id(), now=NOW)
    await stores.messages.edit(second.id, "大阪に行きます beta", (), event_id=world.next_id(), now=NOW)
    await stores.messages.delete(third.id, actor_id=amy.id, event_id=world.next_id(), now=NOW)

    assert await _bodies(stores, "plan", room) == []
    assert await _bodies(stores, "revised", room) == ["alpha revised"]
    assert await _bodies(stores, "東京に行", room) == []
    assert await _bodies(stores, "大阪に行", room) == ["大阪に行きます beta"]
    assert await _bodies(stores, "gamma", room) == []
    await _check_word_index(stores)


async def test_edits_deletions_and_purges_of_indexed_rows(
    world: World, stores: SqlStores, chat: tuple[User, Conversation]
) -> None:
    amy, room = chat
    old = await world.send(room, amy, "ancient 古い記録", now=NOW - timedelta(days=30))
    kept = await world.send(room, amy, "alpha plan")
    gone = await world.send(room, amy, "東京に行きます beta")
    assert await _bodies(stores, "ancient", room) == ["ancient 古い記録"]  # now indexed

    await stores.messages.edit(kept.id, "alpha revised", (), event_id=world.next_id(), now=NOW)
    await stores.messages.delete(gone.id, actor_id=amy.id, event_id=world.next_id(), now=NOW)
    assert await stores.messages.purge_before(NOW - timedelta(days=1)) == 1

    assert await _bodies(stores, "plan", room) == []
    assert await _bodies(stores, "alpha", room) == ["alpha revised"]
    assert await _bodies(stores, "東京に行", room) == []
    assert await _bodies(stores, "古い記", room) == []
    assert await _bodies(stores, "ancient", room) == []
    assert old.id < kept.id
    await _check_word_index(stores)


async def test_a_search_with_nothing_waiting_writes_nothing(
    world: World, stores: SqlStores, chat: tuple[User, Conversation]
) -> None:
    amy, room = chat
    await world.send(room, amy, "hello there")
    assert await _bodies(stores, "hello", room) == ["hello there"]
    writes = stores.writer.writes

    assert await _bodies(stores, "there", room) == ["hello there"]
    assert await _bodies(stores, "nothing", room) == []
    assert stores.writer.writes == writes


async def test_rows_are_indexed_in_chunks_that_leave_room_for_appends(
    world: World, stores: SqlStores, chat: tuple[User, Conversation]
) -> None:
    if stores.db.dialect != "sqlite":
        pytest.skip("bulk indexing is for SQLite")
    amy, room = chat
    stores.indexer.chunk_rows = 2
    sent = [await world.send(room, amy, f"chunk{i} common") for i in range(5)]
    batches = stores.writer.batches

    assert len(await _bodies(stores, "common", room)) == 5
    assert stores.writer.batches - batches == 3  # 2 + 2 + 1 rows: three transactions of their own

    async def mark(conn: AsyncConnection) -> int:
        return int(await conn.scalar(text("SELECT indexed_upto FROM messages_search_mark")) or 0)

    assert await stores.writer.write(mark) == sent[-1].id
    await _check_word_index(stores)


# ---------------------------------------------------------------- migration 0006 (SQLite)


def _insert(path: Path, *rows: tuple[int, str]) -> None:
    """Messages written as the server before 0006 did: its triggers index them at once."""
    with sqlite3.connect(path) as db:
        db.executemany(
            "INSERT INTO messages (id, conversation_id, sender_id, body, created_at, mentions)"
            " VALUES (?, 7, 1, ?, '2025-03-01 12:00:00.000000', '')",
            rows,
        )


def _words(path: Path, term: str) -> list[int]:
    with sqlite3.connect(path) as db:
        found = db.execute("SELECT rowid FROM messages_words WHERE messages_words MATCH ? ORDER BY rowid", (term,))
        return [row[0] for row in found]


async def test_upgrade_keeps_what_the_triggers_indexed(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    upgrade(f"sqlite:///{path}", "0005")
    _insert(path, (10, "before the upgrade"), (11, "東京 before"))
    upgrade(f"sqlite:///{path}")

    stores = open_stores(f"sqlite:///{path}", migrate=False)
    stores.start()
    try:
        assert [m.id for m in await stores.search.search(SearchQuery("before", (7,)))] == [11, 10]
        assert [m.id for m in await stores.search.search(SearchQuery("東京", (7,)))] == [11]
        await stores.messages.edit(10, "after the upgrade", (), event_id=12, now=NOW)
        assert [m.id for m in await stores.search.search(SearchQuery("after", (7,)))] == [10]
        await _check_word_index(stores)
    finally:
        await stores.close()


def test_downgrade_indexes_what_was_waiting(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    upgrade(f"sqlite:///{path}")
    _insert(path, (20, "waiting to be indexed"))
    assert _words(path, "waiting") == []

    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "0005")
    engine.dispose()

    assert _words(path, "waiting") == [20]
    _insert(path, (21, "indexed by the trigger again"))
    assert _words(path, "trigger") == [21]


def test_full_text_indexes_merge_segments_sixteen_at_a_time(tmp_path: Path) -> None:
    """Migration 0016: fewer, larger merges make indexing about half as costly; a crisis
    merge (one big transaction) only well past that."""
    path = tmp_path / "merge.db"
    upgrade(f"sqlite:///{path}")
    with sqlite3.connect(path) as db:
        for index in ("messages_words", "messages_fts"):
            settings = dict(db.execute(f"SELECT k, v FROM {index}_config WHERE k LIKE '%merge'"))
            assert settings == {"automerge": 16, "crisismerge": 32}


async def test_the_word_index_is_made_again_without_prefix_indexes(tmp_path: Path) -> None:
    """Migration 0018: what was indexed is found again, by two letters too; what waited for the
    indexer is indexed once, by the indexer."""
    path = tmp_path / "prefix.db"
    upgrade(f"sqlite:///{path}", "0017")
    _insert(path, (30, "deployment tomorrow"), (31, "de facto"))
    with sqlite3.connect(path) as db:  # indexed as the writer did before 0018
        db.execute("INSERT INTO messages_words(rowid, body) SELECT id, body FROM messages")
        db.execute("UPDATE messages_search_mark SET indexed_upto = 31")
    _insert(path, (32, "deploy waits for the indexer"))
    upgrade(f"sqlite:///{path}")

    with sqlite3.connect(path) as db:
        made = db.execute("SELECT sql FROM sqlite_master WHERE name = 'messages_words'").fetchone()[0]
        settings = dict(db.execute("SELECT k, v FROM messages_words_config WHERE k LIKE '%merge'"))
    assert "prefix" not in made
    assert settings == {"automerge": 16, "crisismerge": 32}
    assert _words(path, '"de"*') == [30, 31]

    stores = open_stores(f"sqlite:///{path}", migrate=False)
    stores.start()
    try:
        assert [m.id for m in await stores.search.search(SearchQuery("de", (7,)))] == [32, 31, 30]
        assert [m.id for m in await stores.search.search(SearchQuery("deploy", (7,)))] == [32, 30]
        await _check_word_index(stores)  # each row once
    finally:
        await stores.close()
