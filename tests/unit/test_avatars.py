"""AvatarService over real SQLite and a real disk: images made square and small, GPS gone, who may remove."""

from __future__ import annotations

import asyncio
import hashlib
import io
from pathlib import Path

import pytest
from PIL import Image

from roost.core.accounts.service import AccountsService
from roost.core.avatars.images import Sizes
from roost.core.avatars.service import AvatarLimits, AvatarService
from roost.core.events import UserChanged
from roost.core.files.images import GPS_IFD
from roost.model.errors import Forbidden, NotFound, TooLarge, UnsupportedType
from roost.store.files.disk import DiskBlobStore
from roost.store.files.staging import DiskStaging
from tests.unit.support import Core
from tests.unit.test_files import chunks, files_service


def image_bytes(kind: str, size: tuple[int, int], *, gps: bool = False, mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    exif = Image.Exif()
    if gps:
        exif[GPS_IFD] = {1: "N", 2: (52.0, 22.0, 0.0)}
    Image.new(mode, size, (200, 30, 30, 128) if mode == "RGBA" else (200, 30, 30)).save(out, kind, exif=exif.tobytes())
    return out.getvalue()


@pytest.fixture
def avatars(core: Core, tmp_path: Path) -> AvatarService:
    accounts = AccountsService(core.stores.users, core.stores.tokens, core.router, core.clock)
    blobs = DiskBlobStore(tmp_path / "blobs")
    staging = DiskStaging(tmp_path / "staging")
    limits = AvatarLimits(max_bytes=200_000, sizes=Sizes(pixels=64, small_pixels=24))
    return AvatarService(core.stores.avatars, blobs, staging, asyncio.Lock(), accounts, core.ids, core.clock, limits)


async def read_all(avatars: AvatarService, user_id: int, *, small: bool = False) -> bytes:
    avatar = await avatars.of(user_id)
    return b"".join([chunk async for chunk in avatars.read(avatar, small=small)])


async def test_a_small_square_image_is_kept_as_it_is(core: Core, avatars: AvatarService) -> None:
    amy = await core.user("amy")
    session = core.connect(await core.user("bob"))
    data = image_bytes("PNG", (48, 48))
    changed = await avatars.set(amy, data)
    assert changed.avatar == hashlib.sha1(data).hexdigest()
    assert await read_all(avatars, amy.id) == data
    with Image.open(io.BytesIO(await read_all(avatars, amy.id, small=True))) as small:
        assert (small.format, small.size) == ("WEBP", (24, 24))
    assert [e.user.avatar for e in session.of_type(UserChanged)] == [changed.avatar]
    assert [(a.user_id, a.sha1) for a in await avatars.all()] == [(amy.id, changed.avatar)]


async def test_a_photo_is_cropped_square_scaled_and_loses_its_gps(core: Core, avatars: AvatarService) -> None:
    amy = await core.user("amy")
    await avatars.set(amy, image_bytes("JPEG", (400, 300), gps=True))
    avatar = await avatars.of(amy.id)
    assert (avatar.content_type, avatar.width, avatar.height) == ("image/jpeg", 64, 64)
    with Image.open(io.BytesIO(await read_all(avatars, amy.id))) as stored:
        assert GPS_IFD not in stored.getexif()
    await avatars.set(amy, image_bytes("WEBP", (100, 100), mode="RGBA"))
    assert (await avatars.of(amy.id)).content_type == "image/png"  # transparency kept


async def test_not_an_image_or_too_large_is_refused(core: Core, avatars: AvatarService) -> None:
    amy = await core.user("amy")
    with pytest.raises(UnsupportedType):
        await avatars.set(amy, b"<svg xmlns='http://www.w3.org/2000/svg'/>")
    with pytest.raises(TooLarge):
        await avatars.receive(chunks(b"x" * 150_000, b"x" * 150_000))
    with pytest.raises(NotFound):
        await avatars.of(amy.id)


async def test_only_the_person_or_an_admin_removes_an_avatar(core: Core, avatars: AvatarService) -> None:
    amy, bob, admin = await core.user("amy"), await core.user("bob"), await core.user("root", is_admin=True)
    await avatars.set(amy, image_bytes("PNG", (32, 32)))
    with pytest.raises(Forbidden):
        await avatars.remove(bob, amy.id)
    assert (await avatars.remove(admin, amy.id)).avatar is None
    with pytest.raises(NotFound):
        await avatars.remove(amy, amy.id)
    await avatars.set(amy, image_bytes("GIF", (32, 32)))
    assert (await avatars.remove(amy, amy.id)).avatar is None


async def test_the_file_sweep_keeps_avatar_content(core: Core, avatars: AvatarService, tmp_path: Path) -> None:
    amy = await core.user("amy")
    data = image_bytes("PNG", (32, 32))
    await avatars.set(amy, data)
    files = files_service(core, tmp_path)
    assert (await files.sweep()).blobs == 0
    await avatars.remove(amy, amy.id)
    assert (await files.sweep()).blobs == 2
