"""Full-text indexing in bulk, behind the commit (SQLite).

New message rows are committed without touching the FTS5 tables. The writer
adds every row above a mark to both of them with one INSERT ... SELECT each and
moves the mark in the same transaction: about once a second, after `rows_max`
new messages, and before every search, so a search finds every message whose
send was acknowledged before it started. Edits and deletions keep the indexed
rows right through triggers (migration 0006).

Rows are found by id: message ids are made as a message is queued, and the one
writer commits its queue in order, so a row is never committed below the mark.
On PostgreSQL the word index is a generated column; there is nothing to do.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.model.errors import RoostError
from roost.store.sql.writer import Writer

log = logging.getLogger(__name__)

# Scripts written without spaces between words: Hiragana, Katakana, CJK ideographs, Thai, Lao,
# Myanmar, Khmer (the ranges of migration 0004). Only text in them goes to the trigram index.
SPACELESS_RANGES = "぀-ヿ㐀-䶿一-鿿豈-﫿฀-໿က-႟ក-៿"
SPACELESS_GLOB = f"*[{SPACELESS_RANGES}]*"
MARK = text("SELECT indexed_upto FROM messages_search_mark")
NEWEST = text("SELECT max(id) FROM messages")
ADD_WORDS = text(
    "INSERT INTO messages_words(rowid, body) SELECT id, body FROM messages WHERE id > :mark AND id <= :upto"
)
ADD_TRIGRAMS = text(
    "INSERT INTO messages_fts(rowid, body) SELECT id, body FROM messages"
    " WHERE id > :mark AND id <= :upto AND body GLOB :spaceless"
)
MOVE_MARK = text("UPDATE messages_search_mark SET indexed_upto = :upto")


async def index_pending(conn: AsyncConnection) -> int:
    """Add the rows above the mark to both full-text tables and move the mark; returns how many."""
    mark = int(await conn.scalar(MARK) or 0)
    upto = int(await conn.scalar(NEWEST) or 0)
    if upto <= mark:
        return 0
    added = await conn.execute(ADD_WORDS, {"mark": mark, "upto": upto})
    await conn.execute(ADD_TRIGRAMS, {"mark": mark, "upto": upto, "spaceless": SPACELESS_GLOB})
    await conn.execute(MOVE_MARK, {"upto": upto})
    return int(added.rowcount)


@dataclass
class SearchIndexer:
    """Keeps the SQLite full-text indexes a little behind the commits, and catches up on demand."""

    writer: Writer
    enabled: bool = True
    interval: float = 1.0
    rows_max: int = 4096
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
        # The writer runs jobs in queue order: every append queued before this job is
        # committed (or failed) by the time it runs.
        queued = self._queued
        await self.writer.write(index_pending)
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
