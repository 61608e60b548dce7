"""XEP-0153: vCard-Based Avatars, kept in step with XEP-0084 (PEP) avatars.

A person's avatar lives in their PEP nodes `urn:xmpp:avatar:data` and `urn:xmpp:avatar:metadata`
(XEP-0084, served by the PEP extension). A vCard set with a PHOTO publishes it there (an
empty PHOTO publishes "no avatar"; a vCard without PHOTO leaves the avatar alone), and a
vCard get shows it. Every presence the server sends carries the avatar's hash
(`<x xmlns='vcard-temp:x:update'><photo>sha1</photo></x>`; empty: none), and a new avatar
sends the person's presence again so clients fetch it. The web client shows no avatars yet.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import xml.etree.ElementTree as ET

from roost.model.errors import NotFound
from roost.xmpp import payloads
from roost.xmpp.errors import StanzaError
from roost.xmpp.ext import Extension, IqRequest
from roost.xmpp.ext.xep0153_avatars.hashes import METADATA, Hashes, hash_of
from roost.xmpp.render import CLIENT, jid_of
from roost.xmpp.session import SessionLayer, XmppSession
from roost.xmpp.xml import serialize

VCARD = "vcard-temp"
UPDATE = "vcard-temp:x:update"
DATA = "urn:xmpp:avatar:data"
ext = Extension(name="avatars", xep=153, version="1.1", title="vCard-Based Avatars")


class PhotoHash(SessionLayer):
    """Adds the XEP-0153 photo hash to every presence a session sends out."""

    rank = 10  # before stream management keeps a copy

    def __init__(self, hashes: Hashes, domain: str) -> None:
        self.hashes = hashes
        self.domain = domain

    def outbound(self, element: ET.Element) -> ET.Element | None:
        if element.tag != f"{{{CLIENT}}}presence" or element.get("type") or element.find(f"{{{UPDATE}}}x") is not None:
            return element
        bare = (element.get("from") or "").split("/")[0]
        if bare.split("@")[-1] != self.domain:  # a room occupant's presence is the room's business
            return element
        ET.SubElement(ET.SubElement(element, f"{{{UPDATE}}}x"), f"{{{UPDATE}}}photo").text = (
            self.hashes.by_jid.get(bare) or None
        )
        return element


@ext.on_presence
async def on_presence(session: XmppSession, _presence: ET.Element) -> None:
    hashes = session.server.state(Hashes)
    if not hashes.loaded:
        for item in await session.services.pep.last_items(session.user_id, frozenset([METADATA])):
            hashes.by_jid[await jid_of(session, item.owner_id)] = hash_of(item.payload, session)
        hashes.loaded = True
    if session.layer(PhotoHash) is None:
        session.add_layer(PhotoHash(hashes, session.domain))


async def publish_photo(request: IqRequest, photo: ET.Element) -> None:
    """A vCard PHOTO as the XEP-0084 avatar (an empty one: no avatar)."""
    pep, owner = request.services.pep, request.user.id
    encoded = "".join((photo.findtext(f"{{{VCARD}}}BINVAL") or "").split())
    if not encoded:
        await pep.publish(owner, METADATA, "none", serialize(ET.Element(f"{{{METADATA}}}metadata")).decode())
        return
    try:
        image = base64.b64decode(encoded, validate=True)
    except binascii.Error:
        raise StanzaError("modify", "bad-request", "The photo is not base64.") from None
    sha1 = hashlib.sha1(image).hexdigest()  # noqa: S324 - XEP-0084 and XEP-0153 name images by SHA-1
    data = ET.Element(f"{{{DATA}}}data")
    data.text = encoded
    await pep.publish(owner, DATA, sha1, serialize(data).decode())
    metadata = ET.Element(f"{{{METADATA}}}metadata")
    kind = photo.findtext(f"{{{VCARD}}}TYPE") or "image/png"
    ET.SubElement(metadata, f"{{{METADATA}}}info", {"id": sha1, "bytes": str(len(image)), "type": kind})
    await pep.publish(owner, METADATA, sha1, serialize(metadata).decode())


async def photo(request: IqRequest, owner_id: int) -> ET.Element | None:
    """The person's XEP-0084 avatar as a vCard PHOTO, if they have one the requester may see."""
    pep, limit = request.services.pep, request.stream.limits.max_stanza_bytes
    try:
        newest = await pep.items(request.user.id, owner_id, METADATA, limit=1)
        info = next(
            (e.find(f"{{{METADATA}}}info") for i in newest for e in payloads.elements(i.payload, max_bytes=limit)), None
        )
        if info is None or not info.get("id"):
            return None
        data = await pep.items(request.user.id, owner_id, DATA, ids=(info.get("id", ""),))
    except NotFound:
        return None
    encoded = next((e.text or "" for i in data for e in payloads.elements(i.payload, max_bytes=limit)), "")
    if not encoded:
        return None
    element = ET.Element(f"{{{VCARD}}}PHOTO")
    ET.SubElement(element, f"{{{VCARD}}}TYPE").text = info.get("type", "image/png")
    ET.SubElement(element, f"{{{VCARD}}}BINVAL").text = encoded
    return element
