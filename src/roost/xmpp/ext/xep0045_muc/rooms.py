"""Which core room a room JID names, and rooms made by joining a new room JID (XEP-0045 §10.1).

A room made on the web is `<id>@conference.<domain>`. Joining a JID whose localpart is
not an id and names no room makes a new core room (an instant room: invite-only, named
after the localpart, the joiner its owner) whose address is that localpart; it keeps that
JID for good (and only that one). An invalid address is <not-allowed/>; an address taken
by a room the joiner may not see is <registration-required/>, as for any such room.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from roost.model.conversations import Conversation, ConversationKind, NewRoom
from roost.model.errors import BadRequest, Conflict, NotFound
from roost.xmpp.errors import StanzaError
from roost.xmpp.ext.xep0045_muc.stanzas import id_of

if TYPE_CHECKING:
    from roost.xmpp.session import XmppSession

NOT_A_MEMBER = StanzaError("auth", "registration-required", "Only members of this room may join it.")


async def find_room(session: XmppSession, local: str) -> Conversation | None:
    """The room a localpart names, if the user may see it; None otherwise."""
    conversations = session.services.conversations
    room_id = id_of(local)
    try:
        if room_id is None:
            return await conversations.room_by_address(session.user, local)
        room = await conversations.get(session.user, room_id)
    except NotFound:
        return None
    return room if room.kind is ConversationKind.ROOM and room.address is None else None


async def create_room(session: XmppSession, local: str) -> Conversation:
    """A new invite-only room at this address, owned by the joiner."""
    if id_of(local) is not None:
        raise NOT_A_MEMBER  # ids are the core's to give
    try:
        return await session.services.conversations.create_room(session.user, NewRoom(name=local, address=local))
    except Conflict:
        raise NOT_A_MEMBER from None
    except BadRequest:
        raise StanzaError(
            "cancel", "not-allowed", "A new room's name is a-z, 0-9, '.', '-', '_', from a letter."
        ) from None
