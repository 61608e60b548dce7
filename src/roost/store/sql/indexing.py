"""Full-text indexing in bulk, behind the commit (SQLite).

New message rows are committed without touching the FTS5 tables. The writer
adds the rows above a mark to both of them with one INSERT ... SELECT each and
moves the mark in the same transaction: about every quarter of a second, after
`rows_max` new messages, and before every search, so a search finds every
message whose send was acknowledged before it started. Edits and deletions keep
the indexed rows right through triggers (migration 0006).

Each indexing transaction takes at most `chunk_rows` rows and runs whole in the
writer connection's thread (one hand-off): every append queued meanwhile commits
between two chunks. One transaction for a whole second's rows held the writer
for 100-300 ms at 3,000-6,000 messages/s, and every message queued behind it waited
that long (the p99 latency of bench/ws_load.py below saturation).

Rows are found by id: message ids are made as a message is queued, and the one
writer commits its queue in order, so a row is never committed below the mark.
On PostgreSQL the word index is a generated column; there is nothing to do.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from dataclasses import dataclass, field

from roost.model.errors import RoostError
from roost.store.sql.writer import Writer

log = logging.getLogger(__name__)

# Scripts written without spaces between words: Hiragana, Katakana, CJK ideographs, Thai, Lao,
# Myanmar, Khmer (the ranges of migration 0004). Only text in them goes to the trigram index.
SPACELESS_RANGES = "぀-ヿ㐀-䶿一-鿿豈-﫿฀-໿က-႟ក-៿"
SPACELESS_GLOB = f"*[{SPACELESS_RANGES}]*"
CHUNK_ROWS = 256  # ~2.5 ms of FTS5 CPU (10 us a row): the longest an append waits behind indexing
MARK = "SELECT indexed_upto FROM messages_search_mark"
# The id of the last row of the next chunk (or of the last row there is, when fewer wait).
CHUNK_END = "SELECT max(id) FROM (SELECT id FROM messages WHERE id > ? ORDER BY id LIMIT ?)"
ADD_WORDS = "INSERT INTO messages_words(rowid, body) SELECT id, body FROM messages WHERE id > ? AND id <= ?"
# The GLOB tries its character class at every character (~10 us for a line of chat); text
# whose bytes are as many as its characters (ASCII) cannot match, and costs ~1 us to rule out.
ADD_TRIGRAMS = (
    "INSERT INTO messages_fts(rowid, body) SELECT id, body FROM messages WHERE id > ? AND id <= ?"
    " AND length(CAST(body AS BLOB)) > length(body) AND body GLOB ?"
)
MOVE_MARK = "UPDATE messages_search_mark SET indexed_upto = ?"


def index_chunks(db: sqlite3.Connection, chunks: list[int]) -> list[int]:
    """Index up to `rows` rows above the mark per item and move the mark (the writer's thread
    function; it commits afterwards). Returns how many rows each item indexed."""
    return [_index_chunk(db, rows) for rows in chunks]


def _index_chunk(db: sqlite3.Connection, rows: int) -> int:
    mark = int(db.execute(MARK).fetchone()[0] or 0)
    upto = db.execute(CHUNK_END, (mark, rows)).fetchone()[0]
    if upto is None:
        return 0
    added = db.execute(ADD_WORDS, (mark, upto)).rowcount
    db.execute(ADD_TRIGRAMS, (mark, upto, SPACELESS_GLOB))
    db.execute(MOVE_MARK, (upto,))
    return int(added)


@dataclass
class SearchIndexer:
    """Keeps the SQLite full-text indexes a little behind the commits, and catches up on demand."""

    writer: Writer
    enabled: bool = True
    interval: float = 0.25
    rows_max: int = 512
    chunk_rows: int = CHUNK_ROWS
    # Counts of appends queued: all of the first `_covered` are indexed (or were never stored).
    # It starts one behind: rows of an earlier run may still wait.
    _queued: int = 1
    _covered: int = 0
    _started_at: int = 0  # `_queued` when the background loop last began indexing
    _wake: asyncio.Event = field(default_factory=asyncio.Event)
    _task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self.enabled:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="roost-search-indexer")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def appended(self) -> None:
        """Note one message queued for storage (call as it is queued, in queue order)."""
        self._queued += 1
        if self._queued - self._started_at >= self.rows_max:
            self._wake.set()

    async def catch_up(self) -> None:
        """Index every message queued before now; at once if nothing is waiting."""
        if self.enabled and self._covered < self._queued:
            await self._index()

    async def _index(self) -> None:
        # The writer runs jobs in queue order: every append queued before the first chunk is
        # committed (or failed) by the time it runs. A chunk short of full means none were left.
        queued = self._queued
        while await self.writer.submit_in_thread(index_chunks, self.chunk_rows) >= self.chunk_rows:
            pass
        self._covered = max(self._covered, queued)

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.interval):
                    await self._wake.wait()
            self._wake.clear()
            if self._covered < self._queued:
                self._started_at = self._queued
                try:
                    await self._index()
                except RoostError as error:  # the writer logged it; the next round tries again
                    log.warning("search indexing failed: %s", error.code)
