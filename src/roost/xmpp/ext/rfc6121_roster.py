"""RFC 6121 §2: Roster management. The organisation's directory is everyone's roster (shared roster).

Roster get returns the shared roster plus hand-made items, each with its subscription
state and groups. Changing items (roster set, pushes, versioning) comes with the
subscription work; until then a roster set is refused with <not-allowed/>.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from roost.xmpp.errors import StanzaError
from roost.xmpp.ext import Extension, IqRequest

NS = "jabber:iq:roster"
ext = Extension(name="roster", title="Roster (RFC 6121)")


def contact_jid(contact: str, domain: str) -> str:
    """Roster items name colleagues by username, other addresses in full."""
    return contact if "@" in contact else f"{contact}@{domain}"


@ext.iq_get(NS, "query")
async def on_roster_get(request: IqRequest) -> None:
    query = ET.Element(f"{{{NS}}}query")
    for contact in await request.services.directory.roster(request.user):
        attrs = {"jid": contact_jid(contact.contact, request.stream.domain), "subscription": contact.subscription.value}
        if contact.name:
            attrs["name"] = contact.name
        if contact.ask:
            attrs["ask"] = "subscribe"
        item = ET.SubElement(query, f"{{{NS}}}item", attrs)
        for group in contact.groups:
            ET.SubElement(item, f"{{{NS}}}group").text = group
    request.result(query)


@ext.iq_set(NS, "query")
async def on_roster_set(request: IqRequest) -> None:
    raise StanzaError("cancel", "not-allowed", "The roster is the organisation's directory and cannot be edited yet.")
