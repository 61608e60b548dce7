"""WAL checkpoints run in the checkpointer's thread, not inside the writer's commits (SQLite)."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.store.sql.checkpoints import WAL_PAGES_MAX, Checkpointer
from roost.store.sql.stores import SqlStores
from tests.store.builders import World


@pytest.fixture
def checkpointer(stores: SqlStores) -> Checkpointer:
    if stores.checkpointer is None:
        pytest.skip("checkpoints are SQLite's")
    return stores.checkpointer


async def test_the_writer_leaves_checkpoints_to_the_thread(stores: SqlStores, checkpointer: Checkpointer) -> None:
    async def autocheckpoint(conn: AsyncConnection) -> int:
        return int(await conn.scalar(text("PRAGMA wal_autocheckpoint")) or 0)

    assert await stores.writer.write(autocheckpoint) == WAL_PAGES_MAX


async def test_a_checkpoint_copies_every_committed_page(
    world: World, stores: SqlStores, checkpointer: Checkpointer
) -> None:
    amy, bob = await world.user("amy"), await world.user("bob")
    room = await world.room(amy, bob)
    for i in range(20):
        await world.send(room, amy, f"message {i}")

    def run_once() -> bool:
        db = sqlite3.connect(checkpointer.path, isolation_level=None)
        try:
            return checkpointer.checkpoint(db)
        finally:
            db.close()

    await stores.indexer.catch_up()  # its background round would write during the checkpoint
    # The checkpointer's own thread may be checkpointing at the same moment (then this one is
    # busy): a few tries, a moment apart.
    for _ in range(20):
        if await asyncio.to_thread(run_once):
            break
        await asyncio.sleep(0.05)
    else:
        raise AssertionError("no checkpoint copied every committed page")
    assert checkpointer.wal_pages > 0


async def test_the_thread_checkpoints_and_stops(world: World, stores: SqlStores, checkpointer: Checkpointer) -> None:
    checkpointer.interval = 0.01
    amy = await world.user("amy")
    await world.room(amy)
    runs = checkpointer.runs
    async with asyncio.timeout(10):
        while checkpointer.runs == runs:
            await asyncio.sleep(0.01)
