"""XEP-0153 photo hashes: each person's avatar SHA-1, from the core, kept up to date by `UserChanged`."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from roost.core.events import UserChanged
from roost.model.errors import NotFound
from roost.xmpp.ext.xep0153_avatars.nodes import METADATA
from roost.xmpp.ext.xep0163_pep.notify import NOTIFY, avatar_event
from roost.xmpp.render import jid_of, presence_stanza

if TYPE_CHECKING:
    from roost.xmpp.session import XmppSession


@dataclass
class Hashes:
    """The avatar hash of each person by bare JID ("": none), loaded once per process, then kept up to date."""

    by_jid: dict[str, str] = field(default_factory=dict)
    loaded: bool = False
    told: dict[str, dict[str, str]] = field(default_factory=dict)  # by session id: the hashes its client saw

    async def load(self, session: XmppSession) -> None:
        if self.loaded:
            return
        for avatar in await session.services.avatars.all():
            self.by_jid.setdefault(await jid_of(session, avatar.user_id), avatar.sha1)
        self.loaded = True


async def avatar_changed(event: UserChanged, session: XmppSession) -> list[ET.Element]:
    """A new avatar: note its hash; this session gets the person's presence again and the XEP-0084 metadata."""
    if not session.registry.installed("avatars"):
        return []
    user, sha1 = event.user, event.user.avatar or ""
    jid = f"{user.username}@{session.domain}"
    hashes = session.server.state(Hashes)
    hashes.by_jid[jid] = sha1
    told = hashes.told.get(session.id)
    if told is None or not session.available or told.get(jid, "") == sha1:
        return []
    told[jid] = sha1
    out = []
    for each in session.services.presence.resources(user.id):  # each resource's presence, with the new hash
        out.append(await presence_stanza(each, session))
    if f"{METADATA}{NOTIFY}" in session.client_features:
        try:
            avatar = await session.services.avatars.of(user.id) if user.avatar else None
        except NotFound:  # removed again meanwhile: that change is on its way
            return out
        out.append(await avatar_event(session, user.id, avatar))
    return out
