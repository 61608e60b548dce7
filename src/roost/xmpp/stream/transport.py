"""What carries an XML stream: TCP (RFC 6120) here, WebSocket (RFC 7395) in `xmpp/websocket.py`.

The connection (`stream/connection.py`) negotiates and serves a stream the same way on
both; a transport only turns bytes or messages into stream events (through the one
`StreamParser`, with its limits) and writes the stream's parts in its own framing: the
stream header, features, stanzas, a stream error and the end of the stream.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
import xml.etree.ElementTree as ET
from collections import deque
from collections.abc import Callable
from typing import Protocol, cast

from roost.xmpp.errors import StreamError, stream_error_bytes
from roost.xmpp.stream.parser import StreamEvent, StreamParser, XmlStreamError
from roost.xmpp.xml import STREAM_CLOSE, STREAM_NS, serialize, stream_header

log = logging.getLogger(__name__)
PENDING_MAX = 256  # parsed events not yet taken by the connection's task: then the socket waits


class Transport(Protocol):
    """One client connection under an XML stream."""

    @property
    def address(self) -> str: ...
    @property
    def secure(self) -> bool:
        """TLS protects the connection (or a TLS-terminating proxy the admin declared)."""
        ...

    @property
    def parser(self) -> StreamParser: ...
    @property
    def is_closing(self) -> bool: ...
    async def next_event(self) -> StreamEvent: ...
    def restart(self) -> None:
        """A new stream begins (after STARTTLS or SASL): drop parser state and unread events."""

    def open_stream(self, *, domain: str, stream_id: str, lang: str) -> None: ...
    def features(self, children: list[ET.Element]) -> None: ...
    def send(self, element: ET.Element) -> None: ...
    def end_stream(self, error: tuple[str, str] | None = None) -> None:
        """Write a stream error (condition, text), if any, then the end of the stream."""

    async def close(self) -> None:
        """Flush what is queued (bounded in time) and close the connection."""

    @property
    def has_own_tls(self) -> bool:
        """This server's TLS is under the stream (so its certificate can bind SCRAM -PLUS)."""
        ...


