"""Group commit: write operations queued together share one transaction.

Every write runs here, one transaction at a time, so ids made inside a write
are in commit order: a reconnecting client that saw event N missed nothing
below N. The caller's future resolves only after COMMIT returned (and, on
SQLite with synchronous=FULL, after the WAL was fsynced): ack after commit.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from roost.model.errors import Conflict, RoostError, Unavailable

log = logging.getLogger(__name__)
T = TypeVar("T")
WriteFn = Callable[[AsyncConnection], Awaitable[Any]]
AfterCommit = Callable[[Any], None]


@dataclass
class _Job:
    fn: WriteFn
    future: asyncio.Future[Any]
    after_commit: AfterCommit | None = None


@dataclass
class Writer:
    """Runs write functions in batches of up to `batch_max` per transaction."""

    engine: AsyncEngine
    batch_max: int = 256
    _queue: asyncio.Queue[_Job | None] = field(default_factory=asyncio.Queue)
    _task: asyncio.Task[None] | None = None
    _closed: bool = False
    batches: int = 0
    writes: int = 0

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="roost-writer")

    async def stop(self) -> None:
        """Finish every queued write, then stop."""
        self._closed = True
        if self._task is not None:
            await self._queue.put(None)
            await self._task
            self._task = None

    async def write(self, fn: Callable[[AsyncConnection], Awaitable[T]], after_commit: AfterCommit | None = None) -> T:
        """Run `fn` in a transaction; return its result once committed.

        `after_commit(result)` runs right after the commit, in commit order
        (used to publish events in the order they were stored).
        """
        if self._closed or self._task is None:
            raise Unavailable("server.stopping", "The server is shutting down.")
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        await self._queue.put(_Job(fn, future, after_commit))
        return await future

    async def _run(self) -> None:
        while True:
            job = await self._queue.get()
            if job is None:
                return
            batch = [job]
            stop = False
            while len(batch) < self.batch_max and not self._queue.empty():
                nxt = self._queue.get_nowait()
                if nxt is None:
                    stop = True
                    break
                batch.append(nxt)
            await self._commit(batch)
            if stop:
                return

    async def _commit(self, batch: list[_Job]) -> None:
        try:
            results = await self._transaction(batch)
        except Exception as error:
            if len(batch) == 1:
                self._fail(batch[0], error)
                return
            # One write spoiled the batch: run each alone so only it fails.
            for job in batch:
                await self._commit([job])
            return
        self.batches += 1
        self.writes += len(batch)
        for job, result in zip(batch, results, strict=True):
            if job.after_commit is not None:
                try:
                    job.after_commit(result)
                except Exception:
                    log.exception("after-commit hook failed")
            if not job.future.done():
                job.future.set_result(result)

    async def _transaction(self, batch: list[_Job]) -> list[Any]:
        async with self.engine.begin() as conn:
            return [await job.fn(conn) for job in batch]

    @staticmethod
    def _fail(job: _Job, error: Exception) -> None:
        exc: Exception
        if isinstance(error, RoostError):
            exc = error
        elif isinstance(error, IntegrityError):
            exc = Conflict("store.conflict", "The change conflicts with stored data.")
        else:
            log.error("write failed", exc_info=error)
            exc = Unavailable("store.failed", "The change could not be stored.")
        if not job.future.done():
            job.future.set_exception(exc)
