"""SCRAM-SHA-*-PLUS with tls-server-end-point (RFC 5802, RFC 5929) and the XEP-0440 feature, by a hand-written
client over direct TLS (slixmpp binds only with tls-unique, which TLS 1.3 forbids)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from roost.xmpp.stream.parser import StanzaReceived, StreamParser
from tests.conftest import MakePerson
from tests.support.scram import ScramClient
from tests.support.server import ServerProcess
from tests.support.xmpp import TIMEOUT, insecure_context
from tests.support.xmpp_websocket import ws_connection

SASL = "urn:ietf:params:xml:ns:xmpp-sasl"
CB = "urn:xmpp:sasl-cb:0"
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


def mechanisms(features: ET.Element) -> list[str]:
    return [m.text or "" for m in features.iter(f"{{{SASL}}}mechanism")]


@pytest.mark.parametrize(("mechanism", "algorithm"), [("SCRAM-SHA-256-PLUS", "sha256"), ("SCRAM-SHA-1-PLUS", "sha1")])
async def test_plus_with_tls_server_end_point(
    server: ServerProcess, make_person: MakePerson, mechanism: str, algorithm: str
) -> None:
    alice = await make_person("alice")
    async with direct_tls(server) as (client, features):
        assert mechanisms(features)[:2] == ["SCRAM-SHA-256-PLUS", "SCRAM-SHA-1-PLUS"]
        offered = features.find(f"{{{CB}}}sasl-channel-binding")
        assert offered is not None
        assert [c.get("type") for c in offered] == ["tls-server-end-point"]
        scram = ScramClient(
            alice.username, alice.password, algorithm, binding=("tls-server-end-point", client.end_point)
        )
        success = await client.auth(mechanism, scram)
        assert success.tag == f"{{{SASL}}}success", ET.tostring(success)
        assert scram.verify(base64.b64decode(success.text or ""))


async def test_plus_refuses_wrong_binding_data_and_types(server: ServerProcess, make_person: MakePerson) -> None:
    alice = await make_person("alice")
    async with direct_tls(server) as (client, _):
        scram = ScramClient(alice.username, alice.password, binding=("tls-server-end-point", client.end_point))
        failure = await client.auth("SCRAM-SHA-256-PLUS", scram, channel_data=b"\x00" * 32)  # a man in the middle
        assert failure.find(f"{{{SASL}}}not-authorized") is not None, ET.tostring(failure)
        unique = ScramClient(alice.username, alice.password, binding=("tls-unique", b"x"))
        failure = await client.auth("SCRAM-SHA-256-PLUS", unique)
        assert failure.find(f"{{{SASL}}}malformed-request") is not None, ET.tostring(failure)
        downgraded = ScramClient(alice.username, alice.password, gs2_flag="y")  # -PLUS was offered
        failure = await client.auth("SCRAM-SHA-256", downgraded)
        assert failure.find(f"{{{SASL}}}not-authorized") is not None, ET.tostring(failure)
        no_plus = ScramClient(alice.username, alice.password, binding=("tls-server-end-point", client.end_point))
        failure = await client.auth("SCRAM-SHA-256", no_plus)  # p= needs a -PLUS mechanism
        assert failure.find(f"{{{SASL}}}invalid-mechanism") is not None, ET.tostring(failure)
        plain = await client.auth("SCRAM-SHA-256", ScramClient(alice.username, alice.password))
        assert plain.tag == f"{{{SASL}}}success"


async def test_no_plus_over_websocket(server: ServerProcess) -> None:
    async with ws_connection(server) as client:
        features = await client.open()
        assert not [m for m in (e.text or "" for e in features.iter(f"{{{SASL}}}mechanism")) if m.endswith("-PLUS")]
        assert features.find(f"{{{CB}}}sasl-channel-binding") is None
