"""XEP-0308: Last Message Correction. A <replace/> edits the user's own message in the core.

The `id` names the corrected message as the client knows it: the id it sent it with
(the core's client id) or, for a message from elsewhere, the id this server gave it.
Corrections made from the web reach XMPP clients as <replace/> messages (`xmpp/changes.py`).
A correction of an encrypted message, or an encrypted correction (OMEMO), replaces the
message's payload as well: the new content is in the payload, the body is only a fallback.
"""

from __future__ import annotations

from roost.model.messages import Payload
from roost.xmpp import payloads
from roost.xmpp.errors import StanzaError
from roost.xmpp.ext import Extension, MessageRequest

NS = "urn:xmpp:message-correct:0"
ext = Extension(name="correction", xep=308, version="1.2.1", title="Last Message Correction", features=[NS])


@ext.message(NS, "replace")
async def on_replace(request: MessageRequest) -> None:
    body = request.stanza.findtext("{jabber:client}body") or ""
    reference = request.payload.get("id")
    extras = payloads.of(request.stanza)
    if not (body or extras.has_content) or not reference:
        raise StanzaError("modify", "bad-request", "A correction has an id and a body.")
    user = request.stream.user
    message = await request.services.archive_queries.find(user, request.conversation_id, reference, sender_id=user.id)
    payload = None
    if extras.encryption is not None or message.encryption is not None:  # the new content is in the payload
        limit = request.stream.limits.max_stanza_bytes
        new = payloads.reencrypted(message.extras, request.stanza, max_bytes=limit)
        payload = Payload(new.xml, new.encryption)
    await request.services.archive.edit(user, message.id, body, payload=payload, origin=request.origin)
