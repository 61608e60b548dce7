"""WAL checkpoints in a thread of their own (SQLite), so that no commit waits for one.

SQLite's default is to checkpoint inside the COMMIT that takes the WAL past 1,000
pages: that commit then copies the pages into the database file and, with
synchronous=FULL, fsyncs it, while every write queued behind it waits. Under load
(bench/ws_load.py, 3,000 messages/s) that was one commit in 14, each 5-56 ms
instead of 0.4. Here the writer's connection leaves checkpoints to this thread:
a PASSIVE checkpoint (it never blocks the writer or a reader) every `interval`
seconds. Checkpointing less often also writes less: a page changed by many
commits (an index's last page) is copied to the database once.

The thread keeps the event loop's CPU priority on purpose: at nice 10 it was
starved at 90 % CPU, each checkpoint then ran 100-480 ms with a large database
fsync at its end, and the commits whose WAL fsync overlapped it took 100-450 ms
(19 of 20 writer transactions of 100 ms or more overlapped a checkpoint). At the
same priority checkpoints take 25-40 ms and such commits became rare (one in two
benchmark runs, beside a disk stall that held the checkpoint too).

The WAL stays bounded: the writer's connection still checkpoints by itself past
`WAL_PAGES_MAX` pages (engine.py), should this thread fall that far behind.
Durability is unchanged: a checkpoint syncs the WAL before copying and the
database file before the WAL may be reused (synchronous FULL or NORMAL).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

INTERVAL_SECONDS = 0.1
WAL_PAGES_MAX = 20_000  # ~80 MB of 4 KiB pages: the writer checkpoints itself past this


@dataclass
class Checkpointer:
    """Runs `PRAGMA wal_checkpoint(PASSIVE)` on its own connection every `interval` seconds."""

    path: str
    synchronous: str = "FULL"
    interval: float = INTERVAL_SECONDS
    runs: int = 0
    wal_pages: int = 0  # pages in the WAL at the last run (all of them copied when it succeeded)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="roost-checkpointer", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread (a checkpoint under way finishes first)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def _run(self) -> None:
        db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        try:
            db.execute(f"PRAGMA synchronous={self.synchronous}")
            while not self._stop.wait(self.interval):
                self.checkpoint(db)
        finally:
            db.close()

    def checkpoint(self, db: sqlite3.Connection) -> bool:
        """One PASSIVE checkpoint; True when every page in the WAL is now in the database file."""
        try:
            busy, wal_pages, copied = db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        except sqlite3.Error as error:  # e.g. the disk is full: the writer's own checkpoints remain
            log.warning("WAL checkpoint failed: %s", error)
            return False
        self.runs += 1
        self.wal_pages = wal_pages
        return not busy and copied == wal_pages
