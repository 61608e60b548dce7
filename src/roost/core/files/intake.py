"""Receiving upload bytes: staged to disk, hashed on the way, stored by hash when complete.

A resumable upload arrives in several requests; the SHA-256 state of the bytes so far
is kept between them (and rebuilt from the staged file after a restart), so a file is
read once while it streams in. When the last byte has arrived the image steps run
(GPS removed, thumbnail), the content moves to the blob store and the file's row is
committed, in that order: a file is visible only once all of it is stored.
"""

from __future__ import annotations

import asyncio
import errno
import hashlib
from collections.abc import AsyncIterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from roost.core.clock import Clock
from roost.core.files import images
from roost.core.files.names import clean_content_type
from roost.model.errors import Conflict, StorageFull, TooLarge
from roost.model.files import BlobInfo, StoredFile, Upload, UploadProgress
from roost.model.ids import IdGenerator
from roost.store.protocols import BlobStore, FileStore, StagedWriter, Staging


@dataclass(frozen=True)
class ImagePolicy:
    strip_gps: bool = True
    thumbnail_pixels: int = 320
    max_pixels: int = 50_000_000


def staging_key(upload: Upload) -> str:
    return f"u{upload.id}"


def disk_full(error: OSError) -> StorageFull | None:
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return StorageFull("files.disk_full", "The server's disk is full; the upload can resume once there is room.")
    return None


@dataclass
class Intake:
    """Streams bytes into staged uploads and turns complete ones into stored files."""

    store: FileStore
    staging: Staging
    blobs: BlobStore
    ids: IdGenerator
    clock: Clock
    policy: ImagePolicy = ImagePolicy()
    link_lifetime: timedelta | None = None
    # One lock orders "blob placed + row committed" against the sweep that deletes unreferenced blobs.
    blob_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    _hashers: dict[int, tuple[int, Any]] = field(default_factory=dict)
    _busy: set[int] = field(default_factory=set)

    async def offset(self, upload: Upload) -> int:
        return await self.staging.size(staging_key(upload)) or 0

    async def receive(self, upload: Upload, offset: int, chunks: AsyncIterable[bytes]) -> UploadProgress:
        """Append the bytes at `offset`; the file once the upload is complete."""
        if upload.id in self._busy:
            raise Conflict("upload.busy", "This upload is receiving data on another connection.")
        self._busy.add(upload.id)
        try:
            return await self._receive(upload, offset, chunks)
        finally:
            self._busy.discard(upload.id)

    async def discard(self, upload: Upload) -> None:
        self._hashers.pop(upload.id, None)
        await self.staging.discard(staging_key(upload))

    async def _receive(self, upload: Upload, offset: int, chunks: AsyncIterable[bytes]) -> UploadProgress:
        key = staging_key(upload)
        staged = await self.staging.size(key) or 0
        if offset != staged:
            raise Conflict("upload.offset", f"The upload is at byte {staged}, not {offset}.")
        hasher = await self._hasher(upload.id, key, staged)
        writer = await self._open(key)
        received = await self._pour(upload, writer, hasher, chunks, start=staged)
        if received < upload.size:
            return UploadProgress(upload, received)
        self._hashers.pop(upload.id, None)
        file = await self._finish(upload, key, hasher.hexdigest())
        return UploadProgress(upload, upload.size, file)

    async def _open(self, key: str) -> StagedWriter:
        try:
            return await self.staging.open(key)
        except OSError as error:
            raise disk_full(error) or error from None

    async def _pour(
        self, upload: Upload, writer: StagedWriter, hasher: Any, chunks: AsyncIterable[bytes], *, start: int
    ) -> int:
        """Copy chunks to the staged file; what arrived before a disconnect is kept, fsynced."""
        try:
            async for chunk in chunks:
                if writer.size + len(chunk) > upload.size:
                    raise TooLarge("upload.too_large", f"The upload is larger than the {upload.size} bytes announced.")
                hasher.update(chunk)
                await writer.write(chunk)
        except TooLarge:
            await writer.close()
            await self.staging.truncate(staging_key(upload), start)
            raise
        except OSError as error:
            await self._close_quietly(writer)
            raise disk_full(error) or error from None
        except BaseException:  # the client went away (or the server stops): keep what arrived
            if await self._close_quietly(writer):
                self._hashers[upload.id] = (writer.size, hasher)
            raise
        try:
            await writer.close()
        except OSError as error:
            raise disk_full(error) or error from None
        self._hashers[upload.id] = (writer.size, hasher)
        return writer.size

    @staticmethod
    async def _close_quietly(writer: StagedWriter) -> bool:
        try:
            await writer.close()
        except OSError:
            return False
        return True

    async def _hasher(self, upload_id: int, key: str, staged: int) -> Any:
        """The hash of the staged bytes: kept from the last request, or read again (after a restart)."""
        kept = self._hashers.pop(upload_id, None)
        if kept is not None and kept[0] == staged:
            return kept[1]
        return await self._hash_staged(key, staged)

    async def _hash_staged(self, key: str, end: int | None = None) -> Any:
        hasher = hashlib.sha256()
        if end != 0:
            async for block in self.staging.chunks(key, 0, end):
                await asyncio.to_thread(hasher.update, block)
        return hasher

    async def _finish(self, upload: Upload, key: str, sha256: str) -> StoredFile:
        facts = await asyncio.to_thread(images.inspect, self.staging.path(key), self.policy.max_pixels)
        known = await self.store.blob(sha256)
        if facts is not None and facts.has_gps and self.policy.strip_gps and known is None:
            key, sha256 = await self._without_gps(key, sha256)
            known = await self.store.blob(sha256)
        size = await self.staging.size(key) or 0
        thumbnail = None
        if facts is not None and known is None:
            box = self.policy.thumbnail_pixels
            thumbnail = await asyncio.to_thread(images.thumbnail, self.staging.path(key), box)
        width, height = (facts.width, facts.height) if facts else (None, None)
        blob = known or BlobInfo(sha256, size, width, height, has_thumbnail=thumbnail is not None)
        now = self.clock.now()
        file = StoredFile(
            id=self.ids.next_id(),
            blob=blob,
            name=upload.name,
            content_type=facts.content_type if facts else clean_content_type(upload.content_type),
            uploader_id=upload.user_id,
            conversation_id=upload.conversation_id,
            message_id=None,
            created_at=now,
            expires_at=now + self.link_lifetime if upload.is_slot and self.link_lifetime else None,
        )
        return await self._store(key, file, thumbnail, upload)

    async def _without_gps(self, key: str, sha256: str) -> tuple[str, str]:
        clean = key + "-clean"
        if not await asyncio.to_thread(images.strip_gps, self.staging.path(key), self.staging.path(clean)):
            return key, sha256
        await self.staging.discard(key)
        return clean, (await self._hash_staged(clean)).hexdigest()

    async def _store(self, key: str, file: StoredFile, thumbnail: bytes | None, upload: Upload) -> StoredFile:
        async with self.blob_lock:
            try:
                await self.blobs.put(file.sha256, self.staging.path(key))
                if thumbnail is not None:
                    await self.blobs.put_thumbnail(file.sha256, thumbnail)
            except OSError as error:
                await self.staging.discard(key)
                raise disk_full(error) or error from None
            return await self.store.finish_upload(upload, file)
