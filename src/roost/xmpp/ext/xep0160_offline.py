"""XEP-0160: Best Practices for Handling Offline Messages, over the core's delivery mark.

A chat message reaches an XMPP client only once it is available (initial presence).
Messages that came while none of the user's XMPP clients was available are handed to the
first one that comes back, oldest first, each with an XEP-0203 <delay/> and the archive's
XEP-0359 stanza-id (so a client that also syncs through MAM can tell them apart). Every
message given to an XMPP client, live or offline, moves the user's delivery mark in the
core (`OfflineService`), so nothing is given twice and nothing below the mark is lost.
Like Prosody's mod_offline beside mod_mam, this also runs for clients that use MAM.

The edits, deletions and reaction changes made meanwhile to 1:1 messages the client had
(at or below the mark) follow the messages, each once, as the live path renders them: an
XEP-0308 correction, an XEP-0424 retraction, an XEP-0444 reactions set (one's own changes
as XEP-0280 carbons when carbons are on). Without them a client would show an old text or a
deleted message for good; the web catches up from the event log, this is XMPP's equivalent.
Then an invitation for each room the person was added to meanwhile (`xep0045_muc/invitations.py`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from roost.xmpp.ext import Extension
from roost.xmpp.ext.xep0045_muc.invitations import missed_invitations
from roost.xmpp.render import chat_stanza, delay

if TYPE_CHECKING:
    from roost.xmpp.session import XmppSession

NS = "msgoffline"
ext = Extension(name="offline", xep=160, version="1.0.1", title="Offline messages", features=[NS])
CHANNEL = "xmpp"


@ext.on_available
async def deliver_offline(session: XmppSession) -> None:
    """Hand over what came, and what changed, while the user had no available XMPP client."""
    async with session.server.hub.offline_turn(session.user_id):  # not while a session ends (its hand-back)
        others = [s for s in session.server.hub.available_sessions(session.user_id) if s is not session]
        if others:
            return  # they were online: their deliveries moved the mark
        backlog = await session.services.offline.backlog(session.user, CHANNEL)
    for message in backlog.messages:
        if session.give(message.id):
            stanza = await chat_stanza(session, message, None, to=str(session.jid))
            session.send(delay(stanza, message.created_at, session.domain))
            session.mark_delivered(message.id)  # once sent: a session ended meanwhile never had it
    for change in backlog.changes:
        session.deliver(change)  # rendered as live (XEP-0308, XEP-0424, XEP-0444), after the messages
    await missed_invitations(session, backlog.rooms)  # XEP-0045 §7.8.2, for rooms joined meanwhile
