"""XMPP over WebSocket (RFC 7395) at /xmpp-websocket on the HTTP listener.

The stream is negotiated and served by the same `Connection` as TCP; this module is only
the framing. Each WebSocket text message holds one complete element: `<open/>` and
`<close/>` in `urn:ietf:params:xml:ns:xmpp-framing` instead of the stream's start and end
tags, then one stanza (or SASL element, or stream error) per message. Incoming messages go
through the same `StreamParser` as TCP (restricted XML, size and depth limits), fed after a
stream header of its own, so a message that is not exactly one element is `not-well-formed`.

Login needs a secure connection: HTTPS (wss), a client on loopback (the plain-HTTP quick
start), or `http.behind_proxy` (the admin says a TLS-terminating proxy is in front).
Browsers must come from the server's own origin or one in `http.allowed_origins`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import xml.etree.ElementTree as ET

from starlette.websockets import WebSocket

from roost.config import Settings, is_loopback
from roost.xmpp.context import XmppServer
from roost.xmpp.errors import stream_error_bytes
from roost.xmpp.listener import serve_connection
from roost.xmpp.stream.connection import Connection, new_parser
from roost.xmpp.stream.parser import (
    StanzaReceived,
    StreamClosed,
    StreamEvent,
    StreamOpened,
    StreamParser,
    XmlStreamError,
)
from roost.xmpp.xml import CLIENT_NS, STREAM_NS, escape_attr, serialize

log = logging.getLogger(__name__)
PATH = "/xmpp-websocket"
SUBPROTOCOL = "xmpp"
FRAMING_NS = "urn:ietf:params:xml:ns:xmpp-framing"
# What the parser is fed before the messages: they are then the children of one stream.
_INNER_HEADER = f"<stream:stream xmlns='{CLIENT_NS}' xmlns:stream='{STREAM_NS}'>".encode()
_CLOSE = f"<close xmlns='{FRAMING_NS}'/>"
_ONE_ELEMENT = "Each WebSocket message holds exactly one complete XML element (RFC 7395)."
CLOSE_POLICY = 1008


class WebSocketTransport:
    """One RFC 7395 connection: messages in, messages out through a bounded queue."""

    def __init__(self, websocket: WebSocket, parser: StreamParser, *, secure: bool, write_buffer_max: int) -> None:
        self.websocket = websocket
        self.parser = parser
        self.secure = secure
        self.write_buffer_max = write_buffer_max
        client = websocket.client
        self.address = client.host if client else "unknown"
        self._outbox: asyncio.Queue[str | None] = asyncio.Queue()
        self._queued = 0
        self._closing = False
        self._sender = asyncio.create_task(self._send_queued(), name="xmpp-websocket-send")

    @property
    def is_closing(self) -> bool:
        return self._closing

    @property
    def has_own_tls(self) -> bool:
        return False  # uvicorn holds the TLS connection: no channel binding over WebSocket

    # -- input ----------------------------------------------------------------------------

    async def next_event(self) -> StreamEvent:
        message = await self.websocket.receive()
        if message["type"] == "websocket.disconnect":
            raise ConnectionResetError("client closed the WebSocket")
        text = message.get("text")
        if text is None:
            raise XmlStreamError("bad-format", "XMPP over WebSocket uses text messages (RFC 7395).")
        events = self.parser.feed(text.encode())
        if len(events) != 1 or not self.parser.is_between_stanzas or not isinstance(events[0], StanzaReceived):
            raise XmlStreamError("not-well-formed", _ONE_ELEMENT)
        return _unframed(events[0])

    def restart(self) -> None:
        self.parser.reset()
        self.parser.feed(_INNER_HEADER)

    # -- output ---------------------------------------------------------------------------

    def _write(self, text: str) -> None:
        if self._closing:
            return
        self._queued += len(text)
        self._outbox.put_nowait(text)
        if self._queued > self.write_buffer_max:
            log.warning("xmpp websocket client does not read; closing address=%s", self.address)
            self._closing = True
            self._sender.cancel()

    def open_stream(self, *, domain: str, stream_id: str, lang: str) -> None:
        attrs = {"from": domain, "id": stream_id, "version": "1.0", "xml:lang": lang}
        written = "".join(f" {name}='{escape_attr(value)}'" for name, value in attrs.items())
        self._write(f"<open xmlns='{FRAMING_NS}'{written}/>")

    def features(self, children: list[ET.Element]) -> None:
        body = b"".join(serialize(child, parent_namespace=STREAM_NS) for child in children)
        self._write(f"<stream:features xmlns:stream='{STREAM_NS}'>{body.decode()}</stream:features>")

    def send(self, element: ET.Element) -> None:
        self._write(serialize(element, parent_namespace="").decode())  # each message declares its namespace

    def end_stream(self, error: tuple[str, str] | None = None) -> None:
        if error is not None:
            self._write(stream_error_bytes(*error, declare_prefix=True).decode())
        self._write(_CLOSE)
        self._closing = True

    async def _send_queued(self) -> None:
        try:
            while (text := await self._outbox.get()) is not None:
                self._queued -= len(text)
                await self.websocket.send_text(text)
        except asyncio.CancelledError:
            raise
        except Exception:  # the client went away mid-send: reading notices it too
            log.debug("xmpp websocket send failed", exc_info=True)

    async def close(self) -> None:
        """Send what is queued (at most 2 s), then close the WebSocket."""
        self._closing = True
        self._outbox.put_nowait(None)
        with contextlib.suppress(TimeoutError, asyncio.CancelledError):
            await asyncio.wait_for(asyncio.shield(self._sender), 2)
        self._sender.cancel()
        with contextlib.suppress(Exception):  # already closed by the client
            await self.websocket.close(1000)


def _unframed(event: StanzaReceived) -> StreamEvent:
    """`<open/>` and `<close/>` as the stream events a TCP stream's start and end tags give."""
    element = event.element
    if element.tag == f"{{{FRAMING_NS}}}open":
        return StreamOpened(attrs=dict(element.attrib), namespace=CLIENT_NS)
    if element.tag == f"{{{FRAMING_NS}}}close":
        return StreamClosed()
    return event