class TcpTransport(asyncio.Protocol):
    """A TCP connection: the stream is one XML document over the socket; STARTTLS upgrades it.

    The socket's bytes go straight into the stream parser as they arrive (no StreamReader
    between); the connection's task takes the parsed events in order. Past `PENDING_MAX`
    events not yet taken, the socket is not read until the task catches up. `on_ready`
    gets the transport once the connection is up (after the handshake of direct TLS):
    the listener starts the connection's task there.
    """

    def __init__(
        self,
        parser: StreamParser,
        *,
        secure: bool,
        write_buffer_max: int,
        on_ready: Callable[[TcpTransport], None],
    ) -> None:
        self.parser = parser
        self.secure = secure
        self.write_buffer_max = write_buffer_max
        self.address = "unknown"
        self._on_ready = on_ready
        self._socket: asyncio.Transport | None = None
        self._pending: deque[StreamEvent] = deque()
        self._failed: XmlStreamError | None = None  # the input broke the XML rules: raised in turn
        self._ended = False  # the client closed its side, or the connection is gone
        self._waiter: asyncio.Future[None] | None = None  # the task waits for an event
        self._reading_paused = False
        self._writing_paused = False
        self._drained: asyncio.Future[None] | None = None
        self._lost: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._closing = False
        self._aborted = False
        self._unsent: list[bytes] = []  # written this turn of the event loop: one send at its end
        self._fresh_parser = True  # nothing restarted it yet (see `restart`)
        self._client_done = False  # the client ended its side: nothing more will come

    # -- asyncio.Protocol: the socket's side --------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._socket = cast(asyncio.Transport, transport)  # uvloop's transports do not subclass asyncio's
        peer = self._socket.get_extra_info("peername")
        self.address = str(peer[0]) if peer else "unknown"
        self._on_ready(self)

    def data_received(self, data: bytes) -> None:
        if self._failed is not None or self._closing:
            return  # the stream ends (with that error): later input is read and dropped
        try:
            self._pending.extend(self.parser.feed(data))
        except XmlStreamError as error:
            self._failed = error
        if len(self._pending) >= PENDING_MAX and not self._reading_paused and self._socket is not None:
            self._reading_paused = True
            self._socket.pause_reading()
        self._wake()

    def eof_received(self) -> bool:
        self._ended = self._client_done = True
        self._wake()
        # Keep our side open to answer the end of the stream (not over TLS), unless we are closing.
        return not self._closing and not self.has_own_tls

    def connection_lost(self, exc: Exception | None) -> None:
        self._ended = True
        if not self._lost.done():
            self._lost.set_result(None)
        self._wake()
        self.resume_writing()

    def pause_writing(self) -> None:
        self._writing_paused = True

    def resume_writing(self) -> None:
        self._writing_paused = False
        if self._drained is not None and not self._drained.done():
            self._drained.set_result(None)

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    # -- the stream's side --------------------------------------------------------------

    @property
    def is_closing(self) -> bool:
        return self._closing or self._aborted or self._socket is None or self._socket.is_closing()

    async def next_event(self) -> StreamEvent:
        while not self._pending:
            if self._failed is not None:
                raise self._failed
            if self._ended:
                raise ConnectionResetError("client closed the connection")
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        event = self._pending.popleft()
        if self._reading_paused and len(self._pending) <= PENDING_MAX // 2 and self._socket is not None:
            self._reading_paused = False
            self._socket.resume_reading()
        return event

    def restart(self) -> None:
        # The parser reads as bytes arrive, so it may hold the start of the stream that
        # this restart waits for: a new parser (the first stream's, or the one set up for
        # TLS in `start_tls`) is kept as it is.
        if self._fresh_parser:
            self._fresh_parser = False
            return
        self.parser.reset()
        self._pending.clear()

    def write(self, data: bytes) -> None:
        """Queue bytes; what this turn of the event loop writes leaves in one send, at its end.

        A room's message reaches each occupant's connection in the turn that stored it, and
        so do the other messages stored by the same commit: one system call each, not one
        per stanza."""
        if self._closing or self._aborted:  # a closed socket is left to the flush
            return
        if not self._unsent:
            asyncio.get_running_loop().call_soon(self.flush)
        self._unsent.append(data)

    def flush(self) -> None:
        """Hand what is queued to the socket (closing a client that does not read)."""
        if not self._unsent:
            return
        data = self._unsent[0] if len(self._unsent) == 1 else b"".join(self._unsent)
        self._unsent.clear()
        transport = self._socket
        if self._aborted or transport is None or transport.is_closing():
            return
        transport.write(data)
        if transport.get_write_buffer_size() > self.write_buffer_max:
            log.warning("xmpp client does not read; closing address=%s", self.address)
            self._aborted = True
            transport.abort()

    def open_stream(self, *, domain: str, stream_id: str, lang: str) -> None:
        self.write(stream_header(from_=domain, id_=stream_id, to=None, lang=lang))

    def features(self, children: list[ET.Element]) -> None:
        body = b"".join(serialize(child, parent_namespace=STREAM_NS) for child in children)
        self.write(b"<stream:features>" + body + b"</stream:features>")

    def send(self, element: ET.Element) -> None:
        self.write(serialize(element))

    def end_stream(self, error: tuple[str, str] | None = None) -> None:
        self.write((stream_error_bytes(*error) if error else b"") + STREAM_CLOSE)
        self._closing = True

    async def close(self) -> None:
        """Flush, then end our side and read (dropping it) until the client closes too, for at most
        2 s: closing a socket that still has unread input would reset the connection, and the
        client could lose the stream error it has not read yet."""
        self._closing = True
        self.flush()
        socket = self._socket
        if socket is None:
            return
        if self._writing_paused and not socket.is_closing():  # let what is queued go, for a while
            self._drained = asyncio.get_running_loop().create_future()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(self._drained), 2)
        if not self._client_done and socket.can_write_eof() and not socket.is_closing():
            socket.write_eof()  # after what is queued; reading goes on
            if self._reading_paused:
                socket.resume_reading()
        else:
            socket.close()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(self._lost), 2)
        if not self._lost.done():
            socket.abort()

    async def start_tls(self, context: ssl.SSLContext, *, handshake_seconds: float) -> None:
        """Upgrade to TLS after <proceed/>; nothing the client sent in the clear may remain."""
        socket = self._socket
        assert socket is not None
        self.flush()  # <proceed/>
        # Bytes sent in the clear after <starttls/> must not count as sent under TLS (CVE-2011-0411).
        if self._pending or self.parser.has_unfinished_input or self._failed is not None:
            raise StreamError("policy-violation", "Nothing may follow <starttls/> before the handshake.")
        self.parser.reset()  # what comes under TLS is a new stream (whose header may come with the handshake's end)
        self._fresh_parser = True
        loop = asyncio.get_running_loop()
        upgraded = await loop.start_tls(
            socket, self, context, server_side=True, ssl_handshake_timeout=handshake_seconds
        )
        if upgraded is None:
            raise ConnectionResetError("the connection closed during the TLS handshake")
        self._socket = upgraded
        self.secure = True

    @property
    def has_own_tls(self) -> bool:
        return self._socket is not None and self._socket.get_extra_info("ssl_object") is not None
