"""XEP-0030: Service Discovery. The server's identity and the features of the installed extensions.

Services of extensions with their own address (`upload.<domain>`) are the server's
disco#items, each answering disco#info with its identity, features and forms.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from roost.model.jid import Jid
from roost.xmpp.errors import StanzaError
from roost.xmpp.ext import Extension, IqRequest, Service

INFO = "http://jabber.org/protocol/disco#info"
ITEMS = "http://jabber.org/protocol/disco#items"
ext = Extension(name="disco", xep=30, version="2.5rc3", title="Service Discovery", features=[INFO, ITEMS])


@ext.iq_get(INFO, "query")
async def on_info(request: IqRequest) -> None:
    if request.payload.get("node"):
        raise StanzaError("cancel", "item-not-found")
    service = _service(request)
    if service is not None:
        request.result(_service_info(request, service))
        return
    query = ET.Element(f"{{{INFO}}}query")
    to = request.iq.get("to", request.stream.domain)
    if "@" in to:  # the user's own account
        ET.SubElement(query, f"{{{INFO}}}identity", {"category": "account", "type": "registered"})
    else:
        ET.SubElement(query, f"{{{INFO}}}identity", {"category": "server", "type": "im", "name": "Roost"})
    for feature in request.stream.registry.features:
        ET.SubElement(query, f"{{{INFO}}}feature", {"var": feature})
    request.result(query)


@ext.iq_get(ITEMS, "query")
async def on_items(request: IqRequest) -> None:
    if request.payload.get("node"):
        raise StanzaError("cancel", "item-not-found")
    query = ET.Element(f"{{{ITEMS}}}query")
    domain = request.stream.domain
    if request.iq.get("to", domain) == domain:
        for service in request.stream.registry.services:
            ET.SubElement(query, f"{{{ITEMS}}}item", {"jid": service.jid(domain), "name": service.name})
    request.result(query)


def _service(request: IqRequest) -> Service | None:
    to = request.iq.get("to")
    return request.stream.registry.service(Jid.parse(to), request.stream.domain) if to else None


def _service_info(request: IqRequest, service: Service) -> ET.Element:
    query = ET.Element(f"{{{INFO}}}query")
    identity = {"category": service.category, "type": service.type, "name": service.name}
    ET.SubElement(query, f"{{{INFO}}}identity", identity)
    for feature in (INFO, *service.features):
        ET.SubElement(query, f"{{{INFO}}}feature", {"var": feature})
    query.extend(service.forms(request.stream))
    return query
