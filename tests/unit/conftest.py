"""Core services over a real SQLite store: a fresh copy of a database migrated once per run."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from roost.store.sql.migrate import upgrade
from roost.store.sql.stores import SqlStores, open_stores
from tests.unit.support import Core


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("unit-template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
async def stores(migrated_sqlite: Path, tmp_path: Path) -> AsyncIterator[SqlStores]:
    shutil.copyfile(migrated_sqlite, tmp_path / "roost.db")
    # synchronous=OFF: no fsync per commit; durability is the store suite's business.
    opened = await asyncio.to_thread(open_stores, f"sqlite:///{tmp_path}/roost.db", synchronous="OFF", migrate=False)
    opened.start()
    try:
        yield opened
    finally:
        await opened.close()


@pytest.fixture
def core(stores: SqlStores) -> Core:
    return Core(stores)
