"""Avatars: one image per person, set by them (web or XMPP), removed by them or an admin.

The image is content of the file store (a blob by SHA-256, like a shared file), with a
small square WebP copy for lists. Which bytes are kept is `images.prepare`'s rule. The
person's `User.avatar` is the image's SHA-1 (XEP-0084/XEP-0153 id); a change is told to
everyone as `UserChanged`, so web clients and XMPP clients update at once.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass, field

from roost.core.accounts.service import AccountsService
from roost.core.avatars import images
from roost.core.avatars.images import AvatarImage, Sizes
from roost.core.clock import Clock
from roost.core.files.service import describe_bytes
from roost.model.avatars import Avatar
from roost.model.errors import Forbidden, NotFound, TooLarge, UnsupportedType
from roost.model.files import BlobInfo
from roost.model.ids import IdGenerator
from roost.model.users import User
from roost.store.protocols import AvatarStore, BlobStore, Staging

IMAGE_TYPES = "PNG, JPEG, GIF or WebP"


@dataclass(frozen=True)
class AvatarLimits:
    max_bytes: int = 1024 * 1024
    sizes: Sizes = field(default_factory=Sizes)


@dataclass(frozen=True)
class AvatarService:
    """Who may change which avatar; the bytes go to the blob store, the row to `AvatarStore`."""

    store: AvatarStore
    blobs: BlobStore
    staging: Staging
    blob_lock: asyncio.Lock  # the file store's: orders "blob placed + row committed" against its sweep
    accounts: AccountsService
    ids: IdGenerator
    clock: Clock
    limits: AvatarLimits = AvatarLimits()

    def check_size(self, size: int) -> None:
        """Refuse an image over `files.avatar_max_bytes`, naming the limit."""
        if size > self.limits.max_bytes:
            limit = describe_bytes(self.limits.max_bytes)
            raise TooLarge("avatar.too_large", f"The image is larger than the avatar limit of {limit}.")

    async def receive(self, chunks: AsyncIterable[bytes]) -> bytes:
        """An uploaded image, read until it passes the limit (then refused at once)."""
        data = bytearray()
        async for chunk in chunks:
            data += chunk
            self.check_size(len(data))
        return bytes(data)

    async def set(self, user: User, data: bytes) -> User:
        """Make this image the person's avatar; everyone is told."""
        self.check_size(len(data))
        image = await asyncio.to_thread(images.prepare, data, self.limits.sizes)
        if image is None:
            raise UnsupportedType("avatar.not_image", f"An avatar is a {IMAGE_TYPES} image.")
        avatar = self._avatar(user.id, image)
        async with self.blob_lock:
            await self._place(avatar.sha256, image.data)
            await self._place(avatar.small_sha256, image.small)
            blobs = [
                BlobInfo(avatar.sha256, avatar.size, avatar.width, avatar.height),
                BlobInfo(avatar.small_sha256, avatar.small_size),
            ]
            await self.store.put(avatar, blobs)
        return await self.accounts.changed(user.id)

    def _avatar(self, user_id: int, image: AvatarImage) -> Avatar:
        return Avatar(
            user_id=user_id,
            sha1=hashlib.sha1(image.data).hexdigest(),  # noqa: S324 - XEP-0084 and XEP-0153 name images by SHA-1
            sha256=hashlib.sha256(image.data).hexdigest(),
            content_type=image.content_type,
            size=len(image.data),
            width=image.width,
            height=image.height,
            small_sha256=hashlib.sha256(image.small).hexdigest(),
            small_size=len(image.small),
            updated_at=self.clock.now(),
        )

    async def _place(self, sha256: str, data: bytes) -> None:
        key = f"avatar{self.ids.next_id()}"
        try:
            writer = await self.staging.open(key)
            await writer.write(data)
            await writer.close()
            await self.blobs.put(sha256, self.staging.path(key))
        finally:
            await self.staging.discard(key)

    async def remove(self, actor: User, user_id: int) -> User:
        """Remove someone's avatar: one's own, or anyone's for an admin."""
        if actor.id != user_id and not actor.is_admin:
            raise Forbidden("avatar.forbidden", "Only admins remove someone else's avatar.")
        await self.accounts.get(user_id)
        if not await self.store.remove(user_id):
            raise NotFound("avatar.not_found", "There is no avatar to remove.")
        return await self.accounts.changed(user_id)

    async def of(self, user_id: int) -> Avatar:
        """The person's avatar (every member of the organisation may see it)."""
        avatar = await self.store.get(user_id)
        if avatar is None:
            raise NotFound("avatar.not_found", "This person has no avatar.")
        return avatar

    def read(self, avatar: Avatar, *, small: bool = False) -> AsyncIterator[bytes]:
        """The image's bytes, or its small WebP copy's."""
        sha256, size = (avatar.small_sha256, avatar.small_size) if small else (avatar.sha256, avatar.size)
        return self.blobs.read(sha256, 0, size)

    async def data(self, avatar: Avatar) -> bytes:
        """The whole image (it is small: at most `max_bytes`), for XMPP clients."""
        return b"".join([chunk async for chunk in self.read(avatar)])

    async def all(self) -> list[Avatar]:
        """Everyone's avatar (for an XMPP client that asks for all its colleagues' at once)."""
        return await self.store.all()
