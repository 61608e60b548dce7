"""Files in conversations: uploads (resumable), quotas, access, XEP-0363 slots, clean-up."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta

from roost.core.auth.service import hash_secret
from roost.core.clock import Clock
from roost.core.conversations.service import ConversationService
from roost.core.files.intake import Intake
from roost.core.files.links import FileLinks
from roost.core.files.names import clean_content_type, clean_name
from roost.model.errors import BadRequest, Conflict, NotFound, StorageFull, TooLarge
from roost.model.files import Slot, StorageUse, StoredFile, Upload, UploadProgress
from roost.model.ids import IdGenerator
from roost.model.users import User
from roost.store.protocols import BlobStore, FileStore

SWEEP_BATCH = 500


@dataclass(frozen=True)
class FileLimits:
    max_file_bytes: int = 4 * 1024**3
    user_quota_bytes: int = 0  # 0: no limit
    org_quota_bytes: int = 0
    attachments_per_message: int = 20
    upload_lifetime: timedelta = timedelta(hours=24)
    unattached_lifetime: timedelta = timedelta(hours=24)
    slot_lifetime: timedelta = timedelta(seconds=300)


# Capability tokens are stored hashed, like login tokens: the database alone does not open a file.
token_hash = hash_secret


def describe_bytes(count: int) -> str:
    for unit, size in (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if count >= size:
            return f"{count / size:.1f} {unit}"
    return f"{count} bytes"


@dataclass(frozen=True)
class SweepReport:
    uploads: int
    files: int
    blobs: int


@dataclass(frozen=True)
class FilesService:
    """Who may upload, see and fetch which file; the bytes go through `Intake`."""

    store: FileStore
    blobs: BlobStore
    intake: Intake
    conversations: ConversationService
    ids: IdGenerator
    clock: Clock
    limits: FileLimits = FileLimits()
    links: FileLinks = field(default_factory=FileLinks)

    async def usage(self, user: User) -> StorageUse:
        """Storage used and allowed, for a client to show before it uploads."""
        user_used = await self.store.used_bytes(user.id) + await self.store.pending_bytes(user.id)
        org_used = await self.store.used_bytes(None) + await self.store.pending_bytes(None)
        limits = self.limits
        return StorageUse(user_used, limits.user_quota_bytes, org_used, limits.org_quota_bytes, limits.max_file_bytes)

    async def check_room(self, user: User, size: int) -> None:
        """Refuse a file over the size limit or a quota, naming the limit."""
        if size < 0:
            raise BadRequest("upload.size", "The size of a file cannot be negative.")
        if size > self.limits.max_file_bytes:
            limit = describe_bytes(self.limits.max_file_bytes)
            raise TooLarge("file.too_large", f"The file is larger than the server's limit of {limit}.")
        use = await self.usage(user)
        if use.user_quota and use.user_used + size > use.user_quota:
            raise TooLarge(
                "quota.user",
                f"The file would exceed your storage quota of {describe_bytes(use.user_quota)} "
                f"({describe_bytes(use.user_used)} used).",
            )
        if use.org_quota and use.org_used + size > use.org_quota:
            raise StorageFull(
                "quota.organisation",
                f"The file would exceed the organisation's storage quota of {describe_bytes(use.org_quota)}.",
            )

    async def start_upload(self, user: User, conversation_id: int, name: str, size: int, content_type: str) -> Upload:
        """Announce a file to a conversation; its bytes follow in one or more `receive` calls."""
        await self.conversations.require_member(user.id, conversation_id)
        await self.conversations.check_writable(conversation_id)
        await self.check_room(user, size)
        upload = self._new_upload(user, conversation_id, name, size, content_type)
        return await self.store.create_upload(upload)

    def _new_upload(self, user: User, conversation_id: int | None, name: str, size: int, content_type: str) -> Upload:
        """An upload to a conversation, or (no conversation) an XEP-0363 slot; names and types cleaned."""
        now = self.clock.now()
        is_slot = conversation_id is None
        lifetime = self.limits.slot_lifetime if is_slot else self.limits.upload_lifetime
        return Upload(
            id=self.ids.next_id(),
            user_id=user.id,
            conversation_id=conversation_id,
            name=clean_name(name),
            size=size,
            content_type=clean_content_type(content_type),
            created_at=now,
            expires_at=now + lifetime,
            is_slot=is_slot,
        )

    async def upload_of(self, user: User, upload_id: int) -> Upload:
        upload = await self.store.get_upload(upload_id)
        if upload is None or upload.user_id != user.id or upload.expires_at <= self.clock.now():
            raise NotFound("upload.not_found", "No such upload: it was finished, cancelled or has expired.")
        return upload

    async def progress(self, user: User, upload_id: int) -> UploadProgress:
        upload = await self.upload_of(user, upload_id)
        return UploadProgress(upload, await self.intake.offset(upload))

    async def receive(self, user: User, upload_id: int, offset: int, chunks: AsyncIterable[bytes]) -> UploadProgress:
        """Append bytes at `offset` (the client resumes from the offset it was given)."""
        return await self.intake.receive(await self.upload_of(user, upload_id), offset, chunks)

    async def upload_whole(
        self,
        user: User,
        conversation_id: int,
        *,
        name: str,
        size: int,
        content_type: str,
        chunks: AsyncIterable[bytes],
    ) -> StoredFile:
        """A file in one request: on any failure nothing of it is kept."""
        upload = await self.start_upload(user, conversation_id, name, size, content_type)
        return await self._all_or_nothing(upload, chunks)

    async def _all_or_nothing(self, upload: Upload, chunks: AsyncIterable[bytes]) -> StoredFile:
        try:
            progress = await self.intake.receive(upload, 0, chunks)
        except BaseException:
            await self._drop(upload)
            raise
        if progress.file is None:
            await self._drop(upload)
            raise BadRequest(
                "upload.incomplete", f"The body ended after {progress.offset} of the {upload.size} bytes announced."
            )
        return progress.file

    async def _drop(self, upload: Upload) -> None:
        await self.intake.discard(upload)
        await self.store.delete_upload(upload.id)

    async def cancel(self, user: User, upload_id: int) -> None:
        await self._drop(await self.upload_of(user, upload_id))

    async def request_slot(self, user: User, name: str, size: int, content_type: str) -> Slot:
        """XEP-0363: a PUT URL valid for a while, and the GET URL the file will have."""
        await self.check_room(user, size)
        upload = self._new_upload(user, None, name, size, content_type)
        put_token, get_token = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        await self.store.create_upload(upload, put_token_hash=token_hash(put_token), link_hash=token_hash(get_token))
        return Slot(upload, put_token, get_token)

    async def slot(self, put_token: str) -> Upload:
        upload = await self.store.upload_by_put_token(token_hash(put_token))
        if upload is None or upload.expires_at <= self.clock.now():
            raise NotFound("slot.not_found", "No such upload slot: it was used or has expired.")
        return upload

    async def put_to_slot(self, put_token: str, length: int | None, chunks: AsyncIterable[bytes]) -> StoredFile:
        """The slot's PUT: exactly the announced bytes, all at once."""
        upload = await self.slot(put_token)
        if length is not None and length > upload.size:
            raise TooLarge("slot.too_large", f"The slot is for {upload.size} bytes, not {length}.")
        if length is not None and length < upload.size:
            raise BadRequest("slot.size", f"The slot is for {upload.size} bytes, not {length}.")
        await self.intake.discard(upload)  # a retried PUT starts again
        return await self._all_or_nothing(upload, chunks)

    async def load_link_key(self) -> None:
        """Before serving: the key that signs sent files' links (`links.py`)."""
        self.links.load(await self.store.server_key("file_links"))

    def link_token(self, file: StoredFile) -> str:
        """The capability token of a file sent in a conversation (for XMPP clients)."""
        return self.links.token(file.id)

    async def by_link(self, get_token: str) -> StoredFile:
        """A file by its capability URL (XEP-0363 GET, or a sent file's signed link): whoever
        holds the token may fetch it."""
        if (file_id := self.links.file_id(get_token)) is not None:
            sent = await self.store.get_file(file_id)
            if sent is None or sent.message_id is None:  # its message was deleted
                raise NotFound("file.not_found", "No such file.")
            return sent
        file = await self.store.file_by_link(token_hash(get_token))
        if file is None or (file.expires_at is not None and file.expires_at <= self.clock.now()):
            raise NotFound("file.not_found", "No such file.")
        return file

    async def get(self, user: User, file_id: int) -> StoredFile:
        """A file the user may fetch: members of its conversation (once it was sent), its uploader, admins."""
        file = await self.store.get_file(file_id)
        if file is None or not await self._may_read(user, file):
            raise NotFound("file.not_found", "No such file.")
        return file

    async def _may_read(self, user: User, file: StoredFile) -> bool:
        if user.is_admin or file.uploader_id == user.id:
            return True
        if file.conversation_id is None or file.message_id is None:
            return False
        return await self.conversations.store.member(file.conversation_id, user.id) is not None

    def read(self, file: StoredFile, start: int, end: int) -> AsyncIterator[bytes]:
        """The bytes `start` to `end` (exclusive) of a file the caller may read."""
        return self.blobs.read(file.sha256, start, end)

    async def thumbnail(self, file: StoredFile) -> bytes:
        data = await self.blobs.get_thumbnail(file.sha256) if file.blob.has_thumbnail else None
        if data is None:
            raise NotFound("file.no_thumbnail", "This file has no thumbnail.")
        return data

    async def for_message(self, user: User, conversation_id: int, file_ids: tuple[int, ...]) -> tuple[StoredFile, ...]:
        """The files a new message will carry: the sender's own uploads to this conversation, not sent yet."""
        if len(file_ids) > self.limits.attachments_per_message:
            raise BadRequest(
                "message.attachments", f"A message carries at most {self.limits.attachments_per_message} files."
            )
        if len(set(file_ids)) != len(file_ids):
            raise BadRequest("message.attachments", "A file is attached twice.")
        files = {f.id: f for f in await self.store.get_files(list(file_ids))}
        for file_id in file_ids:
            file = files.get(file_id)
            if file is None or file.uploader_id != user.id or file.conversation_id != conversation_id:
                raise NotFound("file.not_found", f"No file {file_id} of yours in this conversation.")
            if file.message_id is not None:
                raise Conflict("file.attached", f"File {file_id} was sent with another message already.")
        return tuple(files[i] for i in file_ids)

    async def message_ids_of(self, file_ids: tuple[int, ...]) -> list[int]:
        """The messages that carry these files (for recognising a re-sent message)."""
        files = await self.store.get_files(list(file_ids))
        return sorted({f.message_id for f in files if f.message_id is not None})

    async def sweep(self) -> SweepReport:
        """Drop expired uploads, files nobody sent or whose link expired, then unreferenced content."""
        now = self.clock.now()
        uploads = await self.store.expired_uploads(now, SWEEP_BATCH)
        for upload in uploads:
            await self._drop(upload)
        stale = await self.store.stale_files(
            unattached_before=now - self.limits.unattached_lifetime, now=now, limit=SWEEP_BATCH
        )
        await self.store.delete_files(stale)
        async with self.intake.blob_lock:
            gone = await self.store.take_unreferenced_blobs(SWEEP_BATCH)
            for sha256 in gone:
                await self.blobs.delete(sha256)
        return SweepReport(len(uploads), len(stale), len(gone))
