"""Relayed payloads (receipts, call signalling, OMEMO key transport) as stanzas for one session.

They were not stored: a session gets them live, as the sender's client sent them, or as a
carbon (XEP-0280) when they were sent by another of its user's clients or addressed to
another of its user's available resources.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING

from roost.core.events import PayloadRelayed
from roost.xmpp import payloads
from roost.xmpp.render import CLIENT, carbon, direct, jid_of, other_jid

if TYPE_CHECKING:
    from roost.xmpp.session import XmppSession


async def relayed(event: PayloadRelayed, session: XmppSession) -> list[ET.Element]:
    if not session.available or await direct(session, event.conversation_id) is None:
        return []
    sender = await jid_of(session, event.sender_id)
    if event.sender_resource:
        sender += f"/{event.sender_resource}"
    stanza = ET.Element(f"{{{CLIENT}}}message", {"type": event.kind, "from": sender})
    if event.stanza_id:
        stanza.set("id", event.stanza_id)
    stanza.extend(payloads.elements(event.payload, max_bytes=session.limits.max_stanza_bytes))
    if event.sender_id == session.user_id:
        return await _sent_copy(event, session, stanza)
    target = event.to_resource
    if target is not None and target != session.resource and _is_available(session, target):
        if not session.carbons or event.private:
            return []
        stanza.set("to", f"{session.jid.bare}/{target}")
        return [carbon(session, "received", stanza)]
    stanza.set("to", str(session.jid))
    return [stanza]


async def _sent_copy(event: PayloadRelayed, session: XmppSession, stanza: ET.Element) -> list[ET.Element]:
    if not session.carbons or event.private:
        return []
    to = await other_jid(session, event.conversation_id, session.user_id)
    stanza.set("to", f"{to}/{event.to_resource}" if event.to_resource else to)
    return [carbon(session, "sent", stanza)]


def _is_available(session: XmppSession, resource: str) -> bool:
    other = session.server.hub.session_at(session.user_id, resource)
    return other is not None and other.available
