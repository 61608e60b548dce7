"""The server's WebSocket protocol: uvicorn's sans-I/O one, reading the common frames itself.

uvicorn hands each incoming message to the application through an ASGI queue: a dict
per message, a queue put and get, a wake-up of the handler's task, Starlette's checks,
and a pause and resume of the socket's reading around each one; and the websockets
library parses each frame with a chain of generators. For the event stream's many
small commands that was a large part of the server's CPU per message (bench/README.md).

`DirectWebSocketProtocol` changes two things and nothing else:

- once a reader is set (`message_reader`, by `ws_frames.DirectFrames.read_into`), a
  complete message goes to it as soon as it is read, not through the queue;
- while the connection is open, a complete, unfragmented, masked text or binary frame
  without reserved bits, within the size limit and outside a fragmented message (what
  clients send nearly always) is parsed here (RFC 6455 §5.2) and unmasked by the
  websockets library's C routine. Every other frame (ping, pong, close, fragments,
  anything malformed or too large) is handed whole to the websockets library, which
  handles it exactly as before; a frame too large or not masked, and everything after
  the connection stops being open, goes to it from then on without this reader.

The library's parser is only ever given whole frames, so it is always at a frame
boundary when the next one comes. A client sends its first frame after the handshake's
101 response (RFC 6455 §4.1), so this reader starts with the library's buffer empty;
if it is not (a client that did not wait), the library reads that connection alone.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from websockets.protocol import State

try:  # the C routine the websockets library itself uses, when it is built
    from websockets.speedups import apply_mask
except ImportError:  # pragma: no cover - a build without the extension
    from websockets.utils import apply_mask

try:  # COMPAT: uvicorn's protocol class is not public API; without it, the ASGI path is used
    from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
except ImportError:  # pragma: no cover - another uvicorn
    WebSocketsSansIOProtocol = None  # type: ignore[assignment,misc]

__all__ = ["WEBSOCKET_PROTOCOL", "MessageReader", "WebSocketsSansIOProtocol"]  # the last for ws_frames

MessageReader = Callable[[str | bytes], None]  # a text message as str, a binary one as bytes

_FIN = 0x80
_MASKED = 0x80
_TEXT = 0x1
_BINARY = 0x2

if WebSocketsSansIOProtocol is not None:

    class DirectWebSocketProtocol(WebSocketsSansIOProtocol):
        """uvicorn's sans-I/O WebSocket, reading its common frames itself and handing
        messages straight to a reader once one is set."""

        message_reader: MessageReader | None = None
        _own_frames: bool | None = None  # None until the handshake is done
        _partial: bytearray | None = None  # the start of a frame still arriving
        _partial_needed = 0  # its whole size, once its header is here (0: not yet)

        def data_received(self, data: bytes) -> None:
            if self._own_frames is None and self.handshake_complete:
                self._own_frames = not self.conn.extensions and not self.conn.reader.buffer
            if not self._own_frames:
                super().data_received(data)
                return
            partial = self._partial
            if partial is None:
                self._read_frames(data)
                return
            partial += data
            if len(partial) >= self._partial_needed:  # else a long frame is still arriving
                self._partial = None
                self._read_frames(bytes(partial))

        def _read_frames(self, data: bytes) -> None:
            position, end = 0, len(data)
            while position < end:
                if self.close_sent or self.conn.state is not State.OPEN:
                    self._hand_over(data[position:])
                    return
                head = self._header(data, position)
                if head is None:  # the header is not all here yet
                    self._partial_needed = 0
                    break
                opcode_bits, masked, length, payload_at = head
                if not masked or length > self._max_size():  # the library fails the connection
                    self._hand_over(data[position:])
                    return
                frame_end = payload_at + length
                if frame_end > end:
                    self._partial_needed = frame_end - position
                    break
                opcode = opcode_bits & 0x0F
                if opcode_bits & 0xF0 == _FIN and opcode in (_TEXT, _BINARY) and self.conn.current_size is None:
                    payload = apply_mask(data[payload_at:frame_end], data[payload_at - 4 : payload_at])
                    self.curr_msg_data_type = "text" if opcode == _TEXT else "bytes"
                    self.frames = [payload]
                    self.send_receive_event_to_app()
                else:  # control frames, fragments and anything odd: the library's, whole
                    super().data_received(data[position:frame_end])
                position = frame_end
            if position < end:
                self._partial = bytearray(data[position:])

        @staticmethod
        def _header(data: bytes, at: int) -> tuple[int, bool, int, int] | None:
            """(first byte, masked, payload length, where the payload starts), or None if incomplete."""
            if len(data) - at < 2:
                return None
            second = data[at + 1]
            length, start = second & 0x7F, at + 2
            if length == 126:
                if len(data) - start < 2:
                    return None
                length, start = int.from_bytes(data[start : start + 2]), start + 2
            elif length == 127:
                if len(data) - start < 8:
                    return None
                length, start = int.from_bytes(data[start : start + 8]), start + 8
            masked = bool(second & _MASKED)
            return data[at], masked, length, start + 4 if masked else start

        def _max_size(self) -> float:
            limit = self.conn.max_message_size
            return float("inf") if limit is None else limit

        def _hand_over(self, data: bytes) -> None:
            """From here on the library reads this connection: it is closing, or failing."""
            self._own_frames = False
            if data:
                super().data_received(data)

        def send_receive_event_to_app(self) -> None:
            reader = self.message_reader
            if reader is None or self.close_sent:
                super().send_receive_event_to_app()
                return
            data = self.frames[0] if len(self.frames) == 1 else b"".join(self.frames)
            if self.curr_msg_data_type == "text":
                try:
                    message: str | bytes = data.decode()
                except UnicodeDecodeError:
                    super().send_receive_event_to_app()  # uvicorn closes with 1007, as for everyone
                    return
            else:
                message = data
            self.frames = []
            reader(message)

    WEBSOCKET_PROTOCOL: type[Any] | str = DirectWebSocketProtocol
else:  # pragma: no cover - another uvicorn
    WEBSOCKET_PROTOCOL = "auto"
