"""XEP-0045: Multi-User Chat. The service on conference.<domain>: routing, discovery, self-ping.

The service's disco#items are the rooms the user may see: their own rooms and the open
ones. A room's disco#info says muc_membersonly (invite-only in the core) or muc_open,
and that it is persistent, non-anonymous, unmoderated and without password. XEP-0410
self-ping: a ping to one's own occupant JID is answered while joined, <not-acceptable/>
when not.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from roost.model.conversations import Conversation, ConversationKind, Visibility
from roost.model.jid import Jid
from roost.xmpp.errors import StanzaError
from roost.xmpp.ext import Extension, IqRequest, Service
from roost.xmpp.ext.xep0045_muc import admin, archive, join, messages, moderation, owner
from roost.xmpp.ext.xep0045_muc.rooms import find_room
from roost.xmpp.ext.xep0045_muc.stanzas import MUC, room_jid, room_local, service_domain

if TYPE_CHECKING:
    from roost.xmpp.session import XmppSession

INFO = "http://jabber.org/protocol/disco#info"
ITEMS = "http://jabber.org/protocol/disco#items"
PING = "urn:xmpp:ping"
OWNER = f"{MUC}#owner"
SELF_PING = "http://jabber.org/protocol/muc#self-ping-optimization"
STABLE_ID = "http://jabber.org/protocol/muc#stable_id"
ROOM_FEATURES = [MUC, INFO, ITEMS, "muc_persistent", "muc_nonanonymous", "muc_unmoderated", "muc_unsecured"]
ROOM_FEATURES += [STABLE_ID, SELF_PING, "urn:xmpp:sid:0", moderation.NS]
OPEN_FEATURES = ["muc_open", "muc_public"]
INVITE_FEATURES = ["muc_membersonly", "muc_hidden"]
ROOMS_LISTED_MAX = 500
# The namespaces of the iqs the service and its rooms answer (MAM, when installed, is answered whole).
KNOWN_NAMESPACES = frozenset({INFO, ITEMS, PING, OWNER, admin.ADMIN, moderation.NS})

ext = Extension(
    name="muc",
    xep=45,
    version="1.35.1",
    title="Multi-User Chat",
    services=[Service("conference", "conference", "text", "Group chat", (MUC,))],
)


def serves(session: XmppSession, to: Jid) -> bool:
    """Whether a stanza is for the MUC service (when this extension is installed)."""
    return to.domain == service_domain(session.domain) and ext in session.registry.extensions


async def route(session: XmppSession, stanza: ET.Element, to: Jid) -> None:
    """A stanza addressed to conference.<domain> or to a room or occupant on it."""
    if stanza.tag.endswith("}presence"):
        if to.local:
            await join.on_presence(session, stanza, to)
    elif stanza.tag.endswith("}message"):
        if not to.local:
            raise StanzaError("cancel", "service-unavailable")
        await messages.on_message(session, stanza, to)
    else:
        await _iq(session, stanza, to)


async def _iq(session: XmppSession, iq: ET.Element, to: Jid) -> None:
    kind = iq.get("type")
    if kind in ("result", "error"):
        return
    if kind not in ("get", "set") or not iq.get("id") or len(iq) != 1:
        raise StanzaError("modify", "bad-request", "An iq get or set has an id and exactly one child.")
    request = IqRequest(session, iq, iq[0])
    tag = (kind, iq[0].tag)
    if to.resource:
        await _to_occupant(session, request, to, tag)
    elif to.local and archive.is_mam(session, tag):
        await archive.on_room_query(session, request, to, tag[0])
    elif tag == ("get", f"{{{INFO}}}query") and not iq[0].get("node"):
        await (_room_info(session, request, to) if to.local else _service_info(request))
    elif tag == ("get", f"{{{ITEMS}}}query") and not iq[0].get("node"):
        await (_room_items(session, request, to) if to.local else _service_items(request))
    elif to.local and (handler := _ROOM_REQUESTS.get(iq[0].tag)) is not None:
        await handler(session, request, to, kind)
    elif tag == ("get", f"{{{PING}}}ping") and not to.local:
        request.result()
    else:
        raise _unsupported(iq[0])


def _unsupported(payload: ET.Element) -> StanzaError:
    """`feature-not-implemented` for another request of a namespace the service knows (a set of
    disco#info, a ping to a room); `service-unavailable` for any other namespace (RFC 6120 §8.4)."""
    namespace = payload.tag.partition("}")[0].lstrip("{")
    if namespace in KNOWN_NAMESPACES:
        return StanzaError("cancel", "feature-not-implemented")
    return StanzaError("cancel", "service-unavailable")


# Requests to a room's JID that change the room (owner, admin, moderator), by their element.
_ROOM_REQUESTS: dict[str, Callable[[XmppSession, IqRequest, Jid, str], Awaitable[None]]] = {
    f"{{{OWNER}}}query": owner.on_owner,
    f"{{{admin.ADMIN}}}query": admin.on_admin,
    f"{{{moderation.NS}}}moderate": moderation.on_moderate,
}


async def _to_occupant(session: XmppSession, request: IqRequest, to: Jid, tag: tuple[str, str]) -> None:
    """XEP-0410: answer a ping to one's own occupant JID; other iqs to occupants are not relayed."""
    occupants = session.server.rooms.named(to.local)
    occupant = occupants.occupant_of(session) if occupants else None
    if occupant is None:
        raise StanzaError("cancel", "not-acceptable", "You are not joined to this room.")
    if occupant.nick == to.resource and tag == ("get", f"{{{PING}}}ping"):
        request.result()
        return
    raise StanzaError("cancel", "service-unavailable", "Requests to occupants are not relayed.")


async def _service_info(request: IqRequest) -> None:
    query = ET.Element(f"{{{INFO}}}query")
    ET.SubElement(query, f"{{{INFO}}}identity", {"category": "conference", "type": "text", "name": "Rooms"})
    for feature in (MUC, INFO, ITEMS, PING, SELF_PING, STABLE_ID):
        ET.SubElement(query, f"{{{INFO}}}feature", {"var": feature})
    request.result(query)


async def _service_items(request: IqRequest) -> None:
    services = request.services
    mine = [s.conversation for s in await services.conversations.list_for(request.user)]
    rooms = {c.id: c for c in mine if c.kind is ConversationKind.ROOM}
    for room in await services.conversations.open_rooms("", ROOMS_LISTED_MAX):
        rooms.setdefault(room.id, room)
    query = ET.Element(f"{{{ITEMS}}}query")
    for room in sorted(rooms.values(), key=lambda c: c.name.casefold()):
        jid = str(room_jid(request.stream.domain, room_local(room)))
        ET.SubElement(query, f"{{{ITEMS}}}item", {"jid": jid, "name": room.name})
    request.result(query)


async def _visible_room(session: XmppSession, to: Jid) -> Conversation:
    room = await find_room(session, to.local)
    if room is None:
        raise StanzaError("cancel", "item-not-found", "No such room.")
    return room


async def _room_info(session: XmppSession, request: IqRequest, to: Jid) -> None:
    room = await _visible_room(session, to)
    query = ET.Element(f"{{{INFO}}}query")
    ET.SubElement(query, f"{{{INFO}}}identity", {"category": "conference", "type": "text", "name": room.name})
    extra = OPEN_FEATURES if room.visibility is Visibility.OPEN else INVITE_FEATURES
    if session.registry.installed("mam"):
        extra = [*extra, archive.MAM]
    for feature in sorted(ROOM_FEATURES + extra):
        ET.SubElement(query, f"{{{INFO}}}feature", {"var": feature})
    request.result(query)


async def _room_items(session: XmppSession, request: IqRequest, to: Jid) -> None:
    await _visible_room(session, to)
    request.result(ET.Element(f"{{{ITEMS}}}query"))  # occupants are not listed (XEP-0045 §6.5 allows it)
