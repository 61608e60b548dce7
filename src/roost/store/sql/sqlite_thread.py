"""A SQLite connection in a thread of its own: the writer's, and one for hot reads.

On SQLite the writer's batches (message appends, search indexing) run whole in the
connection's thread: their statements and the COMMIT are one hand-off from the event
loop. Through SQLAlchemy's pool and aiosqlite that hand-off cost a pool checkout and
return, three greenlet switches and a queue trip per batch (about a fifth of the loop's
CPU for each message at 1,000 messages/s, bench/README.md). Here a batch is one queue
put, and its result comes back with one `call_soon_threadsafe`.

The writer still runs one transaction at a time, so this connection and the writer
engine's (for the writes made through SQLAlchemy) never write at the same moment.
"""

from __future__ import annotations

import asyncio
import queue
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Configure = Callable[[sqlite3.Connection], None]


@dataclass
class SqliteThread:
    """Runs functions of a sqlite3 connection in the connection's own thread, in order."""

    path: str
    configure: Configure
    name: str
    _jobs: queue.SimpleQueue[tuple[Callable[[sqlite3.Connection], Any], asyncio.Future[Any]] | None] = field(
        default_factory=queue.SimpleQueue
    )
    _thread: threading.Thread | None = None
    _loop: asyncio.AbstractEventLoop | None = None

    def start(self) -> None:
        """Open the connection (errors surface here, at start-up) and start the thread."""
        self._loop = asyncio.get_running_loop()
        db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        try:
            self.configure(db)
        except BaseException:
            db.close()
            raise
        self._thread = threading.Thread(target=self._run, args=(db,), name=self.name, daemon=True)
        self._thread.start()

    @property
    def running(self) -> bool:
        return self._thread is not None

    def run(self, fn: Callable[[sqlite3.Connection], Any]) -> asyncio.Future[Any]:
        """Queue `fn(connection)`; the future gets its result or its exception."""
        assert self._loop is not None and self._thread is not None, "start() first"
        future = self._loop.create_future()
        self._jobs.put((fn, future))
        return future

    def stop(self) -> None:
        """Run what is queued, close the connection and end the thread (blocking)."""
        if self._thread is not None:
            self._jobs.put(None)
            self._thread.join()
            self._thread = None

    def _run(self, db: sqlite3.Connection) -> None:
        assert self._loop is not None
        loop = self._loop
        try:
            while (job := self._jobs.get()) is not None:
                fn, future = job
                try:
                    result = fn(db)
                except BaseException as error:  # handed to the waiting coroutine
                    loop.call_soon_threadsafe(_settle, future, None, error)
                else:
                    loop.call_soon_threadsafe(_settle, future, result, None)
        finally:
            db.close()


def _settle(future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if future.done():  # cancelled meanwhile
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)
