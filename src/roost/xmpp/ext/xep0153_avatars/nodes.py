"""XEP-0084: User Avatar. The `urn:xmpp:avatar:data` and `…:metadata` PEP nodes are the core avatar.

What an XMPP client reads there is the avatar the web client shows (`core/avatars`), and
what it publishes there becomes that avatar: the data item's bytes are held until the
metadata item that names them (by SHA-1) arrives, then set; an empty metadata item (or
deleting the metadata node) removes the avatar. Other PEP nodes are plain PEP.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from roost.model.avatars import Avatar
from roost.model.errors import NotFound
from roost.xmpp.errors import StanzaError
from roost.xmpp.ext import IqRequest, StreamContext

DATA = "urn:xmpp:avatar:data"
METADATA = "urn:xmpp:avatar:metadata"
NODES = frozenset({DATA, METADATA})


@dataclass
class Pending:
    """Each person's last published avatar data, by SHA-1, until its metadata item arrives."""

    by_user: dict[int, tuple[str, bytes]] = field(default_factory=dict)


def is_avatar_node(stream: StreamContext, node: str) -> bool:
    """Whether this node is the core avatar (the `avatars` extension is installed) rather than plain PEP."""
    return node in NODES and stream.registry.installed("avatars")


def decode(encoded: str) -> bytes:
    try:
        return base64.b64decode("".join(encoded.split()), validate=True)
    except binascii.Error:
        raise StanzaError("modify", "bad-request", "The avatar data is not base64.") from None


def metadata(avatar: Avatar | None) -> ET.Element:
    """`<metadata/>` with one `<info/>` for the avatar (none: no avatar)."""
    element = ET.Element(f"{{{METADATA}}}metadata")
    if avatar is not None:
        info = {
            "id": avatar.sha1,
            "bytes": str(avatar.size),
            "type": avatar.content_type,
            "width": str(avatar.width),
            "height": str(avatar.height),
        }
        ET.SubElement(element, f"{{{METADATA}}}info", info)
    return element


async def publish(request: IqRequest, node: str, item_id: str | None, payload: ET.Element) -> str:
    """A client publishes to an avatar node; the item id it gets back."""
    if node == DATA:
        image = decode(payload.text or "")
        sha1 = item_id or hashlib.sha1(image).hexdigest()  # noqa: S324 - XEP-0084 names images by SHA-1
        request.services.avatars.check_size(len(image))
        request.stream.server.state(Pending).by_user[request.user.id] = (sha1, image)
        return sha1
    infos = [info.get("id", "") for info in payload.findall(f"{{{METADATA}}}info")]
    if not infos:
        await remove(request)
        return item_id or "current"
    await _take(request, infos)
    return item_id or infos[0]


async def _take(request: IqRequest, ids: list[str]) -> None:
    """Set the avatar from the data published for one of these ids (or keep it, if it is one of them)."""
    pending = request.stream.server.state(Pending).by_user
    held = pending.get(request.user.id)
    if held is not None and held[0] in ids:
        del pending[request.user.id]
        await request.services.avatars.set(request.user, held[1])
        return
    current = await request.services.accounts.get(request.user.id)
    if current.avatar not in ids:
        raise StanzaError("modify", "not-acceptable", "Publish the avatar's data (urn:xmpp:avatar:data) first.")


async def remove(request: IqRequest) -> None:
    with contextlib.suppress(NotFound):  # no avatar: nothing to remove
        await request.services.avatars.remove(request.user, request.user.id)


async def items(request: IqRequest, owner_id: int, node: str, ids: tuple[str, ...]) -> list[tuple[str, ET.Element]]:
    """The avatar node's items as (id, payload): the current avatar only."""
    try:
        avatar = await request.services.avatars.of(owner_id)
    except NotFound:
        return []
    if ids and avatar.sha1 not in ids:
        return []
    if node == METADATA:
        return [(avatar.sha1, metadata(avatar))]
    data = ET.Element(f"{{{DATA}}}data")
    data.text = base64.b64encode(await request.services.avatars.data(avatar)).decode()
    return [(avatar.sha1, data)]
