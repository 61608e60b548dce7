"""XEP-0363: HTTP File Upload. Upload slots of the file store, offered by the service upload.<domain>.

Clients (Conversations, Gajim, Dino, slixmpp) find the service among the server's
disco#items by its identity (store/file) and feature, read the largest file size from
its XEP-0128 form, and ask it for a slot. The slot is the core's (`files.request_slot`:
size limit and quotas checked now); its PUT and GET URLs are under `http.public_url`.
"""

from __future__ import annotations

import unicodedata
import xml.etree.ElementTree as ET
from urllib.parse import quote

from roost.model.errors import TooLarge
from roost.model.files import Slot
from roost.xmpp.errors import StanzaError
from roost.xmpp.ext import Extension, IqRequest, Service, StreamContext

NS = "urn:xmpp:http:upload:0"
DATA = "jabber:x:data"
NAME_MAX = 255
SUBDOMAIN = "upload"


def _forms(stream: StreamContext) -> list[ET.Element]:
    form = ET.Element(f"{{{DATA}}}x", {"type": "result"})
    for var, value in (("FORM_TYPE", NS), ("max-file-size", str(stream.services.files.limits.max_file_bytes))):
        field = ET.SubElement(form, f"{{{DATA}}}field", {"var": var})
        if var == "FORM_TYPE":
            field.set("type", "hidden")
        ET.SubElement(field, f"{{{DATA}}}value").text = value
    return [form]


SERVICE = Service(SUBDOMAIN, "store", "file", "HTTP File Upload", (NS,), _forms)
ext = Extension(name="upload", xep=363, version="1.1.0", title="HTTP File Upload", services=[SERVICE])


@ext.iq_get(NS, "request")
async def on_request(request: IqRequest) -> None:
    if request.iq.get("to") != SERVICE.jid(request.stream.domain):
        raise StanzaError("cancel", "service-unavailable", f"Ask {SERVICE.jid(request.stream.domain)} for slots.")
    payload = request.payload
    name, size = payload.get("filename", ""), _size(payload.get("size"))
    if _is_bad_name(name):
        raise StanzaError("modify", "not-acceptable", "The file name is empty, too long or has path characters.")
    try:
        slot = await request.services.files.request_slot(request.user, name, size, payload.get("content-type", ""))
    except TooLarge as error:
        if error.code != "file.too_large":
            raise StanzaError("wait", "resource-constraint", error.message) from None
        limit = request.services.files.limits.max_file_bytes
        raise StanzaError("modify", "not-acceptable", error.message, detail=_too_large(limit)) from None
    request.result(_slot(slot, request.stream.limits.http_public_url))


def _size(value: str | None) -> int:
    if value is None or not value.isdigit() or len(value) > 18:
        raise StanzaError("modify", "bad-request", "The size must be a number of bytes.")
    return int(value)


def _is_bad_name(name: str) -> bool:
    if not name.strip() or len(name) > NAME_MAX or name.strip() in (".", ".."):
        return True
    return any(char in "/\\" or unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Cn") for char in name)


def _too_large(limit: int) -> ET.Element:
    detail = ET.Element(f"{{{NS}}}file-too-large")
    ET.SubElement(detail, f"{{{NS}}}max-file-size").text = str(limit)
    return detail


def _slot(slot: Slot, base: str) -> ET.Element:
    name = quote(slot.upload.name)
    element = ET.Element(f"{{{NS}}}slot")
    # No <header/>: the PUT URL is the credential (XEP-0363 allows only Authorization, Cookie, Expires).
    ET.SubElement(element, f"{{{NS}}}put", {"url": f"{base}/upload/{slot.put_token}/{name}"})
    ET.SubElement(element, f"{{{NS}}}get", {"url": f"{base}/file/{slot.get_token}/{name}"})
    return element
