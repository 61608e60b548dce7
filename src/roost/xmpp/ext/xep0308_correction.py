"""XEP-0308: Last Message Correction. A <replace/> edits the user's own message in the core.

The `id` names the corrected message as the client knows it: the id it sent it with
(the core's client id) or, for a message from elsewhere, the id this server gave it.
Corrections made from the web reach XMPP clients as <replace/> messages (`xmpp/changes.py`).
A correction of an encrypted message, or an encrypted correction (OMEMO), replaces the
message's payload as well: the new content is in the payload, the body is only a fallback.
A plain correction reaches the other side's clients live under the id its client gave it,
with its receipt request (XEP-0184), origin-id and hints (`CORRECTION_RELAYS`): their
receipt then names the correction as the sender's client knows it, as Conversations expects
before it shows the corrected message delivered.
"""

from __future__ import annotations

from roost.model.messages import Payload
from roost.xmpp import payloads
from roost.xmpp.errors import StanzaError
from roost.xmpp.ext import Extension, MessageRequest

NS = "urn:xmpp:message-correct:0"
# What a plain correction passes on beside its body: its receipt request (XEP-0184), its
# origin-id and hints. Nothing the server acts on itself (retractions, reactions, markers: the
# core has not recorded them), and no <markable/> (a marker naming the correction's id names
# no message the server knows).
CORRECTION_RELAYS = ("{urn:xmpp:receipts}request", "{urn:xmpp:sid:0}origin-id", "{urn:xmpp:hints}")
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
    payload, relayed = None, None
    if extras.encryption is not None or message.encryption is not None:  # the new content is in the payload
        limit = request.stream.limits.max_stanza_bytes
        new = payloads.reencrypted(message.extras, request.stanza, max_bytes=limit)
        payload = Payload(new.xml, new.encryption)
    else:
        relayed = payloads.only(request.stanza, CORRECTION_RELAYS)
    client_ref = (request.stanza.get("id") or "")[: payloads.CLIENT_REF_MAX] or None
    archive = request.services.archive
    await archive.edit(
        user, message.id, body, payload=payload, origin=request.origin, client_ref=client_ref, relayed=relayed
    )
