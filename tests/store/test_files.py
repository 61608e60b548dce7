"""FileStore contract: uploads, blobs stored once, files attached to messages, clean-up queries."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from roost.model.errors import Conflict, NotFound
from roost.model.files import BlobInfo, StoredFile, Upload
from roost.model.messages import NewMessage
from roost.model.users import User
from roost.store.sql.stores import SqlStores
from tests.store.builders import NOW, World

SHA_A = "a" * 64
SHA_B = "b" * 64


def an_upload(world: World, user: User, conversation_id: int | None, size: int = 100, **fields: object) -> Upload:
    values: dict[str, object] = {
        "id": world.next_id(),
        "user_id": user.id,
        "conversation_id": conversation_id,
        "name": "notes.txt",
        "size": size,
        "content_type": "text/plain",
        "created_at": NOW,
        "expires_at": NOW + timedelta(hours=1),
    }
    values.update(fields)
    return Upload(**values)  # type: ignore[arg-type]


def a_file(world: World, upload: Upload, blob: BlobInfo, **fields: object) -> StoredFile:
    file = StoredFile(
        id=world.next_id(),
        blob=blob,
        name=upload.name,
        content_type=upload.content_type,
        uploader_id=upload.user_id,
        conversation_id=upload.conversation_id,
        message_id=None,
        created_at=NOW,
    )
    return replace(file, **fields)  # type: ignore[arg-type]


async def finished(
    world: World, stores: SqlStores, user: User, conversation_id: int | None, blob: BlobInfo
) -> StoredFile:
    upload = await stores.files.create_upload(an_upload(world, user, conversation_id, blob.size))
    return await stores.files.finish_upload(upload, a_file(world, upload, blob))


async def test_upload_lifecycle_and_pending_bytes(world: World, stores: SqlStores) -> None:
    amy, bob = await world.user("amy"), await world.user("bob")
    room = await world.room(amy, bob)
    upload = await stores.files.create_upload(an_upload(world, amy, room.id, size=5 * 1024**3))
    await stores.files.create_upload(an_upload(world, bob, room.id, size=7))

    assert await stores.files.get_upload(upload.id) == upload
    assert await stores.files.pending_bytes(amy.id) == 5 * 1024**3
    assert await stores.files.pending_bytes(None) == 5 * 1024**3 + 7
    assert await stores.files.expired_uploads(NOW + timedelta(minutes=59), 10) == []
    assert len(await stores.files.expired_uploads(NOW + timedelta(hours=2), 10)) == 2
    assert await stores.files.delete_upload(upload.id) is True
    assert await stores.files.delete_upload(upload.id) is False
    assert await stores.files.get_upload(upload.id) is None


async def test_slot_tokens_are_found_by_hash(world: World, stores: SqlStores) -> None:
    amy = await world.user("amy")
    upload = an_upload(world, amy, None, is_slot=True)
    await stores.files.create_upload(upload, put_token_hash=b"\x00put", link_hash=b"\xffget")
    assert await stores.files.upload_by_put_token(b"\x00put") == upload
    assert await stores.files.upload_by_put_token(b"\xffget") is None
    file = await stores.files.finish_upload(upload, a_file(world, upload, BlobInfo(SHA_A, 100)))
    assert await stores.files.file_by_link(b"\xffget") == file
    assert await stores.files.upload_by_put_token(b"\x00put") is None


async def test_same_content_is_one_blob_and_usage_counts_each_file(world: World, stores: SqlStores) -> None:
    amy, bob = await world.user("amy"), await world.user("bob")
    room = await world.room(amy, bob)
    blob = BlobInfo(SHA_A, 1000, width=640, height=480, has_thumbnail=True)
    one = await finished(world, stores, amy, room.id, blob)
    two = await finished(world, stores, bob, room.id, replace(blob, width=None))

    assert one.blob == blob
    assert two.blob == blob  # the first upload's facts about the content stay
    assert await stores.files.get_files([two.id, one.id]) == [one, two]
    assert await stores.files.used_bytes(amy.id) == 1000
    assert await stores.files.used_bytes(None) == 1000
    assert await stores.files.blob(SHA_A) == blob
    assert await stores.files.blob(SHA_B) is None


async def test_finishing_a_cancelled_upload_fails(world: World, stores: SqlStores) -> None:
    amy = await world.user("amy")
    upload = await stores.files.create_upload(an_upload(world, amy, None))
    await stores.files.delete_upload(upload.id)
    with pytest.raises(NotFound):
        await stores.files.finish_upload(upload, a_file(world, upload, BlobInfo(SHA_A, 100)))
    assert await stores.files.blob(SHA_A) is None


async def test_attachments_travel_with_messages_and_go_with_them(world: World, stores: SqlStores) -> None:
    amy, bob = await world.user("amy"), await world.user("bob")
    room = await world.room(amy, bob)
    file = await finished(world, stores, amy, room.id, BlobInfo(SHA_A, 10))
    new = NewMessage(room.id, amy.id, None, "", attachments=(file,))
    appended = await stores.messages.append(new, message_id=world.next_id(), now=NOW)
    message_id = appended.message.id

    attached = replace(file, message_id=message_id)
    assert appended.message.attachments == (attached,)
    assert (await stores.messages.history(room.id, before=None, after=None, around=None, limit=10)).messages[
        0
    ].attachments == (attached,)
    again = NewMessage(room.id, amy.id, None, "again", attachments=(file,))
    with pytest.raises(Conflict):
        await stores.messages.append(again, message_id=world.next_id(), now=NOW)

    assert await stores.files.take_unreferenced_blobs(10) == []
    await stores.messages.delete(message_id, actor_id=amy.id, event_id=world.next_id(), now=NOW)
    assert await stores.files.get_file(file.id) is None
    assert await stores.files.take_unreferenced_blobs(10) == [SHA_A]
    assert await stores.files.take_unreferenced_blobs(10) == []


async def test_stale_files(world: World, stores: SqlStores) -> None:
    amy = await world.user("amy")
    room = await world.room(amy)
    unsent = await finished(world, stores, amy, room.id, BlobInfo(SHA_A, 10))
    link = await finished(world, stores, amy, None, BlobInfo(SHA_B, 10))
    upload = await stores.files.create_upload(an_upload(world, amy, None))
    expiring = await stores.files.finish_upload(
        upload, a_file(world, upload, BlobInfo(SHA_B, 10), expires_at=NOW + timedelta(days=1))
    )

    assert await stores.files.stale_files(unattached_before=NOW, now=NOW, limit=10) == []
    later = NOW + timedelta(days=2)
    stale = await stores.files.stale_files(unattached_before=NOW + timedelta(seconds=1), now=later, limit=10)
    assert sorted(stale) == sorted([unsent.id, expiring.id])
    assert link.id not in stale
    assert await stores.files.delete_files(stale) == 2
    assert await stores.files.take_unreferenced_blobs(10) == [SHA_A]


async def test_retention_takes_the_files_of_expired_messages(world: World, stores: SqlStores) -> None:
    amy = await world.user("amy")
    room = await world.room(amy)
    file = await finished(world, stores, amy, room.id, BlobInfo(SHA_A, 10))
    new = NewMessage(room.id, amy.id, None, "old", attachments=(file,))
    await stores.messages.append(new, message_id=world.next_id(), now=NOW)

    assert await stores.messages.purge_before(NOW + timedelta(days=1)) == 1

    assert await stores.files.get_file(file.id) is None
    assert await stores.files.take_unreferenced_blobs(10) == [SHA_A]


async def test_the_file_link_key_is_made_once_by_the_migration(stores: SqlStores) -> None:
    key = await stores.files.server_key("file_links")
    assert len(key) == 32 and key == await stores.files.server_key("file_links")
    with pytest.raises(RuntimeError):
        await stores.files.server_key("no such key")
