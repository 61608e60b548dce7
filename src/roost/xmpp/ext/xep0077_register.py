"""XEP-0077: In-Band Registration. Off by default (`xmpp.registration`); a password change is always allowed.

When the admin switches it on, a client may create an account before logging in: the
account is made by the core's accounts service, with the same user id and password rules
as an admin's (`<not-acceptable/>` with the reason otherwise, `<conflict/>` for a taken
user id), at most `xmpp.registrations_per_address_hour` per address. A logged-in person
may change their password (`<username/>` their own, `<password/>` the new one). Removing an
account (`<remove/>`) is the admins' (`<not-allowed/>`).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict, deque

from roost.model.errors import BadRequest, Conflict
from roost.model.users import NewUser
from roost.xmpp.context import XmppServer
from roost.xmpp.errors import StanzaError, error_reply
from roost.xmpp.ext import Extension, IqRequest, UnboundStream

NS = "jabber:iq:register"
FEATURE_NS = "http://jabber.org/features/iq-register"
ext = Extension(name="register", xep=77, version="2.4", title="In-Band Registration", features=[NS])
HOUR = 3600.0


class Recent:
    """When accounts were registered from each address in the last hour."""

    def __init__(self) -> None:
        self.by_address: defaultdict[str, deque[float]] = defaultdict(deque)


@ext.auth_feature
def offer(server: XmppServer) -> ET.Element | None:
    return ET.Element(f"{{{FEATURE_NS}}}register") if server.limits.registration else None


@ext.before_auth(NS, "query")
async def on_register(stream: UnboundStream, iq: ET.Element) -> None:
    try:
        await _register(stream, iq)
    except StanzaError as error:
        stream.send(error_reply(iq, error))


async def _register(stream: UnboundStream, iq: ET.Element) -> None:
    if not stream.server.limits.registration or not stream.is_secure:
        raise StanzaError("cancel", "service-unavailable", "Accounts are made by the administrators.")
    query = iq[0]
    if iq.get("type") == "get":
        instructions = ET.Element(f"{{{NS}}}instructions")
        instructions.text = "Choose a user id and a password."
        form = _query(instructions)
        ET.SubElement(form, f"{{{NS}}}username")
        ET.SubElement(form, f"{{{NS}}}password")
        stream.send(_result(iq, form))
        return
    if query.find(f"{{{NS}}}remove") is not None:
        raise StanzaError("cancel", "not-allowed", "Log in first.")
    username, password = _fields(query)
    _check_rate(stream)
    try:
        await stream.server.services.accounts.create(NewUser(username=username, display_name=username), password)
    except Conflict:
        raise StanzaError("cancel", "conflict", "That user id is taken.") from None
    except BadRequest as error:
        raise StanzaError("modify", "not-acceptable", error.message) from None
    stream.server.state(Recent).by_address[stream.address].append(stream.server.services.clock.monotonic())
    stream.send(_result(iq))


def _check_rate(stream: UnboundStream) -> None:
    recent = stream.server.state(Recent).by_address[stream.address]
    now = stream.server.services.clock.monotonic()
    while recent and now - recent[0] > HOUR:
        recent.popleft()
    if len(recent) >= stream.server.limits.registrations_per_address_hour:
        raise StanzaError("wait", "resource-constraint", "Too many new accounts from your address: try later.")


@ext.iq_get(NS, "query")
async def on_get(request: IqRequest) -> None:
    username = ET.Element(f"{{{NS}}}username")
    username.text = request.user.username
    request.result(_query(ET.Element(f"{{{NS}}}registered"), username))


@ext.iq_set(NS, "query")
async def on_set(request: IqRequest) -> None:
    if request.payload.find(f"{{{NS}}}remove") is not None:
        raise StanzaError("cancel", "not-allowed", "Accounts are removed by the administrators.")
    username, password = _fields(request.payload)
    if username.lower() != request.user.username:
        raise StanzaError("modify", "bad-request", "You can only change your own password.")
    try:
        await request.services.accounts.set_password(request.user.id, password)
    except BadRequest as error:
        raise StanzaError("modify", "not-acceptable", error.message) from None
    request.result()


def _fields(query: ET.Element) -> tuple[str, str]:
    username = (query.findtext(f"{{{NS}}}username") or "").strip()
    password = query.findtext(f"{{{NS}}}password") or ""
    if not username or not password:
        raise StanzaError("modify", "not-acceptable", "Give a user id and a password.")
    return username, password


def _query(*children: ET.Element) -> ET.Element:
    query = ET.Element(f"{{{NS}}}query")
    query.extend(children)
    return query


def _result(iq: ET.Element, *children: ET.Element) -> ET.Element:
    result = ET.Element("{jabber:client}iq", {"type": "result", "id": iq.get("id", "")})
    result.extend(children)
    return result
