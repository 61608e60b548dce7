"""The writer's batches run in the SQLite connection's thread: commit together, fail alone."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest
from sqlalchemy import select

from roost.model.errors import Conflict
from roost.store.sql import tables as t
from roost.store.sql.stores import SqlStores


def _log_events(db: sqlite3.Connection, ids: list[int]) -> list[int]:
    db.executemany("INSERT INTO events (id, kind) VALUES (?, 'test')", [(i,) for i in ids])
    return ids


async def _logged(stores: SqlStores) -> list[int]:
    async with stores.db.reader.connect() as conn:
        return list((await conn.scalars(select(t.events.c.id).where(t.events.c.kind == "test"))).all())


async def test_one_bad_item_fails_alone_and_the_rest_commit(stores: SqlStores) -> None:
    if stores.db.dialect != "sqlite":
        pytest.skip("in-thread batches are for SQLite")
    batches = stores.writer.batches

    futures = [stores.writer.submit_in_thread(_log_events, i) for i in (1, 2, 1, 3)]
    outcomes = await asyncio.gather(*futures, return_exceptions=True)

    assert outcomes[:2] == [1, 2]
    assert isinstance(outcomes[2], Conflict)  # the duplicate spoiled the batch, then failed on its own
    assert outcomes[3] == 3
    assert sorted(await _logged(stores)) == [1, 2, 3]
    assert stores.writer.batches == batches + 3  # the batch rolled back; each good item committed alone


async def test_close_writes_wait_the_commit_delay_so_writes_of_that_moment_share_a_commit(
    stores: SqlStores,
) -> None:
    if stores.db.dialect != "sqlite":
        pytest.skip("in-thread batches are for SQLite")
    writer = stores.writer
    writer.commit_delay = 0.5  # long enough that the third write is always inside it
    try:
        batches = writer.batches
        first = writer.submit_in_thread(_log_events, 11)
        second = writer.submit_in_thread(_log_events, 12)  # close to the first: the writer gathers
        await asyncio.sleep(0.01)  # the writer has taken the first write and is waiting
        third = writer.submit_in_thread(_log_events, 13)
        assert list(await asyncio.gather(first, second, third)) == [11, 12, 13]
        assert writer.batches == batches + 1
    finally:
        writer.commit_delay = 0.0


async def test_a_lone_write_commits_without_waiting_the_commit_delay(stores: SqlStores) -> None:
    if stores.db.dialect != "sqlite":
        pytest.skip("in-thread batches are for SQLite")
    writer = stores.writer
    await writer.submit_in_thread(_log_events, 21)
    writer.commit_delay = 60.0
    try:
        await asyncio.wait_for(writer.submit_in_thread(_log_events, 22), 30)  # a lone write: at once, not after 60 s
        await asyncio.wait_for(writer.submit_in_thread(_log_events, 23), 30)  # a chain: each at once
    finally:
        writer.commit_delay = 0.0
