"""XEP-0153: vCard-Based Avatars, over the core avatar (the one the web client shows).

A person's avatar is the core's (`core/avatars`); XEP-0084 clients reach it through the
`urn:xmpp:avatar:data`/`…:metadata` PEP nodes (`nodes.py`). A vCard set with a PHOTO sets
it (an empty PHOTO removes it; a vCard without PHOTO leaves it alone), and a vCard get
shows it. Every presence the server sends carries the avatar's hash
(`<x xmlns='vcard-temp:x:update'><photo>sha1</photo></x>`; empty: none), and a new avatar,
from any client or the web, sends the person's presence again so clients fetch it.
"""

from __future__ import annotations

import base64
import xml.etree.ElementTree as ET

from roost.model.errors import NotFound
from roost.xmpp.ext import Extension, IqRequest
from roost.xmpp.ext.xep0153_avatars import nodes
from roost.xmpp.ext.xep0153_avatars.hashes import Hashes
from roost.xmpp.render import CLIENT
from roost.xmpp.session import SessionLayer, XmppSession

VCARD = "vcard-temp"
UPDATE = "vcard-temp:x:update"
ext = Extension(name="avatars", xep=153, version="1.1", title="vCard-Based Avatars")


class PhotoHash(SessionLayer):
    """Adds the XEP-0153 photo hash to every presence a session sends out."""

    rank = 10  # before stream management keeps a copy

    def __init__(self, hashes: Hashes, domain: str, session_id: str) -> None:
        self.hashes = hashes
        self.domain = domain
        self.session_id = session_id
        self.told = hashes.told.setdefault(session_id, dict(hashes.by_jid))

    def outbound(self, element: ET.Element) -> ET.Element | None:
        if element.tag != f"{{{CLIENT}}}presence" or element.get("type") or element.find(f"{{{UPDATE}}}x") is not None:
            return element
        bare = (element.get("from") or "").split("/")[0]
        if bare.split("@")[-1] != self.domain:  # a room occupant's presence is the room's business
            return element
        photo = self.told[bare] = self.hashes.by_jid.get(bare, "")
        ET.SubElement(ET.SubElement(element, f"{{{UPDATE}}}x"), f"{{{UPDATE}}}photo").text = photo or None
        return element

    def ended(self) -> None:
        self.hashes.told.pop(self.session_id, None)


@ext.on_presence
async def on_presence(session: XmppSession, _presence: ET.Element) -> None:
    hashes = session.server.state(Hashes)
    await hashes.load(session)
    if session.layer(PhotoHash) is None:
        session.add_layer(PhotoHash(hashes, session.domain, session.id))


async def publish_photo(request: IqRequest, photo: ET.Element) -> None:
    """A vCard PHOTO becomes the avatar (an empty one removes it)."""
    encoded = photo.findtext(f"{{{VCARD}}}BINVAL") or ""
    if not encoded.strip():
        await nodes.remove(request)
        return
    await request.services.avatars.set(request.user, nodes.decode(encoded))


async def photo(request: IqRequest, owner_id: int) -> ET.Element | None:
    """The person's avatar as a vCard PHOTO, if they have one."""
    try:
        avatar = await request.services.avatars.of(owner_id)
    except NotFound:
        return None
    element = ET.Element(f"{{{VCARD}}}PHOTO")
    ET.SubElement(element, f"{{{VCARD}}}TYPE").text = avatar.content_type
    ET.SubElement(element, f"{{{VCARD}}}BINVAL").text = base64.b64encode(
        await request.services.avatars.data(avatar)
    ).decode()
    return element
