"""XMPP over WebSocket (RFC 7395) on the HTTP port: SASL, bind, chat with a TCP client, framing errors."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator

import httpx
import pytest
from slixmpp import JID
from websockets.exceptions import InvalidStatus

from tests.conftest import MakePerson, server_of_its_own
from tests.support.server import ServerProcess
from tests.support.xmpp import connected, wait_for
from tests.support.xmpp_websocket import CLIENT, FRAMING, OPEN, SASL, STREAMS, WsClient, ws_connection, ws_logged_in

STREAM_ERRORS = "urn:ietf:params:xml:ns:xmpp-streams"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A server of this module's own: it fails logins on purpose (the server throttles 127.0.0.1 then)."""
    yield from server_of_its_own(tmp_path_factory)


def mechanisms(features: ET.Element) -> list[str]:
    return [m.text or "" for m in features.iter(f"{{{SASL}}}mechanism")]


async def stream_error(client: WsClient) -> str:
    """The condition of the stream error that must come now, then <close/>."""
    error = await client.recv()
    assert error.tag == f"{{{STREAMS}}}error", ET.tostring(error)
    condition = next(child.tag.split("}")[1] for child in error if child.tag != f"{{{STREAM_ERRORS}}}text")
    closing = await client.recv()
    assert closing.tag == f"{{{FRAMING}}}close"
    return condition


async def test_plain_login_bind_and_close(server: ServerProcess, make_person: MakePerson) -> None:
    alice = await make_person("alice")
    async with ws_connection(server) as client:
        await client.send(OPEN)
        opened = await client.recv()
        assert (opened.tag, opened.get("from"), opened.get("version")) == (f"{{{FRAMING}}}open", "localhost", "1.0")
        features = await client.recv()
        assert {"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-1"} <= set(mechanisms(features))
        assert features.find("{urn:ietf:params:xml:ns:xmpp-tls}starttls") is None
        assert (await client.login_plain(alice.username, alice.password)).tag == f"{{{SASL}}}success"
        assert await client.bind("browser") == f"{alice.username}@localhost/browser"
        await client.send(f"<iq xmlns='{CLIENT}' type='get' id='p1'><ping xmlns='urn:xmpp:ping'/></iq>")
        pong = await client.until(lambda e: e.get("id") == "p1")
        assert pong.get("type") == "result"
        await client.send(f"<close xmlns='{FRAMING}'/>")
        assert (await client.recv()).tag == f"{{{FRAMING}}}close"


async def test_scram_and_chat_with_a_tcp_client(server: ServerProcess, make_person: MakePerson) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    bob_jid = f"{bob.username}@localhost"
    async with (
        ws_logged_in(server, alice.username, alice.password) as web,
        connected(server, bob.username, bob.password) as tcp,
    ):
        await web.send(
            f"<message xmlns='{CLIENT}' type='chat' to='{bob_jid}' id='w1'><body>over websocket</body></message>"
        )
        got = await wait_for(tcp.messages, lambda m: m["body"] == "over websocket")
        assert got["from"] == JID(f"{alice.username}@localhost/ws")
        tcp.send_message(mto=JID(web.jid), mbody="over tcp", mtype="chat")
        answer = await web.until(
            lambda e: e.tag == f"{{{CLIENT}}}message" and e.findtext(f"{{{CLIENT}}}body") == "over tcp"
        )
        assert answer.get("from", "").startswith(bob_jid)
        assert answer.find("{urn:xmpp:sid:0}stanza-id") is not None
    conversation = await alice.direct(bob)
    history = await bob.get(f"/api/v1/conversations/{conversation}/messages")
    assert [m["body"] for m in history["messages"]] == ["over websocket", "over tcp"]


async def test_a_wrong_password_fails_and_the_stream_goes_on(server: ServerProcess, make_person: MakePerson) -> None:
    alice = await make_person("alice")
    async with ws_connection(server) as client:
        await client.open()
        failure = await client.login_scram(alice.username, "not-the-password")
        assert failure.tag == f"{{{SASL}}}failure"
        assert failure.find(f"{{{SASL}}}not-authorized") is not None
        assert (await client.login_plain(alice.username, alice.password)).tag == f"{{{SASL}}}success"


@pytest.mark.parametrize("protocols", [["chat"], []])
async def test_the_xmpp_subprotocol_is_required(server: ServerProcess, protocols: list[str]) -> None:
    with pytest.raises(InvalidStatus) as refused:
        async with ws_connection(server, subprotocols=protocols):
            pass
    assert refused.value.response.status_code == 403


async def test_browsers_from_other_origins_are_refused(server: ServerProcess) -> None:
    with pytest.raises(InvalidStatus):
        async with ws_connection(server, origin="https://evil.example"):
            pass
    async with ws_connection(server, origin=f"http://127.0.0.1:{server.port}") as client:
        await client.open()


@pytest.mark.parametrize(
    ("messages", "condition"),
    [
        ([OPEN + OPEN], "not-well-formed"),  # two elements in one message
        ([f"<open xmlns='{FRAMING}' to='localhost' version='1.0'>"], "not-well-formed"),  # half an element
        (["<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' to='localhost' version='1.0'"], "not-well-formed"),
        (["<!DOCTYPE x [<!ENTITY a 'b'>]><x/>"], "not-well-formed"),  # a DTD is never inside the stream
        ([f"<open xmlns='{FRAMING}' to='localhost' version='1.0'><!-- hi --></open>"], "restricted-xml"),
        ([OPEN, f"<message xmlns='{CLIENT}'><body>&bomb;</body></message>"], "restricted-xml"),
        ([f"<open xmlns='{FRAMING}' to='elsewhere.example' version='1.0'/>"], "host-unknown"),
        ([OPEN, "<message xmlns='jabber:client'><body>" + "x" * 20_000 + "</body></message>"], "policy-violation"),
        ([OPEN, f"<iq xmlns='{CLIENT}' type='get' id='1'><ping xmlns='urn:xmpp:ping'/></iq>"], "not-authorized"),
    ],
)
async def test_bad_framing_and_xml_end_the_stream(server: ServerProcess, messages: list[str], condition: str) -> None:
    async with ws_connection(server) as client:
        for message in messages:
            await client.send(message)
        error = await client.until(lambda e: e.tag == f"{{{STREAMS}}}error")
        assert error.find(f"{{{STREAM_ERRORS}}}{condition}") is not None, ET.tostring(error)
        assert (await client.recv()).tag == f"{{{FRAMING}}}close"


async def test_binary_messages_are_refused(server: ServerProcess) -> None:
    async with ws_connection(server) as client:
        await client.send(OPEN)
        await client.recv()
        await client.recv()
        await client.ws.send(b"<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>=</auth>")
        assert await stream_error(client) == "bad-format"


async def test_host_meta_names_the_websocket(server: ServerProcess) -> None:
    """XEP-0156: web clients find the endpoint from the domain."""
    async with httpx.AsyncClient(base_url=server.url) as http:
        document = await http.get("/.well-known/host-meta.json")
        xrd = await http.get("/.well-known/host-meta")
    expected = f"ws://localhost:{server.port}/xmpp-websocket"
    assert document.json() == {"links": [{"rel": "urn:xmpp:alt-connections:websocket", "href": expected}]}
    assert document.headers["access-control-allow-origin"] == "*"
    link = ET.fromstring(xrd.text).find("{http://docs.oasis-open.org/ns/xri/xrd-1.0}Link")
    assert link is not None and link.get("href") == expected
