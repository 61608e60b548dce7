"""Hostile and broken input on the client port, before authentication: the RFC 6120 stream error, and
the server keeps serving everyone else."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest

from tests.conftest import MakePerson
from tests.support.raw_xmpp import direct_tls, plain_login
from tests.support.server import ServerProcess

HEADER = (
    b"<?xml version='1.0'?><stream:stream to='localhost' version='1.0' "
    b"xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>"
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    proc = ServerProcess(
        tmp_path_factory.mktemp("roost-xmpp-safety"),
        extra_env={
            "ROOST_XMPP__NEGOTIATION_SECONDS": "2",
            "ROOST_XMPP__MAX_UNAUTHENTICATED_PER_ADDRESS": "30",
            "ROOST_XMPP__MAX_STANZA_BYTES_BEFORE_AUTH": "4096",
        },
    )
    proc.init()
    proc.start()
    yield proc
    proc.stop()


async def exchange(server: ServerProcess, *chunks: bytes, timeout: float = 10) -> bytes:
    """Send the chunks, then read until the server closes the connection."""
    reader, writer = await asyncio.open_connection("127.0.0.1", server.xmpp_port)
    try:
        for chunk in chunks:
            writer.write(chunk)
        await writer.drain()
        received = b""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            data = await asyncio.wait_for(reader.read(65536), deadline - time.monotonic())
            if not data:
                return received
            received += data
        raise AssertionError(f"the server did not close the stream: {received[-300:]!r}")
    finally:
        writer.close()


async def assert_still_serving(server: ServerProcess) -> None:
    answer = await exchange(server, HEADER + b"</stream:stream>")
    assert b"<stream:features>" in answer


@pytest.mark.parametrize(
    ("payload", "condition"),
    [
        (HEADER + b"<message><body>unclosed</message>", b"not-well-formed"),
        (b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'aaaa'>]>" + HEADER, b"restricted-xml"),
        (HEADER + b"<!-- a comment -->", b"restricted-xml"),
        (HEADER + b"<?evil instruction?>", b"restricted-xml"),
        (b"\xff\xfe<\x00?\x00x\x00m\x00l\x00", b"unsupported-encoding"),
        (HEADER + b"<message><body>\xc3\x28</body></message>", b""),
        (HEADER + b"<a>" * 10_000, b"policy-violation"),
        (HEADER + b"<message><body>" + b"x" * 8000 + b"</body></message>", b"policy-violation"),
        (HEADER.replace(b"jabber:client", b"jabber:server"), b"invalid-namespace"),
        (HEADER.replace(b"to='localhost'", b"to='elsewhere.example'"), b"host-unknown"),
        (b"<stream xmlns='jabber:client'>", b"invalid-namespace"),
        (HEADER + b"<message to='a@localhost'><body>before TLS</body></message>", b"policy-violation"),
    ],
)
async def test_bad_input_gets_the_named_stream_error(server: ServerProcess, payload: bytes, condition: bytes) -> None:
    answer = await exchange(server, payload)
    assert b"<stream:error>" in answer
    assert condition in answer, answer[-400:]
    assert answer.endswith(b"</stream:stream>")
    await assert_still_serving(server)


async def test_billion_laughs_is_refused_at_once(server: ServerProcess) -> None:
    entities = b"<!ENTITY lol0 'lol'>" + b"".join(
        f"<!ENTITY lol{i} '{('&lol' + str(i - 1) + ';') * 10}'>".encode() for i in range(1, 10)
    )
    payload = b"<?xml version='1.0'?><!DOCTYPE lolz [" + entities + b"]><lolz>&lol9;</lolz>"
    started = time.monotonic()
    answer = await exchange(server, payload)
    assert b"restricted-xml" in answer
    assert time.monotonic() - started < 5
    await assert_still_serving(server)


async def test_a_client_that_stalls_is_timed_out(server: ServerProcess) -> None:
    answer = await exchange(server, HEADER[:40], timeout=10)  # drips nothing more
    assert b"connection-timeout" in answer


async def test_a_stalled_tls_handshake_is_cut(server: ServerProcess) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", server.xmpp_tls_port)
    writer.write(b"\x16\x03\x01")  # the first bytes of a ClientHello, then nothing
    await writer.drain()
    data = await asyncio.wait_for(reader.read(), 10)
    assert data == b""
    writer.close()


async def test_unauthenticated_connections_per_address_are_capped(server: ServerProcess) -> None:
    held = [await asyncio.open_connection("127.0.0.1", server.xmpp_port) for _ in range(30)]
    try:
        answer = await exchange(server, HEADER)
        assert b"policy-violation" in answer
    finally:
        for _, writer in held:
            writer.close()
    await asyncio.sleep(0.5)
    await assert_still_serving(server)


async def test_cleartext_after_starttls_is_refused_before_the_handshake(server: ServerProcess) -> None:
    """Bytes sent with <starttls/> must not be taken as sent under TLS (CVE-2011-0411)."""
    injected = b"<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/><message to='a@localhost'><body>x</body></message>"
    answer = await exchange(server, HEADER + injected)
    assert b"<proceed" in answer
    assert b"policy-violation" in answer.split(b"<proceed")[1]


async def test_a_resumption_does_not_wait_for_the_old_connection_to_close(
    server: ServerProcess, make_person: MakePerson
) -> None:
    """XEP-0198: the old connection of a resumed stream is closed in the background. A
    half-dead old socket (why phones resume) takes seconds to close; the new stream, here
    resuming 1 s into its 2 s to negotiate, must not wait for that and time out."""
    alice = await make_person("alice")
    async with direct_tls(server) as (old, _):
        await plain_login(old, alice.username, alice.password, "phone")
        old.send("<enable xmlns='urn:xmpp:sm:3' resume='true'/>")
        enabled = await old.recv()
        assert enabled.tag == "{urn:xmpp:sm:3}enabled" and enabled.get("id"), enabled
        # From here the old connection neither reads nor closes: a phone that changed networks.
        transport = old.writer.transport
        assert isinstance(transport, asyncio.ReadTransport)
        transport.pause_reading()
        connected_at = time.monotonic()
        async with direct_tls(server) as (new, _):
            await plain_login(new, alice.username, alice.password)
            await asyncio.sleep(max(0.0, 1.0 - (time.monotonic() - connected_at)))
            new.send(f"<resume xmlns='urn:xmpp:sm:3' h='0' previd='{enabled.get('id')}'/>")
            assert (await new.recv()).tag == "{urn:xmpp:sm:3}resumed"
            new.send("<iq type='get' id='ping-1' to='localhost'><ping xmlns='urn:xmpp:ping'/></iq>")
            answer = await new.recv()
            assert answer.tag == "{jabber:client}iq" and answer.get("type") == "result", answer
    await assert_still_serving(server)
