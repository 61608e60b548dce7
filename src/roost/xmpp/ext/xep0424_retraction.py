"""XEP-0424: Message Retraction. A <retract/> deletes the user's own message in the core.

The `id` names the message as in XEP-0308. A deletion made from the web reaches XMPP
clients as a <retract/> with a fallback body (`xmpp/changes.py`); MAM shows a tombstone.
"""

from __future__ import annotations

from roost.xmpp.errors import StanzaError
from roost.xmpp.ext import Extension, MessageRequest

NS = "urn:xmpp:message-retract:1"
ext = Extension(name="retraction", xep=424, version="0.4.2", title="Message Retraction", features=[NS])


@ext.message(NS, "retract")
async def on_retract(request: MessageRequest) -> None:
    reference = request.payload.get("id")
    if not reference:
        raise StanzaError("modify", "bad-request", "A retraction names the message by id.")
    user = request.stream.user
    message = await request.services.archive_queries.find(user, request.conversation_id, reference, sender_id=user.id)
    await request.services.archive.delete(user, message.id, origin=request.origin)
