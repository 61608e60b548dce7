"""Messages to a room: groupchat, subject changes and invitations (XEP-0045 §7.4, §7.8, §8.1; XEP-0249).

- A groupchat message with a body from an occupant is stored in the core room (the same
  history the web client shows); every occupant, the sender included, gets it back through
  the core's MessageCreated event, with a stanza-id by the room, from the nick of the stream
  that sent it (a person may be joined under several nicks: `Occupancy.note_sent`).
- A subject without a body sets the core room's topic (room admins, as in the core).
- A message with neither a body nor encrypted content but with something else the server
  does not read (an OMEMO key transport, a receipt, a call proposal) is relayed live to the
  occupants, the sender's streams too, and not stored, as in a 1:1 chat.
- Chat states become the room's typing indicator.
- XEP-0444 reactions set the occupant's reactions; XEP-0461 replies are stored as replies.
- A mediated invitation (<x xmlns='…muc#user'><invite to=…/></x>) or a direct one
  (XEP-0249, to the invitee) adds the invitee to the core room under the core's rules, and
  the invitation reaches the invitee's XMPP streams.
- Private messages between occupants are relayed, not stored (`private.py`).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING

from roost.core.events import PayloadRelayed
from roost.model.errors import BadRequest, NotFound
from roost.model.jid import Jid
from roost.model.messages import Payload
from roost.xmpp import payloads
from roost.xmpp.errors import StanzaError
from roost.xmpp.ext import MessageRequest, xep0461_replies
from roost.xmpp.ext.xep0045_muc.private import private_message
from roost.xmpp.ext.xep0045_muc.rooms import find_room
from roost.xmpp.ext.xep0045_muc.stanzas import CLIENT, MUC_USER, room_jid, room_local, service_domain

if TYPE_CHECKING:
    from roost.xmpp.session import XmppSession

CHATSTATES = "http://jabber.org/protocol/chatstates"
CONFERENCE = "jabber:x:conference"


async def on_message(session: XmppSession, stanza: ET.Element, to: Jid) -> None:
    kind = stanza.get("type", "normal")
    if kind == "error":
        return
    if to.resource:
        await private_message(session, stanza, to)
        return
    invite = stanza.find(f"{{{MUC_USER}}}x/{{{MUC_USER}}}invite")
    if invite is not None:
        await _mediated_invite(session, to.local, invite)
    elif kind != "groupchat":
        raise StanzaError("modify", "bad-request", "Send type='groupchat' to a room.")
    else:
        await _groupchat(session, to.local, stanza)


async def _groupchat(session: XmppSession, local: str, stanza: ET.Element) -> None:
    occupants = session.server.rooms.named(local)
    occupant = occupants.occupant_of(session) if occupants else None
    if occupants is None or occupant is None:
        raise StanzaError("modify", "not-acceptable", "Join the room before sending to it.")
    conversation_id = occupants.conversation_id
    occupants.note_sender(session)  # a reaction, marker or chat state comes back from this nick
    handled = session.registry.message_handler(stanza)
    if handled is not None:  # a correction, retraction, reaction or marker: as in a 1:1 chat
        handler, payload = handled
        await handler(MessageRequest(session, stanza, payload, conversation_id, in_room=True))
        return
    body = stanza.findtext(f"{{{CLIENT}}}body") or ""
    extras = payloads.of(stanza)
    topic = stanza.find(f"{{{CLIENT}}}subject")
    services = session.services
    if body or extras.has_content:
        encrypted = extras.encryption is not None
        body, reply_to = await xep0461_replies.incoming(session, stanza, conversation_id, body, encrypted=encrypted)
        ids = payloads.client_ids(stanza)
        session.server.rooms.note_sent(conversation_id, session.user_id, ids.key, occupant.nick)  # the sent nick
        await services.archive.send(
            session.user,
            conversation_id,
            body,
            client_id=ids.client_id,
            reply_to=reply_to,
            payload=Payload(extras.xml, extras.encryption, ids.client_ref),
        )
    elif topic is not None:
        await services.conversations.update(session.user, conversation_id, topic=topic.text or "")
    else:
        if extras.xml is not None and extras.relayable:
            await _relay(session, stanza, conversation_id, extras.xml)
        if (state := _chat_state(stanza)) is not None:
            await services.conversations.set_typing(session.user, conversation_id, state == "composing")


async def _relay(session: XmppSession, stanza: ET.Element, conversation_id: int, payload: str) -> None:
    """A body-less payload: to every stream joined to the room (the sender's too), not stored."""
    event = PayloadRelayed(
        conversation_id,
        session.user_id,
        payload,
        kind="groupchat",
        stanza_id=stanza.get("id"),
        sender_resource=session.resource,
        to_resource=None,
    )
    await session.services.relay.relay(session.user, event)


async def _mediated_invite(session: XmppSession, local: str, invite: ET.Element) -> None:
    found = await find_room(session, local)
    if found is None:
        raise StanzaError("cancel", "item-not-found", "No such room.")
    invitee = await _colleague(session, invite.get("to", ""))
    await session.services.conversations.invite(session.user, found.id, [invitee], origin=session.id)
    room = room_jid(session.domain, local)
    for target in _streams_of(session, invitee):
        message = ET.Element(f"{{{CLIENT}}}message", {"from": str(room), "to": str(target.jid)})
        forwarded = ET.SubElement(ET.SubElement(message, f"{{{MUC_USER}}}x"), f"{{{MUC_USER}}}invite")
        forwarded.set("from", session.bare_text)
        if invite.findtext(f"{{{MUC_USER}}}reason"):
            ET.SubElement(forwarded, f"{{{MUC_USER}}}reason").text = invite.findtext(f"{{{MUC_USER}}}reason")
        target.send(message)


def direct_invitation(stanza: ET.Element) -> ET.Element | None:
    """XEP-0249: the <x xmlns='jabber:x:conference'/> of a message to a colleague, if any."""
    return stanza.find(f"{{{CONFERENCE}}}x")


async def direct_invite(session: XmppSession, x: ET.Element, invitee: int) -> None:
    """XEP-0249: invite a colleague to the room a `direct_invitation` names."""
    try:
        room = Jid.parse(x.get("jid", ""))
    except BadRequest:
        raise StanzaError("modify", "jid-malformed", "The invitation names no room.") from None
    found = await find_room(session, room.local) if room.domain == service_domain(session.domain) else None
    if found is None or not room.local:
        raise StanzaError("cancel", "item-not-found", "No such room.")
    await session.services.conversations.invite(session.user, found.id, [invitee], origin=session.id)
    for target in _streams_of(session, invitee):
        message = ET.Element(f"{{{CLIENT}}}message", {"from": str(session.jid), "to": str(target.jid)})
        attrs = {"jid": str(room_jid(session.domain, room_local(found)))}
        if x.get("reason"):
            attrs["reason"] = x.get("reason", "")
        ET.SubElement(message, f"{{{CONFERENCE}}}x", attrs)
        target.send(message)


async def _colleague(session: XmppSession, address: str) -> int:
    try:
        jid = Jid.parse(address)
    except BadRequest:
        raise StanzaError("modify", "jid-malformed", "The invitation names no one.") from None
    if jid.domain != session.domain or not jid.local:
        raise StanzaError("cancel", "item-not-found", "Invite colleagues of this server.")
    try:
        return (await session.services.accounts.lookup(jid.local)).id
    except NotFound:
        raise StanzaError("cancel", "item-not-found", "No such person.") from None


def _streams_of(session: XmppSession, user_id: int) -> list[XmppSession]:
    return session.server.hub.sessions_of(user_id)


def _chat_state(stanza: ET.Element) -> str | None:
    return next((c.tag.split("}")[1] for c in stanza if c.tag.startswith(f"{{{CHATSTATES}}}")), None)
