"""Presence and roster events as stanzas: each resource's presence, directed presence,
subscription requests and answers, presence access given or taken, roster pushes (RFC 6121)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace
from typing import TYPE_CHECKING

from roost.core.events import (
    ContactChanged,
    DirectedPresence,
    Event,
    PresenceAccessChanged,
    ResourcePresenceChanged,
    SubscriptionSent,
)
from roost.model.directory import SubscriptionKind
from roost.model.presence import Presence, ResourcePresence, Show
from roost.xmpp.ext.rfc6121_roster import roster_push
from roost.xmpp.render import jid_of, presence_stanza

if TYPE_CHECKING:
    from roost.xmpp.session import XmppSession

CLIENT = "jabber:client"


async def presence_event(event: Event, session: XmppSession) -> list[ET.Element] | None:
    """The stanzas for a presence or roster event; None for other events."""
    if isinstance(event, ContactChanged):
        return roster_push(event, session)
    if not isinstance(event, ResourcePresenceChanged | DirectedPresence | SubscriptionSent | PresenceAccessChanged):
        return None
    if not session.available:  # presence only after the client's initial presence (RFC 6121 §4.2.2)
        return []
    if isinstance(event, ResourcePresenceChanged | DirectedPresence):
        wanted = not isinstance(event, DirectedPresence) or event.to_resource in (None, session.resource)
        return [await presence_stanza(event.presence, session)] if wanted else []
    if isinstance(event, SubscriptionSent):
        return [await subscription_from(session, event.from_user_id, event.kind)]
    return await _access(event, session)


async def _access(event: PresenceAccessChanged, session: XmppSession) -> list[ET.Element]:
    """A subscription approved: the contact's resources now; cancelled: their end (RFC 6121 §3.1.6, §3.3)."""
    resources = session.services.presence.resources(event.owner_id)
    if event.granted:
        return [await presence_stanza(each, session) for each in resources]
    gone: list[Presence | ResourcePresence] = [replace(each, show=Show.UNAVAILABLE, status="") for each in resources]
    return [await presence_stanza(each, session) for each in gone or [Presence(event.owner_id, Show.UNAVAILABLE, "")]]


async def subscription_from(session: XmppSession, user_id: int, kind: SubscriptionKind) -> ET.Element:
    """A subscription request or answer from a colleague, as their client would see it."""
    sender = await jid_of(session, user_id)
    return ET.Element(f"{{{CLIENT}}}presence", {"type": kind.value, "from": sender, "to": str(session.jid)})
