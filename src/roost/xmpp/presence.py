"""RFC 6121 presence from a bound client: broadcast, directed presence, probes and subscriptions.

- Available presence without `to` sets this resource's presence (show, status, priority);
  the first one (initial presence) brings every visible resource's presence, the user's
  other resources included, and the subscription requests waiting for an answer (§3.1.3).
- Presence to a person (full or bare JID) is directed presence (§4.6): it reaches them even
  without a subscription, and they get `unavailable` when this resource goes unavailable.
- `subscribe`, `subscribed`, `unsubscribe`, `unsubscribed` go to the core's subscription
  rules (`core/directory/roster.py`); to an address that is no account here, a `subscribe`
  is answered `unsubscribed` for it (§8.5.1) and the others are dropped.
- A probe (§4.3) from a client is answered with the contact's resources, or `unavailable`,
  when the user may see them; otherwise (not visible, or either blocks the other, XEP-0191)
  with nothing.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING

from roost.model.directory import SubscriptionKind
from roost.model.errors import NotFound
from roost.model.jid import Jid
from roost.model.presence import Presence, ResourcePresence, Show
from roost.model.users import User
from roost.xmpp.errors import StanzaError
from roost.xmpp.render import delay, presence_stanza

if TYPE_CHECKING:
    from roost.xmpp.session import XmppSession

CLIENT = "jabber:client"
SHOWS = {"away": Show.AWAY, "chat": Show.CHAT, "dnd": Show.DND, "xa": Show.XA}
STATUS_MAX = 500
SUBSCRIPTIONS = {kind.value for kind in SubscriptionKind}


async def on_presence(session: XmppSession, stanza: ET.Element, to: Jid | None) -> None:
    kind = stanza.get("type")
    if kind == "error":
        return
    if to is not None:
        await _addressed(session, stanza, to, kind)
    elif kind == "unavailable":
        session.available = False
        session.end_directed()
        await session.services.presence.session_ended(session)
    elif kind is None:
        await _available(session, stanza)


async def _available(session: XmppSession, stanza: ET.Element) -> None:
    show, status, priority = _parse(stanza)
    first = not session.available
    session.available = True
    if first:
        session.available_since = session.server.hub.moment()
    session.priority = priority
    await session.services.presence.set(session, show, status, resource=session.resource, priority=priority)
    for presence_hook in session.registry.presence_hooks:
        await presence_hook(session, stanza)
    if first:
        await _send_online_contacts(session)
        for asker in await session.services.roster.requests(session.user):
            session.send(await _subscription_stanza(session, asker, SubscriptionKind.SUBSCRIBE))
        for hook in session.registry.available_hooks:
            await hook(session)


def _parse(stanza: ET.Element) -> tuple[Show, str, int]:
    show = SHOWS.get(stanza.findtext(f"{{{CLIENT}}}show") or "", Show.AVAILABLE)
    status = (stanza.findtext(f"{{{CLIENT}}}status") or "")[:STATUS_MAX]
    try:
        priority = int(stanza.findtext(f"{{{CLIENT}}}priority") or "0")
    except ValueError:
        raise StanzaError("modify", "bad-request", "A priority is a number from -128 to 127.") from None
    if not -128 <= priority <= 127:
        raise StanzaError("modify", "bad-request", "A priority is a number from -128 to 127.")
    return show, status, priority


async def _send_online_contacts(session: XmppSession) -> None:
    """Answer the initial presence with every resource online this user may see (RFC 6121 §4.2.2)."""
    for presence in await session.services.presence.visible_resources(session.user_id):
        if (presence.user_id, presence.resource) != (session.user_id, session.resource):
            session.send(await presence_stanza(presence, session))


async def _addressed(session: XmppSession, stanza: ET.Element, to: Jid, kind: str | None) -> None:
    if to.domain != session.domain:
        if kind in SUBSCRIPTIONS:
            raise StanzaError("cancel", "remote-server-not-found")
        return
    if not to.local:
        return  # presence to the server itself
    if kind in SUBSCRIPTIONS:
        await _subscription(session, to, SubscriptionKind(kind))
    elif kind == "probe":
        await _probe(session, to)
    elif kind in (None, "unavailable"):
        await _directed(session, stanza, to, available=kind is None)


async def _subscription(session: XmppSession, to: Jid, kind: SubscriptionKind) -> None:
    try:
        await session.services.roster.send(session.user, to.local, kind)
    except NotFound:
        if kind is SubscriptionKind.SUBSCRIBE:  # no such account: refused on its behalf (§8.5.1)
            answer = ET.Element(f"{{{CLIENT}}}presence", {"type": "unsubscribed", "from": str(to.bare)})
            answer.set("to", str(session.jid))
            session.send(answer)


async def _probe(session: XmppSession, to: Jid) -> None:
    other = await _account(session, to)
    if other is None:
        return
    visible = await session.services.directory.visible_to(session.user_id)
    if visible is not None and other.id not in visible:
        return  # not subscribed: nothing to reveal (§4.3.2)
    if other.id in await session.services.blocking.lists.hidden_from(session.user_id):
        return  # one blocks the other (XEP-0191): as for a broadcast, nothing
    resources = session.services.presence.resources(other.id)
    for presence in resources:
        session.send(await presence_stanza(presence, session))
    if not resources:
        seen = (await session.services.accounts.get(other.id)).last_seen_at  # fresh, not the lookup cache's
        stanza = await presence_stanza(Presence(other.id, Show.UNAVAILABLE, ""), session)
        session.send(delay(stanza, seen, session.domain) if seen else stanza)


async def _directed(session: XmppSession, stanza: ET.Element, to: Jid, *, available: bool) -> None:
    other = await _account(session, to)
    if other is None:
        return
    target = (other.id, to.resource or None)
    if available:
        show, status, priority = _parse(stanza)
        presence = ResourcePresence(session.user_id, session.resource, show, status, priority)
        session.directed.add(target)
    else:
        presence = ResourcePresence(session.user_id, session.resource, Show.UNAVAILABLE, "")
        session.directed.discard(target)
    session.services.presence.direct(presence, *target)


async def _account(session: XmppSession, to: Jid) -> User | None:
    try:
        user = await session.services.accounts.lookup(to.local)
    except NotFound:
        return None
    return None if user.is_disabled else user


async def _subscription_stanza(session: XmppSession, contact: str, kind: SubscriptionKind) -> ET.Element:
    sender = contact if "@" in contact else f"{contact}@{session.domain}"
    return ET.Element(f"{{{CLIENT}}}presence", {"type": kind.value, "from": sender, "to": str(session.jid)})
