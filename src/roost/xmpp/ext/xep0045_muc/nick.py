"""Changing one's nick while joined (XEP-0045 §7.6): presence to room/newnick.

The same nick rules as joining (a nick another occupant holds or another person's username
is a <conflict/>). The nick changes for all the user's streams joined under it: every stream
in the room gets unavailable presence from the old nick with status 303 and the new nick in
the item, then available presence from the new one (both with 110 for the user's own streams).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING

from roost.xmpp.ext.xep0045_muc.occupancy import Occupant, RoomOccupants
from roost.xmpp.ext.xep0045_muc.stanzas import MUC_USER, occupant_presence, room_jid

if TYPE_CHECKING:
    from roost.xmpp.session import XmppSession

NEW_NICK = 303
SELF = 110


def change_nick(session: XmppSession, occupants: RoomOccupants, occupant: Occupant, nick: str) -> None:
    """Rename the occupant (the caller checked the new nick) and tell every stream in the room."""
    for other in occupants.sessions():
        mine = other.id in occupant.sessions
        codes: tuple[int, ...] = (NEW_NICK, SELF) if mine else (NEW_NICK,)
        other.send(_presence(session, occupants, occupant, other, codes=codes, new_nick=nick))
    occupants.rename(occupant, nick)
    for other in occupants.sessions():
        codes = (SELF,) if other.id in occupant.sessions else ()
        other.send(_presence(session, occupants, occupant, other, codes=codes))


def _presence(
    session: XmppSession,
    occupants: RoomOccupants,
    occupant: Occupant,
    to: XmppSession,
    *,
    codes: tuple[int, ...],
    new_nick: str | None = None,
) -> ET.Element:
    real = next(iter(occupant.sessions.values())).jid
    stanza = occupant_presence(
        room_jid(session.domain, occupants.local, occupant.nick),
        to.jid,
        role=occupant.role,
        real_jid=str(real),
        presence=session.services.presence.of(occupant.user_id),
        codes=codes,
    )
    if new_nick is not None:  # the old nick leaves: unavailable, naming the new one
        stanza.set("type", "unavailable")
        for child in [c for c in stanza if not c.tag.startswith(f"{{{MUC_USER}}}")]:
            stanza.remove(child)
        item = stanza.find(f"{{{MUC_USER}}}x/{{{MUC_USER}}}item")
        if item is not None:
            item.set("nick", new_nick)
    return stanza
