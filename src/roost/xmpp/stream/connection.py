"""One client-to-server XMPP connection (RFC 6120): stream, STARTTLS, SASL, bind, then stanzas.

Negotiation (from accept to a bound resource) must finish within
`negotiation_seconds`; before authentication a stanza may be at most
`max_stanza_bytes_before_auth`. Every stanza after binding runs inside a guard: a core
error becomes a stanza error, a bug becomes <internal-server-error/>, and the stream
stays up. XML errors and policy violations end only this connection, with the stream
error RFC 6120 names.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import xml.etree.ElementTree as ET

from roost.model.errors import BadRequest, RateLimited
from roost.model.jid import enforce_resource
from roost.model.presence import WEB_RESOURCE
from roost.model.users import User
from roost.xmpp.context import XmppServer
from roost.xmpp.dispatch import dispatch
from roost.xmpp.errors import StanzaError, StreamError, error_reply
from roost.xmpp.session import XmppSession
from roost.xmpp.stream import sasl
from roost.xmpp.stream.parser import StreamClosed, StreamOpened, StreamParser, XmlStreamError
from roost.xmpp.stream.transport import TcpTransport, Transport

log = logging.getLogger(__name__)

TLS_NS = "urn:ietf:params:xml:ns:xmpp-tls"
SASL_NS = "urn:ietf:params:xml:ns:xmpp-sasl"
BIND_NS = "urn:ietf:params:xml:ns:xmpp-bind"
SESSION_NS = "urn:ietf:params:xml:ns:xmpp-session"
SASL_CB_NS = "urn:xmpp:sasl-cb:0"


class Connection:
    """Reads, negotiates and serves one client stream."""

    def __init__(self, transport: Transport, server: XmppServer, *, plain_allowed: bool) -> None:
        self.transport = transport
        self.server = server
        self.plain_allowed = plain_allowed  # a plain stream may authenticate (loopback, configured)
        self.address = transport.address
        self.header_sent = False
        self.closing = False
        self.stream_ended = False  # the client closed the stream (a clean end: no resumption)
        self.user: User | None = None
        self.session: XmppSession | None = None
        self.counted = False  # holds a slot among its address's unauthenticated connections
        self._background: set[asyncio.Task[None]] = set()

    # -- output ---------------------------------------------------------------------------

    def send(self, element: ET.Element) -> None:
        if not self.closing:
            self.transport.send(element)

    @property
    def is_secure(self) -> bool:
        return self.transport.secure

    def _open_stream(self, lang: str = "en") -> None:
        self.transport.open_stream(domain=self.server.limits.domain, stream_id=secrets.token_hex(8), lang=lang)
        self.header_sent = True

    def _features(self, *children: ET.Element) -> None:
        self.transport.features(list(children))

    async def close_stream(self, condition: str, text: str = "") -> None:
        """Send a stream error and close (used by the core to end a session, too)."""
        if self.closing:
            return
        if not self.header_sent:
            self._open_stream()
        self.transport.end_stream((condition, text))
        self.closing = True
        await self.transport.close()

    # -- input ----------------------------------------------------------------------------

    async def _stanza(self) -> ET.Element:
        event = await self.transport.next_event()
        if isinstance(event, StreamClosed):
            self.stream_ended = True
            raise ConnectionResetError("client closed the stream")
        if isinstance(event, StreamOpened):
            raise StreamError("invalid-xml", "The stream was opened twice.")
        return event.element

    async def _await_stream_open(self) -> None:
        self.transport.restart()
        event = await self.transport.next_event()
        if not isinstance(event, StreamOpened):
            raise StreamError("invalid-xml")
        self._open_stream(event.attrs.get("{http://www.w3.org/XML/1998/namespace}lang", "en")[:35] or "en")
        if event.attrs.get("to", "").lower() != self.server.limits.domain:
            raise StreamError("host-unknown", f"This server serves {self.server.limits.domain}.")
        if event.attrs.get("version", "") < "1.0":
            raise StreamError("unsupported-version")

    # -- the connection's life ------------------------------------------------------------

    async def run(self) -> None:
        try:
            try:
                await asyncio.wait_for(self._negotiate(), self.server.limits.negotiation_seconds)
            except TimeoutError:
                raise StreamError("connection-timeout", "Negotiation took too long.") from None
            await self._serve()
        except XmlStreamError as error:
            await self.close_stream(error.condition, error.text)
        except StreamError as error:
            await self.close_stream(error.condition, error.text)
        except (ConnectionError, asyncio.IncompleteReadError, OSError):
            pass
        finally:
            await self._cleanup()

    async def _negotiate(self) -> None:
        await self._await_stream_open()
        if not self.transport.secure and not self.plain_allowed:
            await self._starttls()
        await self._authenticate()
        await self._await_stream_open()
        self._features(
            ET.Element(f"{{{BIND_NS}}}bind"),
            _with(ET.Element(f"{{{SESSION_NS}}}session"), ET.Element(f"{{{SESSION_NS}}}optional")),
            *self.server.registry.stream_features(self.server),
        )
        await self._bind()

    async def _starttls(self) -> None:
        if not isinstance(self.transport, TcpTransport):  # WebSocket: TLS is the HTTP listener's
            raise StreamError("policy-violation", "This connection is not encrypted: use wss://.")
        if self.server.tls is None:
            raise StreamError("policy-violation", "TLS is required but not configured.")
        self._features(_with(ET.Element(f"{{{TLS_NS}}}starttls"), ET.Element(f"{{{TLS_NS}}}required")))
        stanza = await self._stanza()
        if stanza.tag != f"{{{TLS_NS}}}starttls":
            raise StreamError("policy-violation", "Use STARTTLS first.")
        self.transport.send(ET.Element(f"{{{TLS_NS}}}proceed"))
        await self.transport.start_tls(self.server.tls, handshake_seconds=self.server.limits.negotiation_seconds)
        await self._await_stream_open()

    async def _authenticate(self) -> None:
        plain = self.transport.secure or self.plain_allowed
        bindings = self.server.channel_bindings if self.transport.has_own_tls else {}
        offered = [*(sasl.PLUS_MECHANISMS if bindings else ()), *sasl.MECHANISMS]
        mechanisms = ET.Element(f"{{{SASL_NS}}}mechanisms")
        for name in offered:
            if name != "PLAIN" or plain:
                ET.SubElement(mechanisms, f"{{{SASL_NS}}}mechanism").text = name
        self._features(mechanisms, *_binding_types(bindings), *self.server.registry.auth_features(self.server))
        while self.user is None:
            self.user = await self._sasl_exchange(plain, bindings)
        self.server.hub.remember(self.user)
        self.transport.parser.max_stanza_bytes = self.server.limits.max_stanza_bytes

    async def _sasl_exchange(self, plain: bool, bindings: dict[str, bytes]) -> User | None:
        stanza = await self._stanza()
        instead = self.server.registry.before_auth_handler(stanza[0].tag) if _is_iq(stanza) else None
        if instead is not None:  # e.g. XEP-0077 registration
            await instead(self, stanza)
            return None
        if stanza.tag != f"{{{SASL_NS}}}auth":
            raise StreamError("not-authorized", "Authenticate first.")
        try:
            mechanism = sasl.create(
                stanza.get("mechanism", ""),
                self.server.services.sasl,
                self.address,
                plain_allowed=plain,
                bindings=bindings,
            )
            data = sasl.decode(stanza.text)
            while True:
                outcome = await mechanism.step(data)
                if isinstance(outcome, sasl.Done):
                    self._sasl_reply("success", outcome.additional)
                    return outcome.user
                self._sasl_reply("challenge", outcome)
                response = await self._stanza()
                if response.tag == f"{{{SASL_NS}}}abort":
                    raise sasl.SaslFailure("aborted")
                if response.tag != f"{{{SASL_NS}}}response":
                    raise sasl.SaslFailure("malformed-request")
                data = sasl.decode(response.text)
        except sasl.SaslFailure as failure:
            self._sasl_failure(failure.condition, failure.text)
        except RateLimited as limited:
            self._sasl_failure("temporary-auth-failure", f"Too many failed attempts: wait {limited.retry_after:.0f} s.")
        return None

    def _sasl_reply(self, kind: str, data: bytes) -> None:
        element = ET.Element(f"{{{SASL_NS}}}{kind}")
        element.text = sasl.encode(data) if data else None
        self.transport.send(element)

    def _sasl_failure(self, condition: str, text: str = "") -> None:
        failure = _with(ET.Element(f"{{{SASL_NS}}}failure"), ET.Element(f"{{{SASL_NS}}}{condition}"))
        if text:
            ET.SubElement(failure, f"{{{SASL_NS}}}text").text = text
        self.transport.send(failure)

    async def _bind(self) -> None:
        while self.session is None:
            stanza = await self._stanza()
            instead = self.server.registry.before_bind_handler(stanza.tag)
            if instead is not None:  # e.g. XEP-0198 <resume/>: take over a detached session
                self.session = await instead(self, stanza)
                if self.session is not None:
                    self._release_unauthenticated()
                continue
            bind = stanza.find(f"{{{BIND_NS}}}bind")
            if stanza.tag != "{jabber:client}iq" or stanza.get("type") != "set" or bind is None:
                raise StreamError("not-authorized", "Bind a resource first.")
            self.session = self._bound_session(stanza, bind.findtext(f"{{{BIND_NS}}}resource") or "")

    def _bound_session(self, iq: ET.Element, wanted: str) -> XmppSession | None:
        assert self.user is not None
        hub = self.server.hub
        resource = wanted.strip()
        if not resource or resource == WEB_RESOURCE:  # the web sessions' resource is the server's to name
            resource = "roost-" + secrets.token_hex(6)
        try:
            resource = enforce_resource(resource)  # RFC 7622 §3.4: the canonical form is the one bound
        except BadRequest:
            self._iq_error(iq, "modify", "bad-request", "That resource is not a valid resourcepart.")
            return None
        if len(hub.resources_of(self.user.id)) >= self.server.limits.resources_per_user:
            self._iq_error(iq, "cancel", "resource-constraint", "Too many connected resources.")
            return None
        session = XmppSession(self, self.server, self.user, resource)
        displaced = hub.bind(session)
        if displaced is not None:  # the newer login wins the resource (RFC 6120 §7.7.2.2)
            task = asyncio.create_task(displaced.end_stream("conflict", "Replaced by a new connection."))
            self._background.add(task)
            task.add_done_callback(self._background.discard)
        result = ET.Element("{jabber:client}iq", {"type": "result", "id": iq.get("id", "")})
        bind = ET.SubElement(result, f"{{{BIND_NS}}}bind")
        ET.SubElement(bind, f"{{{BIND_NS}}}jid").text = str(session.jid)
        self.send(result)
        self.server.services.router.register(session)
        self._release_unauthenticated()
        return session

    def _iq_error(self, iq: ET.Element, kind: str, condition: str, text: str) -> None:
        self.send(error_reply(iq, StanzaError(kind, condition, text)))

    async def _serve(self) -> None:
        session = self.session
        assert session is not None
        while True:
            stanza = await self._stanza()
            async with session.lock:
                if session.sink is not self:
                    return  # another connection resumed the session
                await dispatch(session, stanza)

    # -- bookkeeping ----------------------------------------------------------------------

    def count_unauthenticated(self) -> bool:
        """Take a slot among the address's unauthenticated connections; False when none is left."""
        counts = self.server.unauthenticated
        if counts.get(self.address, 0) >= self.server.max_unauthenticated_per_address:
            return False
        counts[self.address] = counts.get(self.address, 0) + 1
        self.counted = True
        return True

    def _release_unauthenticated(self) -> None:
        if self.counted:
            self.counted = False
            counts = self.server.unauthenticated
            counts[self.address] -= 1
            if counts[self.address] <= 0:
                del counts[self.address]

    async def _cleanup(self) -> None:
        self._release_unauthenticated()
        session = self.session
        if session is not None and session.sink is self:
            await session.connection_lost(resumable=not (self.closing or self.stream_ended))
        if self.stream_ended and not self.closing:  # answer the client's end of the stream
            self.transport.end_stream()
        self.closing = True
        await self.transport.close()


def new_parser(server: XmppServer) -> StreamParser:
    """A parser with the limits of a connection that has not authenticated yet."""
    limits = server.limits
    return StreamParser(max_stanza_bytes=limits.max_stanza_bytes_before_auth, max_depth=limits.max_depth)


def _is_iq(stanza: ET.Element) -> bool:
    return stanza.tag == "{jabber:client}iq" and stanza.get("type") in ("get", "set") and len(stanza) == 1


def _binding_types(bindings: dict[str, bytes]) -> list[ET.Element]:
    """XEP-0440: the channel-binding types -PLUS may use on this connection."""
    if not bindings:
        return []
    offered = ET.Element(f"{{{SASL_CB_NS}}}sasl-channel-binding")
    for kind in bindings:
        ET.SubElement(offered, f"{{{SASL_CB_NS}}}channel-binding", {"type": kind})
    return [offered]


def _with(parent: ET.Element, *children: ET.Element) -> ET.Element:
    parent.extend(children)
    return parent
