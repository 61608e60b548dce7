"""The event stream's text frames, written straight to the connection and read straight from it.

Every event a session receives passes ASGI's `send`: Starlette's state checks, uvicorn's
message dispatch, the websockets library's frame object and its serialisation, then
the transport. For the stream's many small frames that path was a fifth of the server's
CPU per message (bench/README.md). A server's frame to a client is simple (RFC 6455
§5.2: FIN, opcode, length, unmasked payload), so when the connection is uvicorn's
sans-I/O WebSocket without an extension (no permessage-deflate, the default) this
module frames the text itself and hands the bytes to the transport, honouring the
same flow control uvicorn's own sends wait for. Frames still leave in order: uvicorn
writes its pings and its close frame to the same transport, and this writer stops as
soon as the connection is no longer open. Any other server, or a connection with
compression, uses the ASGI path (`attach` returns None).

Reading is the mirror image: on the server's own protocol class (`ws_protocol.py`),
`read_into` has each message handed straight to the session as it is read.
"""

from __future__ import annotations

import struct
from typing import Any

from starlette.websockets import WebSocket
from websockets.protocol import State

from roost.api.ws_protocol import MessageReader, WebSocketsSansIOProtocol

_TEXT_FIN = 0x81


class ConnectionGone(Exception):
    """The connection is closing or closed: nothing more can be written to it."""


def frame(payload: bytes) -> bytes:
    """An unmasked, unfragmented text frame (the server's side of RFC 6455)."""
    size = len(payload)
    if size < 126:
        return struct.pack("!BB", _TEXT_FIN, size) + payload
    if size < 1 << 16:
        return struct.pack("!BBH", _TEXT_FIN, 126, size) + payload
    return struct.pack("!BBQ", _TEXT_FIN, 127, size) + payload


class DirectFrames:
    """Writes text frames to one uvicorn WebSocket connection's transport."""

    __slots__ = ("_protocol",)

    def __init__(self, protocol: Any) -> None:
        self._protocol = protocol

    @classmethod
    def attach(cls, ws: WebSocket) -> DirectFrames | None:
        """For an accepted connection served by uvicorn's sans-I/O WebSocket with no extension."""
        protocol = getattr(getattr(ws, "_send", None), "__self__", None)
        if WebSocketsSansIOProtocol is None or not isinstance(protocol, WebSocketsSansIOProtocol):
            return None
        if protocol.conn.extensions or not protocol.handshake_complete:
            return None
        return cls(protocol)

    @property
    def must_wait(self) -> bool:
        """The transport's buffer is over its high-water mark: wait for `writable()`."""
        return not self._protocol.writable.is_set()

    async def writable(self) -> None:
        await self._protocol.writable.wait()

    def read_into(self, reader: MessageReader | None) -> bool:
        """Send the connection's messages to `reader` from now on, in order (None: back to
        ASGI's queue). False: this connection cannot (not the server's own protocol class)."""
        if not hasattr(self._protocol, "message_reader"):
            return False
        self._protocol.message_reader = reader
        return True

    def pause_reading(self) -> None:
        """Read no more from the socket for now (the reader is busy): TCP holds the client back."""
        protocol = self._protocol
        if not protocol.read_paused and not protocol.transport.is_closing():
            protocol.read_paused = True  # uvicorn resumes it itself when it sends its close
            protocol.transport.pause_reading()

    def resume_reading(self) -> None:
        protocol = self._protocol
        if protocol.read_paused and protocol.queue.empty() and not protocol.transport.is_closing():
            protocol.read_paused = False
            protocol.transport.resume_reading()

    def write(self, texts: list[str]) -> None:
        """Frame each text and write them all at once, or raise ConnectionGone."""
        protocol = self._protocol
        if protocol.disconnected or protocol.close_sent or protocol.conn.state is not State.OPEN:
            raise ConnectionGone
        transport = protocol.transport
        if transport.is_closing():
            raise ConnectionGone
        transport.write(b"".join([frame(text.encode()) for text in texts]))
