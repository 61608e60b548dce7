"""PEP notifications: `<event/>` messages to the sessions whose client asked for the node (`+notify`)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING

from roost.core.events import PepChanged
from roost.model.avatars import Avatar
from roost.model.pep import PepItem
from roost.xmpp import payloads
from roost.xmpp.ext import StreamContext
from roost.xmpp.ext.xep0153_avatars.nodes import METADATA, metadata
from roost.xmpp.render import CLIENT, delay, jid_of

if TYPE_CHECKING:
    from roost.xmpp.session import XmppSession

PUBSUB = "http://jabber.org/protocol/pubsub"
EVENT = f"{PUBSUB}#event"
NOTIFY = "+notify"


def notified_nodes(features: frozenset[str]) -> frozenset[str]:
    """The nodes a client asks to be notified of (XEP-0163 §4)."""
    return frozenset(feature[: -len(NOTIFY)] for feature in features if feature.endswith(NOTIFY) and len(feature) > 7)


def item_element(tag: str, item: PepItem, stream: StreamContext) -> ET.Element:
    """An `<item id=…>` (in namespace `tag`) with the published payload."""
    element = ET.Element(tag, {"id": item.item_id})
    element.extend(payloads.elements(item.payload, max_bytes=stream.limits.max_stanza_bytes))
    return element


async def pep_changed(event: PepChanged, session: XmppSession) -> list[ET.Element]:
    if not session.available or f"{event.node}{NOTIFY}" not in session.client_features:
        return []
    if event.change == "deleted":
        change = ET.Element(f"{{{EVENT}}}delete", {"node": event.node})
    else:
        change = ET.Element(f"{{{EVENT}}}items", {"node": event.node})
        if event.item is not None:
            change.append(item_element(f"{{{EVENT}}}item", event.item, session))
        else:
            ET.SubElement(change, f"{{{EVENT}}}retract", {"id": event.item_id or ""})
    return [await event_message(session, event.owner_id, change)]


async def last_item(session: XmppSession, item: PepItem) -> ET.Element:
    """The newest item of a node, for a client that newly asks for it, with its time."""
    items = ET.Element(f"{{{EVENT}}}items", {"node": item.node})
    items.append(item_element(f"{{{EVENT}}}item", item, session))
    return delay(await event_message(session, item.owner_id, items), item.published_at, session.domain)


async def event_message(session: XmppSession, owner_id: int, change: ET.Element) -> ET.Element:
    attributes = {"type": "headline", "from": await jid_of(session, owner_id), "to": str(session.jid)}
    message = ET.Element(f"{{{CLIENT}}}message", attributes)
    ET.SubElement(message, f"{{{EVENT}}}event").append(change)
    return message


async def avatar_event(session: XmppSession, owner_id: int, avatar: Avatar | None) -> ET.Element:
    """XEP-0084: a person's avatar metadata (the core avatar; none: an empty `<metadata/>`)."""
    items = ET.Element(f"{{{EVENT}}}items", {"node": METADATA})
    ET.SubElement(items, f"{{{EVENT}}}item", {"id": avatar.sha1 if avatar else "none"}).append(metadata(avatar))
    return await event_message(session, owner_id, items)


async def last_avatars(session: XmppSession) -> list[ET.Element]:
    """Everyone's avatar metadata, for a client that newly asks for it (XEP-0163 §6.2)."""
    return [
        delay(await avatar_event(session, avatar.user_id, avatar), avatar.updated_at, session.domain)
        for avatar in await session.services.avatars.all()
    ]
