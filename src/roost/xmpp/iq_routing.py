"""IQs between clients: an iq to a full JID of an account here goes to that XMPP session.

A full JID names one client, not the server (RFC 6120 §10.5.4, RFC 6121 §8.5.3.1): a get
or set to `user@domain/resource` (another person's client or one of the sender's own) is
handed to that connected session as it was sent, with the `from` dispatch stamped (RFC 6120
§8.1.2.1), and that client answers; its result or error, addressed to the asker's full JID,
travels back the same way. A full JID that is not connected: a get or set gets
`service-unavailable` (RFC 6121 §8.5.3.2.3); a result or error is dropped (an answer is
never answered with an error). A block between the two (XEP-0191) stops the iq as it stops
their messages: the blocked sender gets `service-unavailable` and learns nothing, the one
who blocks gets `not-acceptable` with `<blocked/>`; an answer between them is dropped.

Sessions are this process's bound XMPP streams (`SessionHub`), over TCP or WebSocket
(RFC 7395); web sessions are no iq targets. An iq to a bare JID stays with the server,
which answers for the account (vCard, PEP, disco).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING

from roost.model.errors import Forbidden, NotFound
from roost.model.jid import Jid
from roost.xmpp.errors import StanzaError

if TYPE_CHECKING:
    from roost.xmpp.session import XmppSession


def is_client_address(session: XmppSession, to: Jid) -> bool:
    """A full JID of an account of this server: the address of one client, not of the server."""
    return to.domain == session.domain and bool(to.local) and bool(to.resource)


async def route(session: XmppSession, iq: ET.Element, to: Jid) -> None:
    """Forward an iq (already checked by dispatch) to the session bound at `to`."""
    is_request = iq.get("type") in ("get", "set")
    user_id = await _account_id(session, to.local)
    if user_id is not None and is_request:  # a block answers first: the blocked learn nothing of resources
        await session.services.blocking.lists.check_may_write(session.user_id, user_id)
    elif user_id is not None and not await _may_reach(session, user_id):
        return  # an answer between people who block each other is dropped
    target = session.server.hub.session_at(user_id, to.resource) if user_id is not None else None
    if target is not None:
        target.forward(iq)
    elif is_request:
        raise StanzaError("cancel", "service-unavailable")  # no such resource (RFC 6121 §8.5.3.2.3)
    # else dropped: an answer is never answered with an error


async def _account_id(session: XmppSession, username: str) -> int | None:
    """The id of an enabled account of this name (the sender's own without a lookup), or None."""
    if username == session.user.username:
        return session.user_id
    accounts = session.services.accounts
    user = accounts.cached(username)
    if user is None:
        try:
            user = await accounts.lookup(username)
        except NotFound:
            return None
    return None if user.is_disabled else user.id


async def _may_reach(session: XmppSession, user_id: int) -> bool:
    """Neither blocks the other (XEP-0191), the rule of their messages."""
    try:
        await session.services.blocking.lists.check_may_write(session.user_id, user_id)
    except Forbidden:
        return False
    return True
