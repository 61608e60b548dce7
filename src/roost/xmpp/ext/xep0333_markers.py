"""XEP-0333: Displayed Markers. <displayed/> moves the user's read marker in the core.

The `id` names the message the way the client saw it (its sender's id, or the id this
server gave it). Read markers moved elsewhere (the web client, another XMPP client)
come back as <displayed/> from the reader (`xmpp/changes.py`).
"""

from __future__ import annotations

from roost.xmpp.errors import StanzaError
from roost.xmpp.ext import Extension, MessageRequest

NS = "urn:xmpp:chat-markers:0"
ext = Extension(name="markers", xep=333, version="0.4", title="Displayed Markers", features=[NS])


@ext.message(NS, "displayed")
async def on_displayed(request: MessageRequest) -> None:
    reference = request.payload.get("id")
    if not reference:
        raise StanzaError("modify", "bad-request", "A marker names the message by id.")
    user = request.stream.user
    message = await request.services.archive_queries.find(user, request.conversation_id, reference)
    await request.services.conversations.mark_read(user, request.conversation_id, message.id, origin=request.origin)
