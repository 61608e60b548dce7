"""A bare-asyncio XMPP client for load generation: stream, SASL PLAIN, bind, presence, in-band registration.

Negotiation matches the server's answers with small regular expressions (no XML
parser). Once bound, incoming bytes are only scanned: every `<body>` whose text
starts with a CLOCK_MONOTONIC nanosecond stamp (`<body>123456789 ...`) is reported to
`on_body(sent_ns, now_ns)`; `type='error'` stanzas are counted; XEP-0199 pings from the
server are answered. Cheap enough to hold thousands of sessions and scan tens of
thousands of deliveries a second on one core.
"""

from __future__ import annotations

import asyncio
import base64
import re
import time
from collections.abc import Callable
from typing import cast

FEATURES = re.compile(rb"<stream:features\b.*?</stream:features>", re.S)
SASL_RESULT = re.compile(rb"<(success|failure)\b[^>]*?(?:/>|>.*?</\1>)", re.S)
IQ = re.compile(rb"<iq\b[^>]*?(?:/>|>.*?</iq>)", re.S)
PRESENCE = re.compile(rb"<presence\b[^>]*?(?:/>|>.*?</presence>)", re.S)
STREAM_ERROR = re.compile(rb"<stream:error\b.*?</stream:error>", re.S)
JID = re.compile(rb"<jid>([^<]+)</jid>")
PING_IQ = re.compile(rb"<iq\b([^>]*)>\s*<ping xmlns=['\"]urn:xmpp:ping['\"]")
ATTR = re.compile(rb"""\b(id|from)=(?:'([^']*)'|"([^"]*)")""")
BODY = b"<body>"
ERRORS = (b"type='error'", b'type="error"')
STREAM_END = b"</stream:stream>"

OnBody = Callable[[int, int], None]


class XmppError(Exception):
    pass


def stream_header(domain: str) -> bytes:
    return (
        f"<?xml version='1.0'?><stream:stream to='{domain}' version='1.0' xml:lang='en' "
        "xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>"
    ).encode()


def _is_result(stanza: bytes) -> bool:
    return b"type='result'" in stanza or b'type="result"' in stanza


