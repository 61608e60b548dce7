"""XEP-0030: Service Discovery. The server's identity and the features of the installed extensions."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from roost.xmpp.errors import StanzaError
from roost.xmpp.ext import Extension, IqRequest

INFO = "http://jabber.org/protocol/disco#info"
ITEMS = "http://jabber.org/protocol/disco#items"
ext = Extension(name="disco", xep=30, version="2.5rc3", title="Service Discovery", features=[INFO, ITEMS])


@ext.iq_get(INFO, "query")
async def on_info(request: IqRequest) -> None:
    if request.payload.get("node"):
        raise StanzaError("cancel", "item-not-found")
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
    if "@" not in request.iq.get("to", request.stream.domain):  # the server lists its services
        for extension in request.stream.registry.extensions:
            for prefix in extension.services:
                ET.SubElement(query, f"{{{ITEMS}}}item", {"jid": f"{prefix}.{request.stream.domain}"})
    request.result(query)
