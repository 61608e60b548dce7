"""XEP-0049: Private XML Storage. Any element a person's clients keep on the server, for them only.

One document per element name and namespace, replaced on each set; a get of one never
set answers the empty element. Someone else's storage is `forbidden`; the reserved
namespaces (`jabber:*`, `http://jabber.org/*`, `vcard-temp`) are `not-acceptable`. XEP-0048
bookmarks (`storage:bookmarks`) are read from and written to the XEP-0402 PEP node when
the `bookmarks` extension is installed (`xep0402_bookmarks.py`), so both kinds of clients
see the same rooms.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from roost.xmpp import payloads
from roost.xmpp.errors import StanzaError
from roost.xmpp.ext import Extension, IqRequest
from roost.xmpp.ext import xep0402_bookmarks as bookmarks
from roost.xmpp.xml import serialize

NS = "jabber:iq:private"
RESERVED = ("jabber:", "http://jabber.org/", "vcard-temp")
ext = Extension(name="private", xep=49, version="1.2", title="Private XML Storage", features=[NS])


@ext.iq_get(NS, "query", for_accounts=True)
async def on_get(request: IqRequest) -> None:
    wanted = _document(request)
    query = ET.Element(f"{{{NS}}}query")
    if wanted.tag == bookmarks.LEGACY_KEY and request.stream.registry.installed("bookmarks"):
        query.append(await bookmarks.legacy_storage(request))
    else:
        stored = await request.services.private.get(request.user.id, wanted.tag)
        found = payloads.elements(stored, max_bytes=request.stream.limits.max_stanza_bytes)
        query.append(found[0] if found else ET.Element(wanted.tag))
    request.result(query)


@ext.iq_set(NS, "query", for_accounts=True)
async def on_set(request: IqRequest) -> None:
    document = _document(request)
    if document.tag == bookmarks.LEGACY_KEY and request.stream.registry.installed("bookmarks"):
        await bookmarks.store_legacy(request, document)
    await request.services.private.put(request.user.id, document.tag, serialize(document).decode())
    request.result()


def _document(request: IqRequest) -> ET.Element:
    to = request.iq.get("to")
    if to is not None and to != str(request.stream.jid.bare):
        raise StanzaError("cancel", "forbidden", "Private storage is its owner's only.")
    if len(request.payload) != 1:
        raise StanzaError("modify", "not-acceptable", "Store or get exactly one element.")
    document = request.payload[0]
    namespace = document.tag[1:].split("}")[0] if document.tag.startswith("{") else ""
    if not namespace or namespace.startswith(RESERVED):
        raise StanzaError("modify", "not-acceptable", "This namespace is reserved.")
    return document
