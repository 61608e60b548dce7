"""FilesService over real SQLite and a real disk, with a fake clock: limits, slots, sweeps."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from roost.core.files.intake import Intake
from roost.core.files.service import FileLimits, FilesService, SweepReport
from roost.model.errors import BadRequest, Conflict, NotFound, StorageFull, TooLarge
from roost.store.files.disk import DiskBlobStore
from roost.store.files.staging import DiskStaging
from tests.unit.support import Core


def files_service(core: Core, root: Path, **limits: object) -> FilesService:
    blobs = DiskBlobStore(root / "blobs")
    intake = Intake(core.stores.files, DiskStaging(root / "staging"), blobs, core.ids, core.clock)
    return FilesService(
        core.stores.files,
        blobs,
        intake,
        core.conversations,
        core.ids,
        core.clock,
        FileLimits(**limits),  # type: ignore[arg-type]
    )


async def chunks(*parts: bytes) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


@pytest.fixture
def files(core: Core, tmp_path: Path) -> FilesService:
    return files_service(core, tmp_path, max_file_bytes=1000, user_quota_bytes=0, org_quota_bytes=0)


async def test_whole_upload_is_stored_by_hash(core: Core, files: FilesService, tmp_path: Path) -> None:
    amy = await core.user("amy")
    room = await core.room(amy)
    file = await files.upload_whole(
        amy, room.id, name="a.txt", size=6, content_type="text/plain; charset=utf-8", chunks=chunks(b"abc", b"def")
    )
    assert file.sha256 == hashlib.sha256(b"abcdef").hexdigest()
    assert file.content_type == "text/plain"
    stored = tmp_path / "blobs" / file.sha256[:2] / file.sha256[2:4] / file.sha256
    assert stored.read_bytes() == b"abcdef"
    assert b"".join([block async for block in files.read(file, 2, 5)]) == b"cde"
    assert list((tmp_path / "staging").iterdir()) == []


async def test_short_body_keeps_nothing(core: Core, files: FilesService, tmp_path: Path) -> None:
    amy = await core.user("amy")
    room = await core.room(amy)
    with pytest.raises(BadRequest) as error:
        await files.upload_whole(amy, room.id, name="a", size=10, content_type="", chunks=chunks(b"abc"))
    assert error.value.code == "upload.incomplete"
    assert list((tmp_path / "staging").iterdir()) == []
    assert (await files.usage(amy)).user_used == 0


async def test_resumed_upload_after_restart_rehashes_the_staged_part(core: Core, tmp_path: Path) -> None:
    amy = await core.user("amy")
    room = await core.room(amy)
    first = files_service(core, tmp_path)
    upload = await first.start_upload(amy, room.id, "x.bin", 6, "")
    assert (await first.receive(amy, upload.id, 0, chunks(b"abc"))).offset == 3
    restarted = files_service(core, tmp_path)  # a new process: no hash state in memory
    with pytest.raises(Conflict):
        await restarted.receive(amy, upload.id, 2, chunks(b"x"))
    done = await restarted.receive(amy, upload.id, 3, chunks(b"def"))
    assert done.file is not None
    assert done.file.sha256 == hashlib.sha256(b"abcdef").hexdigest()


async def test_limits_and_quotas(core: Core, tmp_path: Path) -> None:
    amy, bob = await core.user("amy"), await core.user("bob")
    room = await core.room(amy, bob)
    files = files_service(core, tmp_path, max_file_bytes=100, user_quota_bytes=50, org_quota_bytes=80)
    with pytest.raises(TooLarge, match="100 bytes"):
        await files.check_room(amy, 101)
    await files.upload_whole(amy, room.id, name="a", size=40, content_type="", chunks=chunks(b"a" * 40))
    with pytest.raises(TooLarge) as quota:
        await files.start_upload(amy, room.id, "b", 11, "")
    assert quota.value.code == "quota.user"
    await files.start_upload(bob, room.id, "c", 40, "")  # reserved while in progress
    with pytest.raises(StorageFull) as org:
        await files.start_upload(bob, room.id, "d", 1, "")
    assert org.value.code == "quota.organisation"


async def test_slot_expires_and_link_opens_the_file(core: Core, files: FilesService) -> None:
    amy = await core.user("amy")
    slot = await files.request_slot(amy, "../photo.jpg", 3, "image/jpeg")
    assert slot.upload.name == "photo.jpg"
    assert len(slot.put_token) >= 43 and slot.put_token != slot.get_token
    with pytest.raises(NotFound):
        await files.by_link(slot.get_token)  # nothing uploaded yet
    file = await files.put_to_slot(slot.put_token, 3, chunks(b"abc"))
    assert await files.by_link(slot.get_token) == file
    with pytest.raises(NotFound):
        await files.put_to_slot(slot.put_token, 3, chunks(b"abc"))

    late = await files.request_slot(amy, "late.txt", 3, "text/plain")
    core.clock.advance(301)
    with pytest.raises(NotFound):
        await files.put_to_slot(late.put_token, 3, chunks(b"abc"))


async def test_sweep_drops_expired_uploads_and_unsent_files(core: Core, files: FilesService, tmp_path: Path) -> None:
    amy = await core.user("amy")
    room = await core.room(amy)
    pending = await files.start_upload(amy, room.id, "p", 10, "")
    await files.receive(amy, pending.id, 0, chunks(b"12345"))
    unsent = await files.upload_whole(amy, room.id, name="u", size=3, content_type="", chunks=chunks(b"xyz"))
    assert await files.sweep() == SweepReport(0, 0, 0)

    core.clock.advance(timedelta(hours=25).total_seconds())

    assert await files.sweep() == SweepReport(uploads=1, files=1, blobs=1)
    assert list((tmp_path / "staging").iterdir()) == []
    assert [p for p in (tmp_path / "blobs").rglob("*") if p.is_file()] == []
    with pytest.raises(NotFound):
        await files.get(amy, unsent.id)


async def test_attachments_must_be_the_senders_unsent_files(core: Core, files: FilesService) -> None:
    amy, bob = await core.user("amy"), await core.user("bob")
    room = await core.room(amy, bob)
    mine = await files.upload_whole(amy, room.id, name="m", size=1, content_type="", chunks=chunks(b"m"))
    theirs = await files.upload_whole(bob, room.id, name="t", size=1, content_type="", chunks=chunks(b"t"))
    assert await files.for_message(amy, room.id, (mine.id,)) == (mine,)
    with pytest.raises(NotFound):
        await files.for_message(amy, room.id, (theirs.id,))
    with pytest.raises(BadRequest):
        await files.for_message(amy, room.id, (mine.id, mine.id))
    other = await core.room(amy)
    with pytest.raises(NotFound):
        await files.for_message(amy, other.id, (mine.id,))
