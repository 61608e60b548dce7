"""XEP-0215: External Service Discovery. The STUN and TURN servers of `xmpp.external_services`, for calls.

With `xmpp.turn_secret` set (the TURN server's shared secret, coturn's `static-auth-secret`),
TURN services are `restricted` and come with temporary credentials in the style of the
TURN REST API (draft-uberti-behave-turn-rest): username `<expiry unix time>:<user id>`,
password base64(HMAC-SHA1(secret, username)), valid `xmpp.turn_credential_seconds`. They are
given with the service list and by `<credentials/>`; a service that is not configured is
`item-not-found`. Without a secret, TURN services are listed without credentials.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import xml.etree.ElementTree as ET
from datetime import timedelta

from roost.config import ExternalService
from roost.xmpp.errors import StanzaError
from roost.xmpp.ext import Extension, IqRequest
from roost.xmpp.render import stamp

NS = "urn:xmpp:extdisco:2"
ext = Extension(name="extdisco", xep=215, version="1.0.0", title="External Service Discovery", features=[NS])


@ext.iq_get(NS, "services")
async def on_services(request: IqRequest) -> None:
    wanted = request.payload.get("type")
    services = ET.Element(f"{{{NS}}}services")
    for service in request.stream.limits.external_services:
        if wanted in (None, service.type):
            services.append(_service(request, service))
    request.result(services)


@ext.iq_get(NS, "credentials")
async def on_credentials(request: IqRequest) -> None:
    asked = request.payload.find(f"{{{NS}}}service")
    if asked is None:
        raise StanzaError("modify", "bad-request", "Name the service: <service host=… type=…/>.")
    for service in request.stream.limits.external_services:
        if _is_named(service, asked):
            request.result(_with_children(ET.Element(f"{{{NS}}}credentials"), _service(request, service)))
            return
    raise StanzaError("cancel", "item-not-found", "No such service.")


def _is_named(service: ExternalService, asked: ET.Element) -> bool:
    """The <service/> of a credentials request names this one (host, and type and port if given)."""
    same_type = asked.get("type") in (None, service.type)
    return service.host == asked.get("host") and same_type and asked.get("port") in (None, str(service.port))


def _service(request: IqRequest, service: ExternalService) -> ET.Element:
    attributes = {"type": service.type, "host": service.host, "port": str(service.port), "transport": service.transport}
    if service.name:
        attributes["name"] = service.name
    limits = request.stream.limits
    if service.type.startswith("turn") and limits.turn_secret:
        expires = request.services.clock.now() + timedelta(seconds=limits.turn_credential_seconds)
        username = f"{int(expires.timestamp())}:{request.user.username}"
        digest = hmac.digest(limits.turn_secret.encode(), username.encode(), hashlib.sha1)
        attributes |= {
            "restricted": "1",
            "username": username,
            "password": base64.b64encode(digest).decode(),
            "expires": stamp(expires),
        }
    return ET.Element(f"{{{NS}}}service", attributes)


def _with_children(parent: ET.Element, *children: ET.Element) -> ET.Element:
    parent.extend(children)
    return parent
