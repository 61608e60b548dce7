"""XEP-0425 (urn:xmpp:message-moderate:1): room moderators retract other people's messages.

A room's moderators are its core admins and owners. `<moderate id=…/>` to the room's JID,
naming a message by the room's stanza-id and holding a `<retract/>`, deletes it in the core
under the core's rule (the sender, or a room admin: `forbidden` otherwise; a message that
is not the room's: `item-not-found`), keeping its `<reason/>` on the tombstone. Any
deletion of someone else's message — from XMPP or by a room admin on the web — reaches the
occupants from the room itself as a retraction with `<moderated by='room/nick'/>` and the
reason; the room's archive shows its tombstone the same way (`moderated_tombstone`). A
sender's own deletion is an XEP-0424 retraction from their nick (`events.py`).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING

from roost.core.events import MessageDeleted
from roost.model.errors import Forbidden, NotFound
from roost.xmpp.errors import StanzaError
from roost.xmpp.ext import IqRequest
from roost.xmpp.ext.xep0045_muc.history import sender_nick
from roost.xmpp.ext.xep0045_muc.occupancy import RoomOccupants
from roost.xmpp.ext.xep0045_muc.rooms import find_room
from roost.xmpp.ext.xep0045_muc.stanzas import CLIENT, room_jid, stamp

if TYPE_CHECKING:
    from roost.model.jid import Jid
    from roost.model.messages import Message
    from roost.xmpp.session import XmppSession

NS = "urn:xmpp:message-moderate:1"
RETRACT = "urn:xmpp:message-retract:1"
FALLBACK = "urn:xmpp:fallback:0"
MODERATED_FALLBACK = "A moderator removed a message."


async def on_moderate(session: XmppSession, request: IqRequest, to: Jid, kind: str) -> None:
    """A moderator asks the room to retract a message."""
    if kind != "set":
        raise StanzaError("cancel", "feature-not-implemented")
    room = await find_room(session, to.local)
    if room is None:
        raise StanzaError("cancel", "item-not-found", "No such room.")
    reference = request.payload.get("id") or ""
    if not reference or request.payload.find(f"{{{RETRACT}}}retract") is None:
        raise StanzaError("modify", "bad-request", "A moderation names a message and holds <retract/>.")
    services = session.services
    try:
        # By the room's stanza-id only: a client id is the sender's to choose (a spammer could
        # give a harmless message the id of their spam).
        message = await services.archive_queries.find_by_id(session.user, room.id, reference)
        reason = request.payload.findtext(f"{{{NS}}}reason")
        await services.archive.delete(session.user, message.id, reason=reason)
    except Forbidden:
        raise StanzaError("auth", "forbidden", "Only the room's moderators retract other people's messages.") from None
    except NotFound:
        raise StanzaError("cancel", "item-not-found", "No such message in this room.") from None
    request.result()


async def moderation(session: XmppSession, occupants: RoomOccupants, event: MessageDeleted) -> ET.Element:
    """A moderator's retraction, from the room, naming the message by its stanza-id."""
    assert event.message.deleted_by is not None
    nick = await sender_nick(session, occupants, event.message.deleted_by)
    room = room_jid(session.domain, occupants.local)
    attributes = {"type": "groupchat", "from": str(room), "to": str(session.jid), "id": str(event.event_id)}
    stanza = ET.Element(f"{{{CLIENT}}}message", attributes)
    retract = ET.SubElement(stanza, f"{{{RETRACT}}}retract", {"id": str(event.message.id)})
    _moderated_by(session, occupants, retract, nick, event.message.deletion_reason)
    ET.SubElement(stanza, f"{{{FALLBACK}}}fallback", {"for": RETRACT})  # for clients without XEP-0424
    reason = event.message.deletion_reason
    ET.SubElement(stanza, f"{{{CLIENT}}}body").text = f"{MODERATED_FALLBACK} {reason}" if reason else MODERATED_FALLBACK
    return stanza


async def moderated_tombstone(session: XmppSession, occupants: RoomOccupants, message: Message) -> ET.Element:
    """The `<retracted/>` a deleted message shows in the room's archive; a moderator's names them."""
    moment = stamp(message.deleted_at or message.created_at)
    retracted = ET.Element(f"{{{RETRACT}}}retracted", {"id": str(message.id), "stamp": moment})
    if message.is_moderated and message.deleted_by is not None:
        nick = await sender_nick(session, occupants, message.deleted_by)
        _moderated_by(session, occupants, retracted, nick, message.deletion_reason)
    return retracted


def _moderated_by(
    session: XmppSession, occupants: RoomOccupants, parent: ET.Element, nick: str, reason: str | None
) -> None:
    ET.SubElement(parent, f"{{{NS}}}moderated", {"by": str(room_jid(session.domain, occupants.local, nick))})
    if reason:
        ET.SubElement(parent, f"{{{RETRACT}}}reason").text = reason
