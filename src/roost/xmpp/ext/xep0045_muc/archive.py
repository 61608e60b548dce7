"""A room's archive in MAM (XEP-0313 §5.1.2, XEP-0045): queries to the room's JID, members only.

The same form and paging as one's own archive (`xep0313_mam.py`), over the core room's
history. Results come from the room, each a groupchat message from `room/nick` (the nick it
was sent under, as live, when this process remembers it; else the sender's nick when joined
here, else their username) with the room's stanza-id; a deleted message is
an XEP-0424 `<retracted/>` tombstone. Corrections, retractions and reaction sets are
entries too, at their own ids and times, as the room sent them live (a client catching up
after an entry gets what changed since); a moderator's deletion comes from the room, as
live. `with` filters by sender (and then leaves the changes out): an occupant JID
(`room/nick`: the person joined under that nick here, else the person of that username) or
a person's JID; one that names nobody gives an empty page. A room the user may not see is
`item-not-found`; a room they see but are not a member of (an open one) is `forbidden`.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from roost.core.archive.catchup import MessageChange
from roost.core.archive.query import Paging
from roost.core.events import MessageDeleted, ReactionsChanged
from roost.model.archive import ArchiveFilter, ArchivePage
from roost.model.errors import BadRequest, NotFound
from roost.model.jid import Jid
from roost.model.messages import Message
from roost.xmpp.changes import change as changed_stanza
from roost.xmpp.errors import StanzaError
from roost.xmpp.ext import IqRequest, xep0444_reactions
from roost.xmpp.ext import xep0313_mam as mam  # the MAM extension's form and paging
from roost.xmpp.ext.xep0045_muc.history import quoted_room_message, sender_nick
from roost.xmpp.ext.xep0045_muc.moderation import moderated_tombstone, moderation
from roost.xmpp.ext.xep0045_muc.occupancy import RoomOccupants
from roost.xmpp.ext.xep0045_muc.rooms import find_room
from roost.xmpp.ext.xep0045_muc.stanzas import CLIENT, room_jid, room_local, stamp

if TYPE_CHECKING:
    from roost.xmpp.session import XmppSession

MAM = "urn:xmpp:mam:2"
FORWARD = "urn:xmpp:forward:0"
DELAY = "urn:xmpp:delay"


def is_mam(session: XmppSession, tag: tuple[str, str]) -> bool:
    return tag[1] == f"{{{MAM}}}query" and session.registry.installed("mam")


async def on_room_query(session: XmppSession, request: IqRequest, to: Jid, kind: str) -> None:
    room = await find_room(session, to.local)
    if room is None:
        raise StanzaError("cancel", "item-not-found", "No such room.")
    if kind == "get":
        await mam.on_form(request)
        return
    query = await mam.parse_form(request, people=False)
    max_items, after, before, newest = mam.parse_rsm(request.payload.find(f"{{{mam.RSM}}}set"))
    limit = max(1, min(max_items, session.services.archive_queries.page_max))
    occupants = session.server.rooms.room(room.id) or RoomOccupants(room.id, room_local(room))
    match = query.match
    if query.with_jid is not None:
        sender = await _sender(session, occupants, query.with_jid)
        match = replace(match, only_from=sender if sender is not None else NOBODY)
    page = await _read(session, room.id, match, Paging(after, before, newest, limit))
    entries = await mam.in_order(request, page) if max_items > 0 else []
    for entry in entries:
        if isinstance(entry, Message):
            session.send(await _result(session, request, occupants, entry))
        elif (changed := await _change_result(session, request, occupants, entry)) is not None:
            session.send(changed)
    request.result(mam.fin(page, mam.page_ids(page)))


NOBODY = 0  # no account has id 0: a `with` that names nobody matches no message


async def _sender(session: XmppSession, occupants: RoomOccupants, jid: Jid) -> int | None:
    """The person a room archive's `with` names: an occupant JID or a person's JID, else None."""
    if jid.domain == room_jid(session.domain, occupants.local).domain and jid.local == occupants.local:
        occupant = occupants.by_nick.get(jid.resource) if jid.resource else None
        if occupant is not None:
            return occupant.user_id
        username = jid.resource  # someone not joined here is shown under their username
    elif jid.domain == session.domain and jid.local and not jid.resource:
        username = jid.local
    else:
        return None
    try:
        return (await session.services.accounts.lookup(username)).id if username else None
    except (NotFound, BadRequest):
        return None


async def _read(session: XmppSession, room_id: int, match: ArchiveFilter, paging: Paging) -> ArchivePage:
    try:
        return await session.services.archive_queries.room(session.user, room_id, match, paging, changes=True)
    except NotFound as error:
        if error.code == "conversation.not_found":
            raise StanzaError("auth", "forbidden", "Only the room's members read its archive.") from None
        raise StanzaError("cancel", "item-not-found", "No such message in this room's archive.") from None


async def _result(session: XmppSession, request: IqRequest, occupants: RoomOccupants, message: Message) -> ET.Element:
    inner = await quoted_room_message(session, occupants, message)
    if message.is_deleted:
        body = inner.find(f"{{{CLIENT}}}body")
        if body is not None:
            inner.remove(body)
        inner.insert(0, await moderated_tombstone(session, occupants, message))
    return _wrapped(session, request, occupants, message.id, moment=message.created_at, inner=inner)


def _wrapped(
    session: XmppSession,
    request: IqRequest,
    occupants: RoomOccupants,
    entry: int,
    *,
    moment: datetime,
    inner: ET.Element,
) -> ET.Element:
    """An entry of the room's archive (XEP-0313 <result/>, from the room): `inner` forwarded with its time."""
    room = str(room_jid(session.domain, occupants.local))
    wrapper = ET.Element(f"{{{CLIENT}}}message", {"from": room, "to": str(session.jid)})
    attributes = {"id": str(entry)}
    if request.payload.get("queryid"):
        attributes["queryid"] = request.payload.get("queryid", "")[:256]
    forwarded = ET.SubElement(ET.SubElement(wrapper, f"{{{MAM}}}result", attributes), f"{{{FORWARD}}}forwarded")
    ET.SubElement(forwarded, f"{{{DELAY}}}delay", {"from": room, "stamp": stamp(moment)})
    forwarded.append(inner)
    return wrapper


