"""Group commit: write operations queued together share one transaction.

Every write runs here, one transaction at a time, so ids made inside a write
are in commit order: a reconnecting client that saw event N missed nothing
below N. The caller's future resolves only after COMMIT returned (and, on
SQLite with synchronous=FULL, after the WAL was fsynced): ack after commit.

When writers are concurrent (writes arrive while a batch is busy) but the queue is
short, the writer waits `commit_delay` (a few milliseconds) before the transaction
starts, so that the writes of that moment share one commit: under moderate load a
commit per message would cost more CPU than the messages. A lone write, or a chain of
writes each after the other's commit, commits at once.

Writes of the same kind that queue up together (message appends under load)
can be handed to one batch function, so a batch of 200 messages is a few
multi-row statements instead of 800 single ones. On SQLite such a function can
run whole in the connection's own thread (`submit_in_thread`): its statements
and the COMMIT are then one hand-off from the event loop, not several for each
statement. Those batches commit in transactions of their own, on the writer's own
connection in its own thread when the database is a file (`sqlite_thread.py`).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import sqlite3
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from roost.model.errors import Conflict, RoostError, Unavailable
from roost.store.sql.sqlite_thread import SqliteThread

log = logging.getLogger(__name__)
T = TypeVar("T")
I = TypeVar("I")  # noqa: E741 - the item type of a batch function
WriteFn = Callable[[AsyncConnection], Awaitable[Any]]
BatchFn = Callable[[AsyncConnection, list[Any]], Awaitable[Sequence[Any]]]
ThreadBatchFn = Callable[[sqlite3.Connection, list[Any]], Sequence[Any]]


@dataclass
class _Job:
    future: asyncio.Future[Any]
    fn: WriteFn | None = None
    batch_fn: BatchFn | None = None
    thread_fn: ThreadBatchFn | None = None
    item: Any = None

    def shares_transaction_with(self, other: _Job) -> bool:
        """In-thread batches commit alone; every other write may share a transaction."""
        return self.thread_fn == other.thread_fn


@dataclass
class Writer:
    """Runs write functions in batches of up to `batch_max` per transaction."""

    engine: AsyncEngine
    batch_max: int = 256
    commit_delay: float = 0.0  # seconds a short queue under concurrent writes waits for more to share its commit
    gather_below: int = 32  # a queue this long or longer commits at once
    thread: SqliteThread | None = None  # runs the in-thread batches (SQLite files); else through `engine`
    _busy: bool = False  # a batch is being gathered or committed
    _contended: bool = False  # a write arrived while the writer was busy (concurrent writers)
    _queue: asyncio.Queue[_Job | None] = field(default_factory=asyncio.Queue)
    _task: asyncio.Task[None] | None = None
    _loop: asyncio.AbstractEventLoop | None = None
    _closed: bool = False
    batches: int = 0
    writes: int = 0

    def start(self) -> None:
        self._loop = asyncio.get_running_loop()  # kept: asking for it costs a getpid() each time
        if self.thread is not None:
            self.thread.start()
        self._task = self._loop.create_task(self._run(), name="roost-writer")

    async def stop(self) -> None:
        """Finish every queued write, then stop."""
        self._closed = True
        if self._task is not None:
            await self._queue.put(None)
            await self._task
            self._task = None
        if self.thread is not None:
            self.thread.stop()  # idle by now: every batch has been answered

    async def write(self, fn: Callable[[AsyncConnection], Awaitable[T]]) -> T:
        """Run `fn` in a transaction; return its result once committed."""
        return await self._submit(_Job(self._future(), fn=fn))  # type: ignore[no-any-return]

    async def write_batched(self, batch_fn: Callable[[AsyncConnection, list[I]], Awaitable[Sequence[T]]], item: I) -> T:
        """Like `write`, but consecutive queued items of the same `batch_fn` run as one call.

        `batch_fn` gets the items in queue order and returns one result per item.
        """
        return await self.submit_batched(batch_fn, item)

    def submit_batched(
        self, batch_fn: Callable[[AsyncConnection, list[I]], Awaitable[Sequence[T]]], item: I
    ) -> asyncio.Future[T]:
        """Queue a batched write now; the future resolves after its commit, in commit order."""
        job = _Job(self._future(), batch_fn=batch_fn, item=item)
        self._enqueue(job)
        return job.future

    def submit_in_thread(
        self, thread_fn: Callable[[sqlite3.Connection, list[I]], Sequence[T]], item: I
    ) -> asyncio.Future[T]:
        """Like `submit_batched` on SQLite, but `thread_fn` runs in the connection's thread.

        It gets the sqlite3 connection inside a transaction (the writer commits it, or
        rolls it back if `thread_fn` raises) and must not await anything.
        """
        job = _Job(self._future(), thread_fn=thread_fn, item=item)
        self._enqueue(job)
        return job.future

    def _enqueue(self, job: _Job) -> None:
        if self._busy:
            self._contended = True
        self._queue.put_nowait(job)

    def _future(self) -> asyncio.Future[Any]:
        if self._closed or self._task is None or self._loop is None:
            raise Unavailable("server.stopping", "The server is shutting down.")
        return self._loop.create_future()

    async def _submit(self, job: _Job) -> Any:
        self._enqueue(job)
        return await job.future

    async def _run(self) -> None:
        while True:
            job = await self._queue.get()
            if job is None:
                return
            self._busy = True
            if self._should_gather():
                await asyncio.sleep(self.commit_delay)
            self._contended = False
            batch = [job]
            stop = False
            while len(batch) < self.batch_max and not self._queue.empty():
                nxt = self._queue.get_nowait()
                if nxt is None:
                    stop = True
                    break
                batch.append(nxt)
            for part in _transactions(batch):
                await self._commit(part)
            self._busy = False
            if stop:
                return

    def _should_gather(self) -> bool:
        """Wait for more writes? A commit costs far more than a message (the WAL's fsync, the
        hand-off), so when writers are concurrent (a write arrived while the last batch was
        busy, or another is already queued) but the queue is short, waiting a moment lets the
        writes of that moment share one. A lone write, or a chain of writes one after the
        other's commit, commits at once."""
        concurrent = self._contended or not self._queue.empty()
        return self.commit_delay > 0 and concurrent and self._queue.qsize() < self.gather_below

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
            if not job.future.done():
                job.future.set_result(result)

    async def _transaction(self, batch: list[_Job]) -> Sequence[Any]:
        thread_fn = batch[0].thread_fn
        if thread_fn is not None:
            return await self._in_thread(thread_fn, [job.item for job in batch])
        results: list[Any] = []
        async with self.engine.begin() as conn:
            start = 0
            while start < len(batch):
                job = batch[start]
                if job.fn is not None:
                    results.append(await job.fn(conn))
                    start += 1
                    continue
                end = start + 1
                while end < len(batch) and batch[end].batch_fn is not None and batch[end].batch_fn == job.batch_fn:
                    end += 1
                assert job.batch_fn is not None
                outcome = await job.batch_fn(conn, [j.item for j in batch[start:end]])
                if len(outcome) != end - start:
                    raise RuntimeError("batch function returned the wrong number of results")
                results.extend(outcome)
                start = end
        return results

    async def _in_thread(self, thread_fn: ThreadBatchFn, items: list[Any]) -> Sequence[Any]:
        if self.thread is not None:
            outcome: Sequence[Any] = await self.thread.run(functools.partial(_commit_in_thread, thread_fn, items))
        else:
            outcome = await self._in_aiosqlite_thread(thread_fn, items)
        if len(outcome) != len(items):
            raise RuntimeError("batch function returned the wrong number of results")
        return outcome

    async def _in_aiosqlite_thread(self, thread_fn: ThreadBatchFn, items: list[Any]) -> Sequence[Any]:
        """An in-memory database has no file for a second connection: use the engine's."""
        async with self.engine.connect() as conn:
            raw = await conn.get_raw_connection()
            driver = raw.driver_connection  # the aiosqlite connection
            # COMPAT: aiosqlite has no public call to run a function in its connection's thread;
            # `_execute` is the one its own methods use (SQLAlchemy's adapter uses the same queue).
            outcome: Sequence[Any] = await driver._execute(  # type: ignore[union-attr]
                functools.partial(_commit_in_thread, thread_fn, items),
                driver._conn,  # type: ignore[union-attr]
            )
        return outcome

    @staticmethod
    def _fail(job: _Job, error: Exception) -> None:
        exc: Exception
        if isinstance(error, RoostError):
            exc = error
        elif isinstance(error, IntegrityError | sqlite3.IntegrityError):
            exc = Conflict("store.conflict", "The change conflicts with stored data.")
        else:
            log.error("write failed", exc_info=error)
            exc = Unavailable("store.failed", "The change could not be stored.")
        if not job.future.done():
            job.future.set_exception(exc)


def _transactions(batch: list[_Job]) -> list[list[_Job]]:
    """Split a batch where consecutive jobs may not share a transaction, keeping the order."""
    parts: list[list[_Job]] = []
    for job in batch:
        if parts and parts[-1][-1].shares_transaction_with(job):
            parts[-1].append(job)
        else:
            parts.append([job])
    return parts


def _commit_in_thread(thread_fn: ThreadBatchFn, items: list[Any], db: sqlite3.Connection) -> Sequence[Any]:
    """Runs in the SQLite connection's thread: the batch and its COMMIT (fsync) in one hand-off."""
    db.execute("BEGIN")
    try:
        results = thread_fn(db, items)
        db.commit()
    except BaseException:
        db.rollback()
        raise
    return results
