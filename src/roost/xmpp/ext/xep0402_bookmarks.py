"""XEP-0402: PEP Native Bookmarks, with XEP-0048 bookmarks in private storage kept in step (#compat).

Bookmarks are items of the PEP node `urn:xmpp:bookmarks:1` (one per room, its JID the item
id, whitelist access: the owner's clients only), which the PEP extension serves. A client
of XEP-0048 that stores `<storage xmlns='storage:bookmarks'/>` in private XML storage
(XEP-0049) writes those same items (rooms added, changed or removed), and reads them back
as conferences; its `<url/>` bookmarks stay in private storage only. XEP-0411 (bookmarks
in a `storage:bookmarks` PEP node) is not converted.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from roost.model.errors import Conflict, NotFound
from roost.model.pep import Access, NodeOptions, PepItem, SendLast
from roost.xmpp import payloads
from roost.xmpp.ext import Extension, IqRequest
from roost.xmpp.xml import serialize

NS = "urn:xmpp:bookmarks:1"
LEGACY = "storage:bookmarks"
LEGACY_KEY = f"{{{LEGACY}}}storage"
ext = Extension(name="bookmarks", xep=402, version="1.2.0", title="PEP Native Bookmarks", features=[f"{NS}#compat"])


async def _items(request: IqRequest) -> list[PepItem]:
    try:
        return await request.services.pep.items(request.user.id, request.user.id, NS)
    except NotFound:
        return []


async def legacy_storage(request: IqRequest) -> ET.Element:
    """XEP-0048 `<storage/>`: the PEP bookmarks as conferences, and the URLs kept in private storage."""
    storage = ET.Element(LEGACY_KEY)
    limit = request.stream.limits.max_stanza_bytes
    for item in await _items(request):
        for conference in payloads.elements(item.payload, max_bytes=limit):
            storage.append(_converted(conference, LEGACY, {"jid": item.item_id}))
    stored = await request.services.private.get(request.user.id, LEGACY_KEY)
    for document in payloads.elements(stored, max_bytes=limit):
        storage.extend(document.findall(f"{{{LEGACY}}}url"))
    return storage


async def store_legacy(request: IqRequest, storage: ET.Element) -> None:
    """Make the PEP bookmarks what an XEP-0048 client stored: publish changed rooms, retract removed ones."""
    current = {item.item_id: item.payload for item in await _items(request)}
    wanted: dict[str, str] = {}
    for conference in storage.findall(f"{{{LEGACY}}}conference"):
        jid = conference.get("jid", "")
        if jid:
            wanted[jid] = serialize(_converted(conference, NS, {})).decode()
    for jid, payload in wanted.items():
        if current.get(jid) != payload:
            await _publish(request, jid, payload)
    for jid in current.keys() - wanted.keys():
        await request.services.pep.retract(request.user.id, NS, jid)


async def _publish(request: IqRequest, jid: str, payload: str) -> None:
    pep = request.services.pep
    options = NodeOptions(Access.WHITELIST, True, pep.limits.max_items, SendLast.NEVER)
    try:
        await pep.publish(request.user.id, NS, jid, payload, options)
    except Conflict:  # the node exists, configured otherwise by a client: keep its configuration
        await pep.publish(request.user.id, NS, jid, payload)


def _converted(conference: ET.Element, namespace: str, attributes: dict[str, str]) -> ET.Element:
    """A conference element in the other namespace: name, autojoin, nick and password."""
    kept = {k: v for k, v in conference.attrib.items() if k in ("name", "autojoin")}
    converted = ET.Element(f"{{{namespace}}}conference", {**attributes, **kept})
    source = conference.tag[1:].split("}")[0]
    for name in ("nick", "password"):
        text = conference.findtext(f"{{{source}}}{name}")
        if text is not None:
            ET.SubElement(converted, f"{{{namespace}}}{name}").text = text
    return converted
