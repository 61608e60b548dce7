"""Uploads arrive here, one file per upload key, and can resume where they stopped.

Writes are gathered into blocks and done in a worker thread, so a slow or full disk
never stalls the event loop; `close` fsyncs, so an offset reported to a client after
`close` survives a crash.
"""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import AsyncIterator
from io import BufferedWriter
from pathlib import Path

BLOCK = 1 << 20
_KEY = re.compile(r"[0-9a-z_-]{1,64}")


def fsync_dir(path: Path) -> None:
    """Make a rename or unlink in `path` durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class DiskStagedWriter:
    """Appends to one staged file in 1 MiB blocks."""

    def __init__(self, handle: BufferedWriter, size: int) -> None:
        self._handle = handle
        self._pending: list[bytes] = []
        self._pending_bytes = 0
        self._size = size

    @property
    def size(self) -> int:
        """Bytes accepted so far (durable only after `close`)."""
        return self._size

    async def write(self, data: bytes) -> None:
        """Queue `data`; every full block goes to disk before this returns."""
        self._pending.append(data)
        self._pending_bytes += len(data)
        self._size += len(data)
        if self._pending_bytes >= BLOCK:
            await self._flush()

    async def _flush(self) -> None:
        if not self._pending:
            return
        block = b"".join(self._pending)
        self._pending.clear()
        self._pending_bytes = 0
        await asyncio.to_thread(self._handle.write, block)

    async def close(self) -> None:
        """Write what is left and fsync; the file is closed even when that fails."""
        try:
            await self._flush()
            await asyncio.to_thread(self._sync)
        finally:
            self._handle.close()

    def _sync(self) -> None:
        self._handle.flush()
        os.fsync(self._handle.fileno())


class DiskStaging:
    """The staging folder (`<data>/files/staging`)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    def path(self, key: str) -> Path:
        """Where the upload `key` is staged; keys are made by the server, never by clients."""
        if not _KEY.fullmatch(key):
            raise ValueError("bad staging key")
        return self.root / key

    async def size(self, key: str) -> int | None:
        """Bytes staged under `key`, or None when nothing is."""
        try:
            return (await asyncio.to_thread(self.path(key).stat)).st_size
        except FileNotFoundError:
            return None

    async def open(self, key: str) -> DiskStagedWriter:
        """Open for appending (creating the file)."""
        path = self.path(key)
        handle = await asyncio.to_thread(path.open, "ab")
        return DiskStagedWriter(handle, handle.tell())

    async def truncate(self, key: str, size: int) -> None:
        """Cut the staged file back to `size` bytes (bytes past a limit are never kept)."""
        await asyncio.to_thread(os.truncate, self.path(key), size)

    async def discard(self, key: str) -> None:
        await asyncio.to_thread(self.path(key).unlink, missing_ok=True)

    async def chunks(self, key: str, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        """The staged bytes from `start` up to `end` (exclusive), in blocks."""
        async for block in read_blocks(self.path(key), start, end):
            yield block


async def read_blocks(path: Path, start: int, end: int | None) -> AsyncIterator[bytes]:
    """Read a file's byte range in 1 MiB blocks, each in a worker thread."""
    handle = await asyncio.to_thread(path.open, "rb")
    try:
        await asyncio.to_thread(handle.seek, start)
        position = start
        while end is None or position < end:
            want = BLOCK if end is None else min(BLOCK, end - position)
            block = await asyncio.to_thread(handle.read, want)
            if not block:
                return
            position += len(block)
            yield block
    finally:
        handle.close()
