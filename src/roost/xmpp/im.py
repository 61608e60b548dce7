"""RFC 6121 messages and presence from a bound client, mapped onto the core.

- A chat message with a body to a colleague's JID is stored in the direct conversation
  of the two (created on first use) and reaches all their sessions, web and XMPP.
- Payloads the server does not read are kept with the message (`xmpp/payloads.py`); an
  encrypted message may have no body. A message with neither body nor encrypted content
  (a receipt, a call proposal) is relayed to the recipient's live sessions, not stored.
- Chat states (XEP-0085) become typing indicators.

Presence is in `xmpp/presence.py`.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from roost.core.events import PayloadRelayed
from roost.model.errors import NotFound
from roost.model.jid import Jid
from roost.model.messages import Payload
from roost.xmpp import payloads
from roost.xmpp.context import Origin
from roost.xmpp.errors import StanzaError
from roost.xmpp.ext import MessageRequest
from roost.xmpp.ext import xep0461_replies as replies
from roost.xmpp.ext.xep0045_muc.messages import direct_invitation, direct_invite
from roost.xmpp.session import XmppSession

CLIENT = "jabber:client"
CHATSTATES = "http://jabber.org/protocol/chatstates"
CARBONS = "urn:xmpp:carbons:2"
HINTS = "urn:xmpp:hints"


async def on_message(session: XmppSession, stanza: ET.Element, to: Jid | None) -> None:
    kind = stanza.get("type", "normal")
    if kind == "error":
        return
    if to is None or to.domain != session.domain:
        raise StanzaError("cancel", "remote-server-not-found" if to else "bad-request")
    if kind == "groupchat":
        raise StanzaError("cancel", "service-unavailable", "Group chat goes through the MUC service.")
    other = _cached_colleague(session, to) or await _colleague(session, to)
    if (invitation := direct_invitation(stanza)) is not None:  # XEP-0249
        await direct_invite(session, invitation, other)
        return
    conversations = session.services.conversations
    conversation_id = conversations.cached_direct_id(session.user_id, other) or await conversations.direct_id(
        session.user, other
    )
    handled = session.registry.message_handler(stanza)
    if handled is not None:
        handler, payload = handled
        await handler(MessageRequest(session, stanza, payload, conversation_id))
        return
    body = stanza.findtext(f"{{{CLIENT}}}body") or ""
    extras = payloads.of(stanza)
    if body or extras.has_content:
        await _store(session, stanza, to, conversation_id, body=body, extras=extras, to_self=other == session.user_id)
        return
    if extras.xml is not None and extras.relayable:
        await relay(session, stanza, to, conversation_id, payload=extras.xml)
    state = _chat_state(stanza)
    if state is not None:  # between people who block each other: dropped (set_typing)
        await session.services.conversations.set_typing(session.user, conversation_id, state == "composing")


async def _store(
    session: XmppSession,
    stanza: ET.Element,
    to: Jid,
    conversation_id: int,
    *,
    body: str,
    extras: payloads.Extras,
    to_self: bool,
) -> None:
    ids = payloads.client_ids(stanza)
    origin = Origin(session.resource, to.resource or None, _is_private(stanza), to_self)
    session.server.hub.note_sent(session.user_id, ids.key, origin)  # carbons find the sender by it
    payload = Payload(extras.xml, extras.encryption, ids.client_ref)
    reply_to = None
    if replies.is_reply(stanza):  # XEP-0461
        encrypted = extras.encryption is not None
        body, reply_to = await replies.incoming(session, stanza, conversation_id, body, encrypted=encrypted)
    # The sending session gets no copy of its own message (XEP-0280 copies go to the others).
    await session.services.archive.send(
        session.user,
        conversation_id,
        body,
        client_id=ids.client_id,
        reply_to=reply_to,
        payload=payload,
        origin=session.id,
    )


async def relay(session: XmppSession, stanza: ET.Element, to: Jid, conversation_id: int, *, payload: str) -> None:
    """A message without a body (a receipt, a call proposal): to the recipient's live sessions only."""
    event = PayloadRelayed(
        conversation_id,
        session.user_id,
        payload,
        kind=stanza.get("type", "normal"),
        stanza_id=stanza.get("id"),
        sender_resource=session.resource,
        to_resource=to.resource or None,
        private=_is_private(stanza),
    )
    await session.services.relay.relay(session.user, event, origin=session.id)


def _cached_colleague(session: XmppSession, to: Jid) -> int | None:
    """`_colleague` from the accounts' cache alone (no await), or None: then ask `_colleague`."""
    user = session.services.accounts.cached(to.local) if to.local else None
    return user.id if user is not None and not user.is_disabled else None


async def _colleague(session: XmppSession, to: Jid) -> int:
    if not to.local:
        raise StanzaError("cancel", "service-unavailable")
    try:
        user = await session.services.accounts.lookup(to.local)
    except NotFound:
        raise StanzaError("cancel", "service-unavailable") from None  # RFC 6121 §8.5.2.2.1
    if user.is_disabled:
        raise StanzaError("cancel", "service-unavailable")
    return user.id


def _is_private(stanza: ET.Element) -> bool:
    """XEP-0280 <private/> or XEP-0334 <no-copy/>: the sender's other clients get no carbon."""
    return stanza.find(f"{{{CARBONS}}}private") is not None or stanza.find(f"{{{HINTS}}}no-copy") is not None


def _chat_state(stanza: ET.Element) -> str | None:
    for child in stanza:
        if child.tag.startswith(f"{{{CHATSTATES}}}"):
            return child.tag.split("}")[1]
    return None
