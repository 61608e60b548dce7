"""A hand-written XMPP client over direct TLS, for what slixmpp cannot send: elements out as text, in parsed."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from roost.xmpp.stream.parser import StanzaReceived, StreamParser
from tests.support.scram import ScramClient
from tests.support.server import ServerProcess
from tests.support.xmpp import TIMEOUT, insecure_context

SASL = "urn:ietf:params:xml:ns:xmpp-sasl"
HEADER = (
    "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'"
    " to='localhost' version='1.0'>"
)


class RawClient:
    """An XMPP client stream over direct TLS: elements out as text, elements in parsed."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.parser = StreamParser(max_stanza_bytes=1 << 20)
        self.pending: list[ET.Element] = []

    @property
    def end_point(self) -> bytes:
        """tls-server-end-point of the server's certificate (ECDSA with SHA-256: SHA-256)."""
        certificate = self.writer.get_extra_info("ssl_object").getpeercert(binary_form=True)
        return hashlib.sha256(certificate).digest()

    async def recv(self) -> ET.Element:
        while not self.pending:
            data = await asyncio.wait_for(self.reader.read(65536), TIMEOUT)
            assert data, "the server closed the connection"
            self.pending += [e.element for e in self.parser.feed(data) if isinstance(e, StanzaReceived)]
        return self.pending.pop(0)

    def send(self, text: str) -> None:
        self.writer.write(text.encode())

    async def auth(self, mechanism: str, scram: ScramClient, *, channel_data: bytes | None = None) -> ET.Element:
        self.send(f"<auth xmlns='{SASL}' mechanism='{mechanism}'>{base64.b64encode(scram.first()).decode()}</auth>")
        challenge = await self.recv()
        if challenge.tag != f"{{{SASL}}}challenge":
            return challenge
        final = scram.final(base64.b64decode(challenge.text or ""), channel_data=channel_data)
        self.send(f"<response xmlns='{SASL}'>{base64.b64encode(final).decode()}</response>")
        return await self.recv()


@asynccontextmanager
async def direct_tls(server: ServerProcess) -> AsyncIterator[tuple[RawClient, ET.Element]]:
    reader, writer = await asyncio.open_connection("127.0.0.1", server.xmpp_tls_port, ssl=insecure_context())
    client = RawClient(reader, writer)
    client.send(HEADER)
    try:
        yield client, await client.recv()
    finally:
        writer.close()


async def plain_login(client: RawClient, username: str, password: str, resource: str | None = None) -> None:
    """SASL PLAIN, the stream restarted, and (with a `resource`) that resource bound."""
    secret = base64.b64encode(f"\0{username}\0{password}".encode()).decode()
    client.send(f"<auth xmlns='{SASL}' mechanism='PLAIN'>{secret}</auth>")
    success = await client.recv()
    assert success.tag == f"{{{SASL}}}success", ET.tostring(success)
    client.parser.reset()  # the server's next header starts a new stream
    client.send(HEADER)
    await client.recv()  # <stream:features/>
    if resource is not None:
        client.send(
            "<iq type='set' id='bind-1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
            f"<resource>{resource}</resource></bind></iq>"
        )
        bound = await client.recv()
        assert bound.get("type") == "result", ET.tostring(bound)
