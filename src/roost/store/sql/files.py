"""File, blob and upload metadata in SQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.model.errors import Conflict, NotFound
from roost.model.files import BlobInfo, StoredFile, Upload
from roost.store.sql import tables as t
from roost.store.sql.convert import utc, utc_required
from roost.store.sql.engine import Database
from roost.store.sql.writer import Writer

_FILE_COLUMNS = (t.files, t.blobs.c.size, t.blobs.c.width, t.blobs.c.height, t.blobs.c.has_thumbnail)


def files_query() -> Select[Any]:
    """Files with their blob's size and image facts."""
    return select(*_FILE_COLUMNS).join(t.blobs, t.blobs.c.sha256 == t.files.c.sha256)


def file_from_row(row: Any) -> StoredFile:
    return StoredFile(
        id=row.id,
        blob=BlobInfo(row.sha256, row.size, row.width, row.height, bool(row.has_thumbnail)),
        name=row.name,
        content_type=row.content_type,
        uploader_id=row.uploader_id,
        conversation_id=row.conversation_id,
        message_id=row.message_id,
        created_at=utc_required(row.created_at),
        expires_at=utc(row.expires_at),
    )


def upload_from_row(row: Any) -> Upload:
    return Upload(
        id=row.id,
        user_id=row.user_id,
        conversation_id=row.conversation_id,
        name=row.name,
        size=row.size,
        content_type=row.content_type,
        created_at=utc_required(row.created_at),
        expires_at=utc_required(row.expires_at),
        is_slot=bool(row.is_slot),
    )


async def add_blob(conn: AsyncConnection, blob: BlobInfo, now: datetime) -> None:
    """Record content once: the same bytes may be stored already (another file's, an avatar's)."""
    if await conn.scalar(select(t.blobs.c.sha256).where(t.blobs.c.sha256 == blob.sha256)) is not None:
        return
    await conn.execute(
        t.blobs.insert().values(
            sha256=blob.sha256,
            size=blob.size,
            width=blob.width,
            height=blob.height,
            has_thumbnail=blob.has_thumbnail,
            created_at=now,
        )
    )


async def attachments_of(conn: AsyncConnection, message_ids: list[int]) -> dict[int, tuple[StoredFile, ...]]:
    """The files each message carries, in upload order."""
    if not message_ids:
        return {}
    query = files_query().where(t.files.c.message_id.in_(message_ids)).order_by(t.files.c.id)
    found: dict[int, list[StoredFile]] = {}
    for row in await conn.execute(query):
        found.setdefault(row.message_id, []).append(file_from_row(row))
    return {message_id: tuple(files) for message_id, files in found.items()}


async def attach(conn: AsyncConnection, message_id: int, files: tuple[StoredFile, ...]) -> None:
    """Tie uploaded files to the message that carries them (each file to one message only)."""
    for file in files:
        result = await conn.execute(
            t.files.update()
            .where(t.files.c.id == file.id, t.files.c.message_id.is_(None))
            .values(message_id=message_id)
        )
        if result.rowcount != 1:
            raise Conflict("file.attached", "A file can be attached to one message only.")


async def detach_files(conn: AsyncConnection, message_ids: list[int]) -> None:
    """Forget the files of deleted or expired messages; their blobs go once unreferenced."""
    if message_ids:
        await conn.execute(t.files.delete().where(t.files.c.message_id.in_(message_ids)))


