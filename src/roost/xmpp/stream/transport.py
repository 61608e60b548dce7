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
from typing import Protocol

from roost.xmpp.errors import StreamError, stream_error_bytes
from roost.xmpp.stream.parser import StreamEvent, StreamParser
from roost.xmpp.xml import STREAM_CLOSE, STREAM_NS, serialize, stream_header

log = logging.getLogger(__name__)
READ_SIZE = 65536


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


class TcpTransport:
    """A TCP connection: the stream is one XML document over the socket; STARTTLS upgrades it."""

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        parser: StreamParser,
        *,
        secure: bool,
        write_buffer_max: int,
    ) -> None:
        self.reader = reader
        self.writer = writer
        self.parser = parser
        self.secure = secure
        self.write_buffer_max = write_buffer_max
        peer = writer.get_extra_info("peername")
        self.address = str(peer[0]) if peer else "unknown"
        self._pending: list[StreamEvent] = []
        self._closing = False
        self._aborted = False
        self._unsent: list[bytes] = []  # written this turn of the event loop: one send at its end

    @property
    def is_closing(self) -> bool:
        return self._closing or self._aborted or self.writer.is_closing()

    async def next_event(self) -> StreamEvent:
        while not self._pending:
            data = await self.reader.read(READ_SIZE)
            if not data:
                raise ConnectionResetError("client closed the connection")
            self._pending.extend(self.parser.feed(data))
        return self._pending.pop(0)

    def restart(self) -> None:
        self.parser.reset()
        self._pending = []

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
        transport = self.writer.transport
        if self._aborted or transport.is_closing():
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
        self._closing = True
        self.flush()
        with contextlib.suppress(ConnectionError, OSError, TimeoutError):
            await asyncio.wait_for(self.writer.drain(), 2)
        self.writer.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.writer.wait_closed(), 2)

    async def start_tls(self, context: ssl.SSLContext) -> None:
        """Upgrade to TLS after <proceed/>; nothing the client sent in the clear may remain."""
        # Bytes sent in the clear after <starttls/> must not count as sent under TLS (CVE-2011-0411).
        buffered: bytes = getattr(self.reader, "_buffer", b"")
        if self._pending or buffered:
            raise StreamError("policy-violation", "Nothing may follow <starttls/> before the handshake.")
        self.flush()  # <proceed/>
        await self.writer.drain()
        await self.writer.start_tls(context)
        self.secure = True

    @property
    def has_own_tls(self) -> bool:
        return self.writer.get_extra_info("ssl_object") is not None
