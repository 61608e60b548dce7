"""A minimal WebSocket client on a bare asyncio.Protocol: cheap enough to hold 10,000 sessions or
drive thousands of messages a second from one core.

Only what the benchmarks need: the opening handshake (optionally offering
permessage-deflate as browsers do, without decoding compressed frames), text
frames out (masked, as RFC 6455 requires of clients), text frames in handed
to a callback as they arrive, answers to pings, and the closing handshake.
"""

from __future__ import annotations

import asyncio
import base64
import os
import struct
from collections.abc import Callable
from typing import cast

try:
    from websockets.speedups import apply_mask  # C: the client must mask what it sends
except ImportError:  # pragma: no cover

    def apply_mask(data: bytes, mask: bytes) -> bytes:
        n = len(data)
        repeated = (mask * (n // 4 + 1))[:n]
        return (int.from_bytes(data, "big") ^ int.from_bytes(repeated, "big")).to_bytes(n, "big")


OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA
DEFLATE_OFFER = "permessage-deflate; client_max_window_bits"


def _frame(opcode: int, payload: bytes) -> bytes:
    mask = os.urandom(4)
    n = len(payload)
    if n < 126:
        head = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
    elif n < 65536:
        head = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
    else:
        head = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n)
    return head + mask + apply_mask(payload, mask)


class RawWebSocket(asyncio.Protocol):
    """One client connection. `on_text(text, compressed)` gets every complete text message."""

    def __init__(
        self,
        host: str,
        port: int,
        path: str,
        token: str,
        on_text: Callable[[str, bool], None] | None = None,
        *,
        deflate: bool = False,
    ) -> None:
        self.host, self.port, self.path, self.token = host, port, path, token
        self.on_text = on_text
        self.deflate = deflate
        self.transport: asyncio.Transport | None = None
        self.opened: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self.closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.extensions = ""
        self.frames_in = 0
        self._buffer = bytearray()
        self._upgraded = False
        self._fragments: list[bytes] = []
        self._compressed = False

    # -------------------------------------------------------------- asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's transports are not asyncio.Transport subclasses
        key = base64.b64encode(os.urandom(16)).decode()
        lines = [
            f"GET {self.path} HTTP/1.1",
            f"Host: {self.host}:{self.port}",
            "Upgrade: websocket",
            "Connection: Upgrade",
            f"Sec-WebSocket-Key: {key}",
            "Sec-WebSocket-Version: 13",
            f"Authorization: Bearer {self.token}",
        ]
        if self.deflate:
            lines.append(f"Sec-WebSocket-Extensions: {DEFLATE_OFFER}")
        self.transport.write(("\r\n".join(lines) + "\r\n\r\n").encode())

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        if not self._upgraded:
            end = self._buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(self._buffer[:end]).decode("latin-1")
            del self._buffer[: end + 4]
            status = head.split("\r\n", 1)[0]
            if " 101 " not in status + " ":
                self._fail(ConnectionError(f"handshake refused: {status}"))
                return
            for line in head.split("\r\n")[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() == "sec-websocket-extensions":
                    self.extensions = value.strip()
            self._upgraded = True
            if not self.opened.done():
                self.opened.set_result(self.extensions)
        self._parse()

    def connection_lost(self, exc: Exception | None) -> None:
        self._fail(exc or ConnectionError("connection lost before the handshake"))
        if not self.closed.done():
            self.closed.set_result(None)

    # -------------------------------------------------------------- frames

    def _parse(self) -> None:
        buf = self._buffer
        while len(buf) >= 2:
            b0, b1 = buf[0], buf[1]
            n = b1 & 0x7F
            offset = 2
            if n == 126:
                if len(buf) < 4:
                    return
                n = struct.unpack_from("!H", buf, 2)[0]
                offset = 4
            elif n == 127:
                if len(buf) < 10:
                    return
                n = struct.unpack_from("!Q", buf, 2)[0]
                offset = 10
            if b1 & 0x80:  # servers never mask; skip a key if one came anyway
                offset += 4
            if len(buf) < offset + n:
                return
            payload = bytes(buf[offset : offset + n])
            del buf[: offset + n]
            self.frames_in += 1
            self._frame_in(b0 & 0x0F, bool(b0 & 0x80), bool(b0 & 0x40), payload)

    def _frame_in(self, opcode: int, fin: bool, rsv1: bool, payload: bytes) -> None:
        if opcode == OP_PING:
            self._write(_frame(OP_PONG, payload))
        elif opcode == OP_CLOSE:
            self._write(_frame(OP_CLOSE, payload[:2]))
            if self.transport is not None:
                self.transport.close()
        elif opcode in (OP_TEXT, OP_BINARY, OP_CONT):
            if opcode != OP_CONT:
                self._compressed = rsv1
            self._fragments.append(payload)
            if fin:
                whole = b"".join(self._fragments)
                self._fragments = []
                if self.on_text is not None:
                    text = whole.decode("utf-8", "replace") if not self._compressed else ""
                    self.on_text(text, self._compressed)

    # -------------------------------------------------------------- sending

    def _write(self, data: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(data)

    def send_text(self, text: str) -> None:
        self._write(_frame(OP_TEXT, text.encode()))

    def close(self, code: int = 1000) -> None:
        self._write(_frame(OP_CLOSE, struct.pack("!H", code)))

    def abort(self) -> None:
        if self.transport is not None:
            self.transport.abort()

    def _fail(self, error: BaseException) -> None:
        if not self.opened.done():
            self.opened.set_exception(error)


async def connect(
    host: str,
    port: int,
    path: str,
    token: str,
    on_text: Callable[[str, bool], None] | None = None,
    *,
    deflate: bool = False,
) -> RawWebSocket:
    """Open a session; returns once the server switched protocols (the hello frame may follow).

    Bound the wait with `asyncio.timeout()` around the call.
    """
    loop = asyncio.get_running_loop()
    _, protocol = await loop.create_connection(
        lambda: RawWebSocket(host, port, path, token, on_text, deflate=deflate), host, port
    )
    await protocol.opened
    return protocol
