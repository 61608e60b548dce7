"""Private messages between occupants (XEP-0045 §7.5): a message to room/nick from an occupant.

It is relayed, live, to every stream the recipient joined under that nick, from the sender's
occupant JID (`room/nick`) with `<x xmlns='…muc#user'/>` added; what the sender put in it
(body, chat states, receipts, encrypted payloads) passes as it was, but for what only a
server writes (`payloads.is_server_only`: a stanza-id, a delay, a carbon, an archive result,
the room's own elements), which a client may not forge. It is not stored: not
in the room's history, nor in anyone's archive (as Prosody and ejabberd keep room private
messages out of the room's archive), so a recipient who is not joined here gets nothing.
Errors: the sender not joined: `not-acceptable`; no such nick: `item-not-found`; type
`groupchat`: `bad-request`; between people who block each other, as for a direct message
(XEP-0191): the blocked get `service-unavailable`, the one who blocks `not-acceptable`.
"""

from __future__ import annotations

import copy
import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING

from roost.model.jid import Jid
from roost.xmpp import payloads
from roost.xmpp.errors import StanzaError
from roost.xmpp.ext.xep0045_muc.stanzas import CLIENT, MUC_USER, room_jid

if TYPE_CHECKING:
    from roost.xmpp.session import XmppSession


async def private_message(session: XmppSession, stanza: ET.Element, to: Jid) -> None:
    if stanza.get("type") == "groupchat":
        raise StanzaError("modify", "bad-request", "Send private messages as chat, not groupchat.")
    occupants = session.server.rooms.named(to.local)
    sender = occupants.occupant_of(session) if occupants else None
    if occupants is None or sender is None:
        raise StanzaError("modify", "not-acceptable", "Join the room before sending to its occupants.")
    recipient = occupants.by_nick.get(to.resource)
    if recipient is None:
        raise StanzaError("cancel", "item-not-found", "No one in the room has that nick.")
    await session.services.blocking.lists.check_may_reach(session.user_id, recipient.user_id)
    origin = room_jid(session.domain, occupants.local, sender.nick)
    for target in list(recipient.sessions.values()):
        relayed = ET.Element(f"{{{CLIENT}}}message", {"from": str(origin), "to": str(target.jid)})
        relayed.set("type", stanza.get("type", "chat"))
        if stanza.get("id"):
            relayed.set("id", stanza.get("id", ""))
        relayed.extend(copy.deepcopy(child) for child in stanza if not payloads.is_server_only(child))
        ET.SubElement(relayed, f"{{{MUC_USER}}}x")
        target.send(relayed)