def is_secure(websocket: WebSocket, settings: Settings) -> bool:
    """wss, a declared TLS-terminating proxy, or a client on this machine (the quick start)."""
    if websocket.url.scheme == "wss" or settings.http.behind_proxy:
        return True
    client = websocket.client
    return client is not None and is_loopback(client.host)


def origin_allowed(websocket: WebSocket, settings: Settings) -> bool:
    """Native clients send no Origin; a browser page must be this server's or one the admin lists."""
    origin = websocket.headers.get("origin")
    if origin is None:
        return True
    host = websocket.headers.get("host", "")
    own = {f"https://{host}", f"http://{host}", settings.public_http_url}
    return origin in own or origin in settings.http.allowed_origins


class XmppWebSocketEndpoint:
    """The ASGI WebSocket handler; it shares the XMPP server (sessions, limits) with the TCP listeners."""

    def __init__(self, server: XmppServer, settings: Settings) -> None:
        self.server = server
        self.settings = settings

    async def handle(self, websocket: WebSocket) -> None:
        if SUBPROTOCOL not in websocket.scope.get("subprotocols", []):
            await websocket.close(CLOSE_POLICY, "Use the 'xmpp' subprotocol (RFC 7395).")
            return
        if not origin_allowed(websocket, self.settings):
            await websocket.close(CLOSE_POLICY, "This page's origin may not connect.")
            return
        await websocket.accept(subprotocol=SUBPROTOCOL)
        transport = WebSocketTransport(
            websocket,
            new_parser(self.server),
            secure=is_secure(websocket, self.settings),
            write_buffer_max=self.server.limits.write_buffer_max,
        )
        await serve_connection(Connection(transport, self.server, plain_allowed=False))
