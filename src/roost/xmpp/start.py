"""Building the XMPP transport from settings and the core services."""

from __future__ import annotations

import ssl

from roost.config import Settings, is_loopback
from roost.core.services import Services
from roost.xmpp.context import XmppLimits, XmppServer
from roost.xmpp.ext.registry import build_registry
from roost.xmpp.listener import Listeners
from roost.xmpp.stream.binding import SERVER_END_POINT, server_end_point


def build_listeners(settings: Settings, services: Services, tls: ssl.SSLContext | None) -> Listeners:
    config = settings.xmpp
    limits = XmppLimits(
        domain=settings.domain,
        require_tls=not config.allow_plain_loopback,
        max_stanza_bytes=config.max_stanza_bytes,
        max_stanza_bytes_before_auth=config.max_stanza_bytes_before_auth,
        max_depth=config.max_depth,
        negotiation_seconds=config.negotiation_seconds,
        resources_per_user=config.resources_per_user,
        resume_seconds=config.resume_seconds,
        unacked_max=config.unacked_max,
        http_public_url=settings.public_http_url,
        external_services=tuple(config.external_services),
        turn_secret=config.turn_secret,
        turn_credential_seconds=config.turn_credential_seconds,
        registration=config.registration,
        registrations_per_address_hour=config.registrations_per_address_hour,
    )
    server = XmppServer(services, limits, build_registry(config.extensions), tls)
    server.max_unauthenticated_per_address = config.max_unauthenticated_per_address
    end_point = server_end_point(settings.cert_file) if tls is not None else None
    if end_point is not None:
        server.channel_bindings[SERVER_END_POINT] = end_point
    host = xmpp_host(settings)
    return Listeners(server, allow_plain=config.allow_plain_loopback and is_loopback(host))


def xmpp_host(settings: Settings) -> str:
    return settings.xmpp.host or settings.http.host
