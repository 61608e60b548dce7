"""Joining and leaving rooms: presence to room@conference.<domain>/nick (XEP-0045 §7.2, §7.14).

- Joining is core membership: an open room makes the joiner a member (as the web client's
  "join" does); an invite-only room admits its members only. A room the user may not see
  and an id that names no room both get <registration-required/>, so the error tells
  nothing about rooms one cannot see. A new address makes a room (see `rooms`).
- A nick held by someone else in the room, or another person's username, is a <conflict/>.
- The joiner gets the occupants' presences, their own presence (status 110, 100: the room
  is non-anonymous, 170: it is logged, 201: it was just made), the history and the
  subject, in that order.
- Presence to another nick while joined changes the nick (`nick.py`).
- Unavailable presence leaves the room (the core membership stays: the others see the
  leaver's affiliation unchanged, with role 'none', §7.14).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import TYPE_CHECKING

from roost.model.errors import BadRequest, NotFound
from roost.model.jid import Jid
from roost.model.presence import Presence, Show
from roost.xmpp.errors import StanzaError
from roost.xmpp.ext.xep0045_muc.history import HistoryRequest, send_history
from roost.xmpp.ext.xep0045_muc.nick import change_nick
from roost.xmpp.ext.xep0045_muc.occupancy import Occupant, RoomOccupants
from roost.xmpp.ext.xep0045_muc.rooms import NOT_A_MEMBER, create_room, find_room
from roost.xmpp.ext.xep0045_muc.stanzas import MUC, occupant_presence, room_jid, room_local, subject
from roost.xmpp.presence import SHOWS, STATUS_MAX

if TYPE_CHECKING:
    from roost.xmpp.session import XmppSession

SELF_CODES = (110, 100, 170)  # self, non-anonymous, logged
CLIENT = "jabber:client"
CREATED = 201
REMOVED = 321  # removed because of an affiliation change: taken out of the room in the core


async def on_presence(session: XmppSession, stanza: ET.Element, to: Jid) -> None:
    kind = stanza.get("type")
    occupied = session.server.rooms.named(to.local)
    if kind == "unavailable":
        if occupied is not None:
            await leave(session, occupied)
        return
    if kind is not None:
        return  # subscriptions and errors mean nothing to a room
    if not to.resource:
        raise StanzaError("modify", "jid-malformed", "Join a room as room@service/nick.")
    current = occupied.occupant_of(session) if occupied else None
    if occupied is None or current is None:
        await join(session, to, HistoryRequest.of(stanza.find(f"{{{MUC}}}x")), stated(session, stanza))
    elif current.nick == to.resource:
        current.stated = stated(session, stanza)
        announce(session, occupied, current)  # a presence update
    else:
        await check_nick(session, occupied.conversation_id, to.resource)
        change_nick(session, occupied, current, to.resource)


def stated(session: XmppSession, stanza: ET.Element) -> Presence | None:
    """The show and status of a presence to the room, if it has either (else the room shows
    the person's overall presence)."""
    show, status = stanza.find(f"{{{CLIENT}}}show"), stanza.find(f"{{{CLIENT}}}status")
    if show is None and status is None:
        return None
    shown = SHOWS.get((show.text or "").strip() if show is not None else "", Show.AVAILABLE)
    return Presence(session.user_id, shown, ((status.text or "") if status is not None else "")[:STATUS_MAX])


async def join(session: XmppSession, to: Jid, history: HistoryRequest, stated: Presence | None = None) -> None:
    room, created = await find_room(session, to.local), False
    if room is None:
        room, created = await create_room(session, to.local), True
    await check_nick(session, room.id, to.resource)
    try:
        member = await session.services.conversations.join(session.user, room.id)
    except NotFound:
        raise NOT_A_MEMBER from None
    wanted = Occupant(to.resource, session.user_id, member.role)
    occupants = session.server.rooms.named(room_local(room)) or RoomOccupants(
        room.id, room_local(room), topic=room.topic
    )
    occupant = session.server.rooms.add(occupants, wanted, session)
    if occupant is wanted or stated is not None:  # another stream of the nick: its own show, if any
        occupant.stated = stated
    for other in occupants.by_nick.values():
        if other is not occupant:
            session.send(_presence_of(session, occupants, other, session.jid))
    if occupant is wanted:  # a new nick: the others learn of it
        _broadcast(occupants, lambda to: _presence_of(session, occupants, occupant, to), skip=session)
    codes = SELF_CODES + ((CREATED,) if created else ())
    session.send(_presence_of(session, occupants, occupant, session.jid, codes=codes))
    await send_history(session, occupants, history)
    session.send(subject(room_jid(session.domain, occupants.local), session.jid, room.topic))


async def check_nick(session: XmppSession, conversation_id: int, nick: str) -> None:
    occupants = session.server.rooms.room(conversation_id)
    holder = occupants.by_nick.get(nick) if occupants else None
    if holder is not None and holder.user_id != session.user_id:
        raise StanzaError("cancel", "conflict", "That nick is in use in this room.")
    try:
        owner = await session.services.accounts.by_username(nick)
    except (NotFound, BadRequest):
        return
    if owner.id != session.user_id:
        raise StanzaError("cancel", "conflict", "That nick is someone else's username.")


def announce(
    session: XmppSession, occupants: RoomOccupants, occupant: Occupant, *, only_to: XmppSession | None = None
) -> None:
    """The occupant's current presence to every stream in the room (or to one)."""
    if not occupant.sessions:
        return
    if only_to is not None:
        only_to.send(_presence_of(session, occupants, occupant, only_to.jid))
    else:
        _broadcast(occupants, lambda to: _presence_of(session, occupants, occupant, to))


async def leave(session: XmppSession, occupants: RoomOccupants, codes: tuple[int, ...] = ()) -> None:
    """Take this stream out of the room; the others hear of it when the nick's last stream leaves."""
    occupant = occupants.occupant_of(session)
    if occupant is None:
        return
    gone = session.server.rooms.remove(occupants.conversation_id, session)
    session.send(_gone(session, occupants, occupant, session.jid, (110, *codes)))
    if gone is not None:
        _broadcast(occupants, lambda to: _gone(session, occupants, occupant, to, codes))


def leave_all(session: XmppSession) -> None:
    """The stream ended: its nicks leave every room it was in (nothing is sent to it)."""
    rooms = session.server.rooms
    for conversation_id in rooms.rooms_of(session):
        occupants = rooms.room(conversation_id)
        occupant = occupants.occupant_of(session) if occupants else None
        if occupants is None or occupant is None or rooms.remove(conversation_id, session) is None:
            continue
        for other in occupants.sessions():
            other.send(_gone(session, occupants, occupant, other.jid, ()))


def _presence_of(
    session: XmppSession, occupants: RoomOccupants, occupant: Occupant, to: Jid, codes: tuple[int, ...] = ()
) -> ET.Element:
    real = next(iter(occupant.sessions.values())).jid
    return occupant_presence(
        room_jid(session.domain, occupants.local, occupant.nick),
        to,
        role=occupant.role,
        real_jid=str(real),
        presence=occupant.stated or session.services.presence.of(occupant.user_id),
        codes=codes,
    )


def _gone(
    session: XmppSession, occupants: RoomOccupants, occupant: Occupant, to: Jid, codes: tuple[int, ...]
) -> ET.Element:
    """The occupant left: role 'none', its affiliation kept unless it was removed from the core room (321)."""
    room = room_jid(session.domain, occupants.local, occupant.nick)
    kept = None if REMOVED in codes else occupant.role
    return occupant_presence(room, to, role=None, real_jid=str(session.jid), codes=codes, affiliation=kept)


def _broadcast(occupants: RoomOccupants, make: Callable[[Jid], ET.Element], *, skip: XmppSession | None = None) -> None:
    for other in occupants.sessions():
        if other is not skip:
            other.send(make(other.jid))
