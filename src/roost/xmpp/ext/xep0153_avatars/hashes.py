"""XEP-0153 photo hashes: each person's avatar hash, kept up to date from their XEP-0084 metadata."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from roost.core.events import PepChanged
from roost.xmpp import payloads
from roost.xmpp.render import jid_of, presence_stanza

if TYPE_CHECKING:
    from roost.xmpp.session import XmppSession

METADATA = "urn:xmpp:avatar:metadata"


@dataclass
class Hashes:
    """The avatar hash of each person by bare JID ("": none), loaded once per process, then kept up to date."""

    by_jid: dict[str, str] = field(default_factory=dict)
    loaded: bool = False


async def avatar_changed(event: PepChanged, session: XmppSession) -> list[ET.Element]:
    """A new avatar: note its hash and send the person's presence again (when they are online)."""
    if event.node != METADATA or not session.registry.installed("avatars"):
        return []
    jid = await jid_of(session, event.owner_id)
    session.server.state(Hashes).by_jid[jid] = hash_of(event.item.payload, session) if event.item else ""
    if not session.available:
        return []
    return [await presence_stanza(each, session) for each in session.services.presence.resources(event.owner_id)]


def hash_of(metadata: str, session: XmppSession) -> str:
    for element in payloads.elements(metadata, max_bytes=session.limits.max_stanza_bytes):
        info = element.find(f"{{{METADATA}}}info")
        if info is not None:
            return info.get("id", "")
    return ""