async def _change_result(
    session: XmppSession, request: IqRequest, occupants: RoomOccupants, change: MessageChange
) -> ET.Element | None:
    """A correction, retraction or reaction set as the room sent it live: from the occupant JID
    of who made it, naming the message by its stanza-id; a moderator's deletion from the room
    (`moderation.py`). None when there is nothing to show: an edit of, or a reaction to, a
    message deleted since (its deletion is an entry too), or a reaction without XEP-0444."""
    message = change.message
    if isinstance(change, MessageDeleted) and message.is_moderated:
        inner = await moderation(session, occupants, change)
        del inner.attrib["to"]
    elif message.is_deleted and not isinstance(change, MessageDeleted):
        return None
    elif isinstance(change, ReactionsChanged):
        if change.user_id is None or not session.registry.has(xep0444_reactions.ext.name):
            return None
        inner = await _from(
            session, occupants, change.user_id, change.event_id, occupants.nick_of_sender(change.user_id)
        )
        inner.append(xep0444_reactions.reactions_element(message, change.user_id, str(message.id)))
    else:
        sent_under = session.server.rooms.sent_nick(message)
        inner = await _from(session, occupants, message.sender_id, change.event_id, sent_under)
        changed_stanza(session, inner, change, retracted_id=str(message.id))
    return _wrapped(session, request, occupants, change.event_id, moment=mam.id_moment(change.event_id), inner=inner)


async def _from(
    session: XmppSession, occupants: RoomOccupants, user_id: int, event_id: int, sent_under: str | None
) -> ET.Element:
    """A groupchat message from someone's occupant JID (the nick it was sent under, if known)."""
    nick = await sender_nick(session, occupants, user_id, sent_under=sent_under)
    attributes = {"type": "groupchat", "from": str(room_jid(session.domain, occupants.local, nick))}
    return ET.Element(f"{{{CLIENT}}}message", {**attributes, "id": str(event_id)})
