"""XEP-0030: Service Discovery. The server's identity and the features of the installed extensions.

Services of extensions with their own address (`upload.<domain>`) are the server's
disco#items, each answering disco#info with its identity, features and forms. An
account's bare JID (one's own or a colleague's) answers with `account/registered` and
the identities extensions add (`pubsub/pep`). The server's XEP-0115 node
(`CAPS_NODE#ver`) answers like the server.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from roost.model.errors import NotFound
from roost.model.jid import Jid
from roost.xmpp.errors import StanzaError
from roost.xmpp.ext import Extension, IqRequest, Registry, Service

INFO = "http://jabber.org/protocol/disco#info"
ITEMS = "http://jabber.org/protocol/disco#items"
CAPS_NODE = "https://roost.invalid/caps"  # XEP-0115: names this software in the server's caps
ext = Extension(name="disco", xep=30, version="2.5rc3", title="Service Discovery", features=[INFO, ITEMS])


def server_info(registry: Registry) -> ET.Element:
    """The server's disco#info: its identity and the installed extensions' features."""
    query = ET.Element(f"{{{INFO}}}query")
    ET.SubElement(query, f"{{{INFO}}}identity", {"category": "server", "type": "im", "name": "Roost"})
    for feature in registry.features:
        ET.SubElement(query, f"{{{INFO}}}feature", {"var": feature})
    return query


@ext.iq_get(INFO, "query", for_accounts=True)
async def on_info(request: IqRequest) -> None:
    node = request.payload.get("node")
    service = _service(request)
    if service is not None and not node:
        request.result(_service_info(request, service))
        return
    to = request.iq.get("to", request.stream.domain)
    if "@" in to and not node:
        request.result(await _account_info(request, Jid.parse(to)))
        return
    if "@" in to or (node and not node.startswith(f"{CAPS_NODE}#")):
        raise StanzaError("cancel", "item-not-found")
    query = server_info(request.stream.registry)
    if node:
        query.set("node", node)
    request.result(query)


async def _account_info(request: IqRequest, jid: Jid) -> ET.Element:
    if jid.local != request.user.username:
        try:
            user = await request.services.accounts.by_username(jid.local or "")
        except NotFound:
            raise StanzaError("cancel", "service-unavailable") from None
        if user.is_disabled:
            raise StanzaError("cancel", "service-unavailable")
    query = ET.Element(f"{{{INFO}}}query")
    for category, kind in [("account", "registered"), *request.stream.registry.account_identities]:
        ET.SubElement(query, f"{{{INFO}}}identity", {"category": category, "type": kind})
    for feature in request.stream.registry.features:
        ET.SubElement(query, f"{{{INFO}}}feature", {"var": feature})
    return query


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
