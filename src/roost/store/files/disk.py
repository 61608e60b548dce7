"""The embedded blob store: each content under `<data>/files/blobs/ab/cd/<sha256>`.

Staged files are renamed into place (same file system), so a blob is either whole or
absent. An S3-compatible store would implement the same `BlobStore` protocol.
"""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import AsyncIterator
from pathlib import Path

from roost.store.files.staging import fsync_dir, read_blocks

_SHA256 = re.compile(r"[0-9a-f]{64}")


class DiskBlobStore:
    """Blobs and thumbnails in a folder tree keyed by SHA-256."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    def _path(self, sha256: str, suffix: str = "") -> Path:
        if not _SHA256.fullmatch(sha256):
            raise ValueError("bad sha256")
        return self.root / sha256[:2] / sha256[2:4] / (sha256 + suffix)

    async def put(self, sha256: str, staged: Path) -> None:
        """Move a staged file into place; if the content is stored already, drop the copy."""
        await asyncio.to_thread(self._put, self._path(sha256), staged)

    @staticmethod
    def _put(target: Path, staged: Path) -> None:
        if target.exists():
            staged.unlink(missing_ok=True)
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(staged, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(staged, target)
        fsync_dir(target.parent)

    async def exists(self, sha256: str) -> bool:
        return await asyncio.to_thread(self._path(sha256).exists)

    async def read(self, sha256: str, start: int, end: int) -> AsyncIterator[bytes]:
        """Bytes `start` to `end` (exclusive) of a blob."""
        async for block in read_blocks(self._path(sha256), start, end):
            yield block

    async def delete(self, sha256: str) -> None:
        """Remove a blob and its thumbnail (missing ones are fine)."""
        for path in (self._path(sha256), self._path(sha256, ".thumb")):
            await asyncio.to_thread(path.unlink, missing_ok=True)

    async def put_thumbnail(self, sha256: str, data: bytes) -> None:
        await asyncio.to_thread(self._write_small, self._path(sha256, ".thumb"), data)

    @staticmethod
    def _write_small(target: Path, data: bytes) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(target.name + ".tmp")
        with temporary.open("wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)

    async def get_thumbnail(self, sha256: str) -> bytes | None:
        try:
            return await asyncio.to_thread(self._path(sha256, ".thumb").read_bytes)
        except FileNotFoundError:
            return None