class Client(asyncio.Protocol):
    """One XMPP connection; `hot` once bound: bytes are scanned, not parsed."""

    def __init__(self, on_body: OnBody | None = None) -> None:
        self.on_body = on_body
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.waiting: tuple[re.Pattern[bytes], asyncio.Future[bytes]] | None = None
        self.hot = False
        self.tail = b""
        self.jid = ""
        self.errors = 0
        self.error_samples: list[bytes] = []
        self.closed = False
        self.pings = 0

    # -- transport callbacks

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's transports are not subclasses

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.waiting is not None and not self.waiting[1].done():
            self.waiting[1].set_exception(XmppError(f"connection lost: {exc or 'closed'}"))

    def data_received(self, data: bytes) -> None:
        if self.hot:
            self._scan(data)
            return
        self.buffer += data
        self._match()

    # -- negotiation

    def send(self, data: bytes) -> None:
        assert self.transport is not None
        self.transport.write(data)

    def _match(self) -> None:
        if self.waiting is None:
            return
        pattern, future = self.waiting
        found = pattern.search(self.buffer)
        if found is None:
            failed = STREAM_ERROR.search(self.buffer)
            if failed is not None and not future.done():
                self.waiting = None
                future.set_exception(XmppError(failed.group(0).decode(errors="replace")[:300]))
            return
        self.waiting = None
        matched = bytes(found.group(0))  # before the buffer moves: a match reads the bytearray lazily
        del self.buffer[: found.end()]
        if not future.done():
            future.set_result(matched)

    async def expect(self, pattern: re.Pattern[bytes], seconds: float = 60) -> bytes:
        future: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self.waiting = (pattern, future)
        self._match()
        async with asyncio.timeout(seconds):
            return await future

    async def open_stream(self, domain: str) -> bytes:
        self.send(stream_header(domain))
        return await self.expect(FEATURES)

    async def login(self, domain: str, user: str, password: str, resource: str, *, presence: bool = True) -> None:
        features = await self.open_stream(domain)
        if b">PLAIN<" not in features:
            raise XmppError(f"PLAIN not offered: {features[:300]!r}")
        token = base64.b64encode(f"\0{user}\0{password}".encode()).decode()
        self.send(f"<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>{token}</auth>".encode())
        if (await self.expect(SASL_RESULT)).startswith(b"<failure"):
            raise XmppError(f"SASL PLAIN failed for {user}")
        await self.open_stream(domain)
        self.send(
            f"<iq type='set' id='bind1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
            f"<resource>{resource}</resource></bind></iq>".encode()
        )
        bound = await self.expect(IQ)
        jid = JID.search(bound)
        if not _is_result(bound) or jid is None:
            raise XmppError(f"bind failed: {bound[:300]!r}")
        self.jid = jid.group(1).decode()
        if presence:
            self.send(b"<presence/>")

    async def register(self, domain: str, user: str, password: str) -> None:
        """XEP-0077 in-band registration (before authentication)."""
        await self.open_stream(domain)
        self.send(
            f"<iq type='set' id='reg1'><query xmlns='jabber:iq:register'><username>{user}</username>"
            f"<password>{password}</password></query></iq>".encode()
        )
        answer = await self.expect(IQ)
        if not _is_result(answer):
            raise XmppError(f"registration of {user} failed: {answer[:300]!r}")

    async def iq(self, stanza: bytes, seconds: float = 30) -> bytes:
        """Send an iq and return the next iq that arrives (negotiation mode only)."""
        self.send(stanza)
        return await self.expect(IQ, seconds)

    def go_hot(self) -> None:
        """From now on only scan: bodies, errors, pings."""
        self.hot = True
        rest = bytes(self.buffer)
        self.buffer.clear()
        if rest:
            self._scan(rest)

    def close(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            try:
                self.transport.write(STREAM_END)
            finally:
                self.transport.close()

    def abort(self) -> None:
        if self.transport is not None:
            self.transport.abort()

    # -- the hot path

    def _scan(self, data: bytes) -> None:
        if self.tail:
            data = self.tail + data
            self.tail = b""
        self._bodies(data)
        if b"type=" in data and (ERRORS[0] in data or ERRORS[1] in data):
            self._errors(data)
        if b"urn:xmpp:ping" in data:
            self._pings(data)
        if b"</stream:stream>" in data or b"<stream:error" in data:
            self._errors(data)

    def _bodies(self, data: bytes) -> None:
        """Report each `<body>` stamp; keep what may continue in the next read as `tail`."""
        on_body = self.on_body
        i = data.find(BODY)
        end = 0
        if i >= 0:
            now = time.monotonic_ns()
            n = len(data)
            while i >= 0:
                j = i + 6
                k = j
                while k < n and 48 <= data[k] <= 57:
                    k += 1
                if k == n:  # the stamp may go on in the next read
                    self.tail = data[i:]
                    end = -1
                    break
                if k > j and on_body is not None:
                    on_body(int(data[j:k]), now)
                end = k
                i = data.find(BODY, k)
        if end >= 0:
            self.tail = data[max(end, len(data) - 5) :]

    def _errors(self, data: bytes) -> None:
        self.errors += 1
        if len(self.error_samples) < 3:
            self.error_samples.append(data[:400])

    def _pings(self, data: bytes) -> None:
        for found in PING_IQ.finditer(data):
            attrs = {m.group(1): (m.group(2) or m.group(3) or b"") for m in ATTR.finditer(found.group(1))}
            to = b" to='" + attrs[b"from"] + b"'" if attrs.get(b"from") else b""
            self.send(b"<iq type='result' id='" + attrs.get(b"id", b"") + b"'" + to + b"/>")
            self.pings += 1


async def connect(host: str, port: int, on_body: OnBody | None = None, seconds: float = 30) -> Client:
    loop = asyncio.get_running_loop()
    async with asyncio.timeout(seconds):
        _, client = await loop.create_connection(lambda: Client(on_body), host, port)
    return client