@dataclass
class SqlFileStore:
    """Uploads, blobs and files."""

    db: Database
    writer: Writer

    async def create_upload(
        self, upload: Upload, *, put_token_hash: bytes | None = None, link_hash: bytes | None = None
    ) -> Upload:
        values = {
            "id": upload.id,
            "user_id": upload.user_id,
            "conversation_id": upload.conversation_id,
            "name": upload.name,
            "size": upload.size,
            "content_type": upload.content_type,
            "created_at": upload.created_at,
            "expires_at": upload.expires_at,
            "is_slot": upload.is_slot,
            "put_token_hash": put_token_hash,
            "link_hash": link_hash,
        }

        async def write(conn: AsyncConnection) -> None:
            await conn.execute(t.uploads.insert().values(**values))

        await self.writer.write(write)
        return upload

    async def _upload_where(self, *criteria: Any) -> Upload | None:
        async with self.db.reader.connect() as conn:
            row = (await conn.execute(select(t.uploads).where(*criteria))).first()
        return None if row is None else upload_from_row(row)

    async def get_upload(self, upload_id: int) -> Upload | None:
        return await self._upload_where(t.uploads.c.id == upload_id)

    async def upload_by_put_token(self, token_hash: bytes) -> Upload | None:
        return await self._upload_where(t.uploads.c.put_token_hash == token_hash)

    async def delete_upload(self, upload_id: int) -> bool:
        async def write(conn: AsyncConnection) -> bool:
            result = await conn.execute(t.uploads.delete().where(t.uploads.c.id == upload_id))
            return bool(result.rowcount)

        return await self.writer.write(write)

    async def expired_uploads(self, now: datetime, limit: int) -> list[Upload]:
        query = select(t.uploads).where(t.uploads.c.expires_at < now).order_by(t.uploads.c.expires_at).limit(limit)
        async with self.db.reader.connect() as conn:
            return [upload_from_row(row) for row in await conn.execute(query)]

    async def pending_bytes(self, user_id: int | None) -> int:
        """Bytes announced by uploads in progress (one user's, or everyone's)."""
        query = select(func.coalesce(func.sum(t.uploads.c.size), 0))
        if user_id is not None:
            query = query.where(t.uploads.c.user_id == user_id)
        async with self.db.reader.connect() as conn:
            return int(await conn.scalar(query) or 0)

    async def used_bytes(self, user_id: int | None) -> int:
        """A user's files (each counted, even when the content is shared), or all blobs (disk use)."""
        if user_id is None:
            query = select(func.coalesce(func.sum(t.blobs.c.size), 0))
        else:
            query = (
                select(func.coalesce(func.sum(t.blobs.c.size), 0))
                .select_from(t.files.join(t.blobs, t.blobs.c.sha256 == t.files.c.sha256))
                .where(t.files.c.uploader_id == user_id)
            )
        async with self.db.reader.connect() as conn:
            return int(await conn.scalar(query) or 0)

    async def blob(self, sha256: str) -> BlobInfo | None:
        async with self.db.reader.connect() as conn:
            row = (await conn.execute(select(t.blobs).where(t.blobs.c.sha256 == sha256))).first()
        if row is None:
            return None
        return BlobInfo(row.sha256, row.size, row.width, row.height, bool(row.has_thumbnail))

    async def finish_upload(self, upload: Upload, file: StoredFile) -> StoredFile:
        """In one transaction: record the blob (once), the file (with the upload's link), and end the upload."""

        async def write(conn: AsyncConnection) -> StoredFile:
            pending = (await conn.execute(select(t.uploads.c.link_hash).where(t.uploads.c.id == upload.id))).first()
            if pending is None:
                raise NotFound("upload.not_found", "No such upload: it was cancelled or has expired.")
            link_hash = pending.link_hash
            blob = file.blob
            await add_blob(conn, blob, file.created_at)
            await conn.execute(
                t.files.insert().values(
                    id=file.id,
                    sha256=blob.sha256,
                    name=file.name,
                    content_type=file.content_type,
                    uploader_id=file.uploader_id,
                    conversation_id=file.conversation_id,
                    message_id=None,
                    created_at=file.created_at,
                    expires_at=file.expires_at,
                    link_hash=link_hash,
                )
            )
            await conn.execute(t.uploads.delete().where(t.uploads.c.id == upload.id))
            row = (await conn.execute(files_query().where(t.files.c.id == file.id))).one()
            return file_from_row(row)

        return await self.writer.write(write)

    async def get_file(self, file_id: int) -> StoredFile | None:
        found = await self.get_files([file_id])
        return found[0] if found else None

    async def get_files(self, file_ids: list[int]) -> list[StoredFile]:
        if not file_ids:
            return []
        async with self.db.reader.connect() as conn:
            rows = await conn.execute(files_query().where(t.files.c.id.in_(file_ids)).order_by(t.files.c.id))
            return [file_from_row(row) for row in rows]

    async def file_by_link(self, link_hash: bytes) -> StoredFile | None:
        async with self.db.reader.connect() as conn:
            row = (await conn.execute(files_query().where(t.files.c.link_hash == link_hash))).first()
        return None if row is None else file_from_row(row)

    async def server_key(self, name: str) -> bytes:
        """A key the server made once (migration 0020), the same on every node."""
        async with self.db.reader.connect() as conn:
            value = await conn.scalar(select(t.server_keys.c.value).where(t.server_keys.c.name == name))
        if value is None:
            raise RuntimeError(f"no server key {name!r}: is the database migrated?")
        return bytes(value)

    async def delete_files(self, file_ids: list[int]) -> int:
        async def write(conn: AsyncConnection) -> int:
            result = await conn.execute(t.files.delete().where(t.files.c.id.in_(file_ids)))
            return int(result.rowcount)

        return await self.writer.write(write) if file_ids else 0

    async def stale_files(self, *, unattached_before: datetime, now: datetime, limit: int) -> list[int]:
        """Files past their link's expiry, and conversation files no message took up in time."""
        f = t.files
        never_sent = and_(
            f.c.conversation_id.is_not(None), f.c.message_id.is_(None), f.c.created_at < unattached_before
        )
        query = select(f.c.id).where(or_(f.c.expires_at < now, never_sent)).limit(limit)
        async with self.db.reader.connect() as conn:
            return list((await conn.scalars(query)).all())

    async def take_unreferenced_blobs(self, limit: int) -> list[str]:
        """Forget up to `limit` blobs no file or avatar refers to; the caller then deletes their bytes."""
        blob = t.blobs.c.sha256
        referenced = or_(
            exists().where(t.files.c.sha256 == blob),
            exists().where(t.avatars.c.sha256 == blob),
            exists().where(t.avatars.c.small_sha256 == blob),
        )

        async def write(conn: AsyncConnection) -> list[str]:
            sha256s = list((await conn.scalars(select(t.blobs.c.sha256).where(~referenced).limit(limit))).all())
            if sha256s:
                await conn.execute(t.blobs.delete().where(t.blobs.c.sha256.in_(sha256s), ~referenced))
            return sha256s

        return await self.writer.write(write)
