"""XEP-0191: Blocking Command. The blocklist is the core's (`core/blocking`), shared with the JSON API.

A blocked person cannot write to you 1:1 (their client gets <service-unavailable/>; yours,
writing to them, <not-acceptable/> with <blocked xmlns='urn:xmpp:blocking:errors'/>) and
neither of you sees the other's presence. Items name accounts of this server (a full JID
blocks its bare JID); anything else is <item-not-found/>. A change made anywhere (another
client, the web) is pushed to every session of the user that asked for the blocklist.
"""

from __future__ import annotations

import secrets
import weakref
import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING

from roost.core.events import BlocklistChanged
from roost.model.errors import BadRequest, NotFound
from roost.model.jid import Jid
from roost.xmpp.errors import StanzaError
from roost.xmpp.ext import Extension, IqRequest, StreamContext
from roost.xmpp.render import jid_of

if TYPE_CHECKING:
    from roost.xmpp.session import XmppSession

NS = "urn:xmpp:blocking"
ext = Extension(name="blocking", xep=191, version="1.3", title="Blocking Command", features=[NS])


class Readers:
    """The sessions that asked for their blocklist: they get pushes (XEP-0191 §3.2)."""

    def __init__(self) -> None:
        self.sessions: weakref.WeakSet[StreamContext] = weakref.WeakSet()


@ext.iq_get(NS, "blocklist")
async def on_blocklist(request: IqRequest) -> None:
    _readers(request).add(request.stream)
    blocklist = ET.Element(f"{{{NS}}}blocklist")
    for user in await request.services.blocking.blocked(request.user):
        ET.SubElement(blocklist, f"{{{NS}}}item", {"jid": f"{user.username}@{request.stream.domain}"})
    request.result(blocklist)


@ext.iq_set(NS, "block")
async def on_block(request: IqRequest) -> None:
    user_ids = await _items(request)
    if not user_ids:
        raise StanzaError("modify", "bad-request", "Name at least one JID to block.")
    await request.services.blocking.block(request.user, user_ids)
    request.result()


@ext.iq_set(NS, "unblock")
async def on_unblock(request: IqRequest) -> None:
    user_ids = await _items(request)
    await request.services.blocking.unblock(request.user, user_ids or None)  # no item: everyone
    request.result()


def _readers(request: IqRequest) -> weakref.WeakSet[StreamContext]:
    return request.stream.server.state(Readers).sessions


async def _items(request: IqRequest) -> list[int]:
    """The account ids the <item/>s name."""
    ids = []
    for item in request.payload.findall(f"{{{NS}}}item"):
        try:
            jid = Jid.parse(item.get("jid", ""))
        except BadRequest:
            raise StanzaError("modify", "jid-malformed") from None
        if jid.domain != request.stream.domain or not jid.local:
            raise StanzaError("cancel", "item-not-found", "Only accounts of this server can be blocked.")
        try:
            ids.append((await request.services.accounts.by_username(jid.local)).id)
        except NotFound:
            raise StanzaError("cancel", "item-not-found", "No such account.") from None
    return ids


async def pushes(event: BlocklistChanged, session: XmppSession) -> list[ET.Element]:
    """A <block/> or <unblock/> push, for a session that asked for its blocklist."""
    if session not in session.server.state(Readers).sessions:
        return []
    change = ET.Element(f"{{{NS}}}{'block' if event.blocked else 'unblock'}")
    for user_id in event.user_ids:
        ET.SubElement(change, f"{{{NS}}}item", {"jid": await jid_of(session, user_id)})
    push = ET.Element("{jabber:client}iq", {"type": "set", "id": "push-" + secrets.token_hex(6)})
    push.set("to", str(session.jid))
    push.append(change)
    return [push]
