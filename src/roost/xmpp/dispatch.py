"""Stanzas from a bound client: addresses checked and stamped, then iq, message or presence handling.

The server sets `from` on everything a client sends (RFC 6120 §8.1.2.1): a `from` that
is not the client's own full or bare JID ends the stream with <invalid-from/>. Each
stanza runs in a guard, so one bad stanza gets an error reply and the stream goes on.
An iq to a full JID of an account goes to that client (`iq_routing.py`); the server
answers the others: those to itself, its services, and accounts' bare JIDs (but for someone
who blocks the asker, XEP-0191: `service-unavailable`, or whom the asker blocks:
`not-acceptable` with `<blocked/>`).
"""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET

from roost.model.errors import BadRequest, NotFound, RoostError
from roost.model.jid import Jid
from roost.model.users import User
from roost.xmpp import im, iq_routing, presence
from roost.xmpp.errors import StanzaError, StreamError, error_reply, from_roost_error
from roost.xmpp.ext import IqRequest
from roost.xmpp.ext.xep0045_muc import extension as muc
from roost.xmpp.session import XmppSession

log = logging.getLogger(__name__)
CLIENT = "jabber:client"
STANZAS = {f"{{{CLIENT}}}iq", f"{{{CLIENT}}}message", f"{{{CLIENT}}}presence"}


async def dispatch(session: XmppSession, stanza: ET.Element) -> None:
    """Handle one top-level element of a bound stream."""
    if stanza.tag not in STANZAS:
        nonza = session.registry.nonza_handler(stanza.tag)
        if nonza is None:
            raise StreamError("unsupported-stanza-type", "Only iq, message and presence are understood here.")
        await nonza(session, stanza)
        return
    _stamp_from(session, stanza)
    try:
        to = _recipient(stanza)
        if to is not None and muc.serves(session, to):
            await muc.route(session, stanza, to)
        elif stanza.tag.endswith("}iq"):
            await _iq(session, stanza, to)
        elif stanza.tag.endswith("}message"):
            await im.on_message(session, stanza, to)
        else:
            await presence.on_presence(session, stanza, to)
    except StanzaError as error:
        _answer_error(session, stanza, error)
    except RoostError as error:
        _answer_error(session, stanza, from_roost_error(error))
    except Exception:
        log.exception("stanza handling failed")
        _answer_error(session, stanza, StanzaError("cancel", "internal-server-error"))
    session.handled()  # after its effects are committed: XEP-0198 may acknowledge it now


def _stamp_from(session: XmppSession, stanza: ET.Element) -> None:
    claimed = stanza.get("from")
    if claimed is not None:
        try:
            jid = Jid.parse(claimed)
        except BadRequest:
            raise StreamError("invalid-from") from None
        if jid not in (session.jid, session.jid.bare):
            raise StreamError("invalid-from", "You can only send as yourself.")
    stanza.set("from", str(session.jid))


def _recipient(stanza: ET.Element) -> Jid | None:
    to = stanza.get("to")
    if to is None:
        return None
    try:
        return Jid.parse(to)
    except BadRequest:
        raise StanzaError("modify", "jid-malformed") from None


def _answer_error(session: XmppSession, stanza: ET.Element, error: StanzaError) -> None:
    if stanza.get("type") == "error":
        return  # never answer an error with an error (RFC 6120 §8.3.1)
    if stanza.tag.endswith("}iq") and stanza.get("type") in ("result", "error"):
        return
    reply = error_reply(stanza, error, sender=_error_sender(session, stanza))
    reply.set("to", stanza.get("from", str(session.jid)))
    session.send(reply)


def _error_sender(session: XmppSession, stanza: ET.Element) -> str | None:
    """The server's domain when `to` is no valid JID: it answers on the domain's behalf, from a
    valid address (RFC 6120 §8.3.1, §8.3.3.8); None: the addressee, as usual."""
    to = stanza.get("to")
    if to is None:
        return None
    try:
        Jid.parse(to)
    except BadRequest:
        return session.domain
    return None


async def _iq(session: XmppSession, iq: ET.Element, to: Jid | None) -> None:
    kind = iq.get("type")
    is_answer = kind in ("result", "error")
    if not is_answer and (kind not in ("get", "set") or not iq.get("id") or len(iq) != 1):
        raise StanzaError("modify", "bad-request", "An iq get or set has an id and exactly one child.")
    if to is not None and iq_routing.is_client_address(session, to):
        await iq_routing.route(session, iq, to)  # a client's full JID: its client answers
    elif kind in ("get", "set"):
        await _answer_here(session, iq, to, kind)
    else:
        session.answered(iq)  # an answer to one of the server's own requests


async def _answer_here(session: XmppSession, iq: ET.Element, to: Jid | None, kind: str) -> None:
    """A get or set to the server, a service or an account's bare JID: the server's handlers answer."""
    if to is not None and not _is_answered_here(session, to, kind, iq[0].tag):
        raise StanzaError("cancel", "service-unavailable")
    if to is not None:
        await _check_not_blocked(session, to)
    handler = session.server.registry.iq_handler(kind, iq[0].tag)
    if handler is None:
        raise StanzaError("cancel", "service-unavailable")
    await handler(IqRequest(session, iq, iq[0]))


def _is_answered_here(session: XmppSession, to: Jid, kind: str, tag: str) -> bool:
    """The server's own address, the user's, an extension's service, or any account for some requests."""
    registry = session.registry
    if _is_own(session, to) or registry.service(to, session.domain) is not None:
        return True
    is_account = to.domain == session.domain and bool(to.local) and not to.resource
    return is_account and registry.answers_for_accounts(kind, tag)


async def _check_not_blocked(session: XmppSession, to: Jid) -> None:
    """Another account's bare JID, and one of the two blocks the other: the server answers
    nothing for them (their vCard, PEP items, disco#info), as they would not themselves. As
    for messages (XEP-0191 §3.5, §3.6): the blocked get `service-unavailable` and learn
    nothing; the one who blocks gets `not-acceptable` with `<blocked/>`."""
    if to.domain != session.domain or not to.local or to.resource or _is_own(session, to):
        return
    lists = session.services.blocking.lists
    if not await lists.hidden_from(session.user_id):
        return  # the common case: no block either way, no lookup
    user = session.services.accounts.cached(to.local) or await _lookup(session, to.local)
    if user is None:
        return
    await lists.check_may_reach(session.user_id, user.id)


async def _lookup(session: XmppSession, username: str) -> User | None:
    try:
        return await session.services.accounts.lookup(username)
    except (NotFound, BadRequest):
        return None


def _is_own(session: XmppSession, to: Jid) -> bool:
    """Addressed to the server itself or to the user's own bare JID (handled by the server)."""
    domain = session.server.limits.domain
    return to.domain == domain and not to.resource and (not to.local or to.local == session.user.username)
