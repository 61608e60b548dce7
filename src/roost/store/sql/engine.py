"""Engines and connection set-up: SQLite (WAL, one writer) or PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from roost.store.sql.sqlite_thread import SqliteThread

log = logging.getLogger(__name__)


def async_url(url: str) -> str:
    """Pick the asyncio driver for a plain database URL."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return str(parsed.set(drivername="sqlite+aiosqlite"))
    if backend == "postgresql":
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    raise ValueError(f"unsupported database {backend!r}: use sqlite or postgresql")


def sync_url(url: str) -> str:
    """Pick the blocking driver (for migrations) for a plain database URL."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    driver = "sqlite" if backend == "sqlite" else "postgresql+psycopg"
    return parsed.set(drivername=driver).render_as_string(hide_password=False)


def sqlite_file(url: str) -> str | None:
    """The database file of a sqlite:/// URL (None for PostgreSQL or an in-memory database)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return parsed.database


def _unicode_lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def configure_sqlite(connection: Any, synchronous: str, wal_autocheckpoint: int) -> None:
    """Set up one sqlite3 connection: WAL, durability, foreign keys, Unicode lower()."""
    # SQLite's own lower() folds only ASCII; PostgreSQL's folds every letter.
    connection.create_function("lower", 1, _unicode_lower, deterministic=True)
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # FULL: in WAL mode the log is fsynced at every commit, so an acknowledged
    # message survives a power cut, not only a process crash (NORMAL would not).
    cursor.execute(f"PRAGMA synchronous={synchronous}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    # The checkpointer's thread copies the WAL into the database (checkpoints.py); a connection
    # that commits does it itself only past this many pages (SQLite's default: 1,000).
    cursor.execute(f"PRAGMA wal_autocheckpoint={wal_autocheckpoint}")
    cursor.close()


def _sqlite_pragmas(synchronous: str, wal_autocheckpoint: int) -> Any:
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        configure_sqlite(dbapi_connection, synchronous, wal_autocheckpoint)

    return on_connect


class Reads:
    """The reader engine's connections, each taken inside an asyncio task.

    SQLAlchemy waits for a pooled connection (and the drivers open one) under
    `asyncio.timeout`, which works inside a task only. A WebSocket command starts straight
    from its connection, outside any task, until it first has to wait (`api/ws.py`): a read
    begun there yields once first, and the task that then carries the command on takes the
    connection. Without it, a command that found the pool busy failed (a burst of first
    messages after a restart, tests/api/test_cold_start_burst.py)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    @contextlib.asynccontextmanager
    async def connect(self) -> AsyncIterator[AsyncConnection]:
        if asyncio.current_task() is None:
            await asyncio.sleep(0)  # from here on, in the task that carries the caller on
        async with self.engine.connect() as conn:
            yield conn


@dataclass
class Database:
    """A writer engine (exactly one connection on SQLite) and a reader engine.

    On an SQLite file, `hot` is one more read connection in a thread of its own, for the
    reads made on every login: a read through SQLAlchemy and aiosqlite costs ~600 us of CPU
    (pool checkout, greenlets, three thread hand-offs), a plain one in that thread ~30 us
    (bench/README.md). Its functions get the sqlite3 connection and return model values.
    """

    writer: AsyncEngine
    reader: Reads
    dialect: str
    hot: SqliteThread | None = None
    writer_thread: SqliteThread | None = None  # the writer's own connection (SQLite files; started by the Writer)

    def start(self) -> None:
        if self.hot is not None:
            self.hot.start()

    async def dispose(self) -> None:
        if self.hot is not None:
            self.hot.stop()
        await self.writer.dispose()
        if self.reader.engine is not self.writer:
            await self.reader.engine.dispose()


def open_database(
    url: str, *, synchronous: str = "FULL", pool_size: int = 10, wal_autocheckpoint: int = 1000
) -> Database:
    """Create the engines for `url` (a plain sqlite:/// or postgresql:// URL)."""
    target = async_url(url)
    if target.startswith("sqlite"):
        # hide_parameters: SQL errors in the log never carry message bodies or credentials.
        # No rollback when the writer hands its connection back: each of its transactions ends in
        # COMMIT or ROLLBACK already, and that reset would cost one more trip to the SQLite thread.
        writer = create_async_engine(
            target, pool_size=1, max_overflow=0, pool_reset_on_return=None, hide_parameters=True
        )
        # Nor when a reader hands its connection back: readers only SELECT, and sqlite3 opens no
        # transaction for that, so the ROLLBACK was a no-op costing a trip to the SQLite thread
        # (a fifth of the hand-offs of each read through SQLAlchemy + aiosqlite).
        reader = create_async_engine(
            target, pool_size=pool_size, max_overflow=0, pool_reset_on_return=None, hide_parameters=True
        )
        for engine in (writer, reader):
            event.listen(engine.sync_engine, "connect", _sqlite_pragmas(synchronous, wal_autocheckpoint))
        path = sqlite_file(url)
        if path is None:  # in memory: no file for more connections
            return Database(writer=writer, reader=Reads(reader), dialect="sqlite")
        configure = functools.partial(configure_sqlite, synchronous=synchronous, wal_autocheckpoint=wal_autocheckpoint)
        return Database(
            writer=writer,
            reader=Reads(reader),
            dialect="sqlite",
            hot=SqliteThread(path, configure, name="roost-hot-reads"),
            writer_thread=SqliteThread(path, configure, name="roost-writer-sqlite"),
        )
    engine = create_async_engine(target, pool_size=pool_size, max_overflow=pool_size, hide_parameters=True)
    return Database(writer=engine, reader=Reads(engine), dialect="postgresql")


def open_sync_engine_args(url: str) -> tuple[str, dict[str, Any]]:
    """URL and options for a short-lived blocking engine (migrations, tools)."""
    return sync_url(url), {"poolclass": NullPool}
