"""A small RFC 7395 client for tests: the `websockets` library, elements in and out, every wait bounded."""

from __future__ import annotations

import asyncio
import base64
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

from tests.support.scram import ScramClient
from tests.support.server import ServerProcess

TIMEOUT = 15.0
FRAMING = "urn:ietf:params:xml:ns:xmpp-framing"
STREAMS = "http://etherx.jabber.org/streams"
SASL = "urn:ietf:params:xml:ns:xmpp-sasl"
BIND = "urn:ietf:params:xml:ns:xmpp-bind"
CLIENT = "jabber:client"
OPEN = f"<open xmlns='{FRAMING}' to='localhost' version='1.0'/>"


class WsClient:
    """One XMPP-over-WebSocket connection."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.jid = ""

    async def send(self, text: str) -> None:
        await self.ws.send(text)

    async def recv(self) -> ET.Element:
        text = await asyncio.wait_for(self.ws.recv(), TIMEOUT)
        assert isinstance(text, str), "RFC 7395: text messages only"
        return ET.fromstring(text)

    async def until(self, match: Callable[[ET.Element], bool]) -> ET.Element:
        while True:
            element = await self.recv()
            if match(element):
                return element

    async def open(self) -> ET.Element:
        """Open (or restart) the stream; returns the features."""
        await self.send(OPEN)
        opened = await self.recv()
        assert opened.tag == f"{{{FRAMING}}}open", ET.tostring(opened)
        features = await self.recv()
        assert features.tag == f"{{{STREAMS}}}features", ET.tostring(features)
        return features

    async def auth(self, mechanism: str, data: bytes) -> ET.Element:
        encoded = base64.b64encode(data).decode() or "="
        await self.send(f"<auth xmlns='{SASL}' mechanism='{mechanism}'>{encoded}</auth>")
        return await self.recv()

    async def respond(self, data: bytes) -> ET.Element:
        await self.send(f"<response xmlns='{SASL}'>{base64.b64encode(data).decode()}</response>")
        return await self.recv()

    async def login_plain(self, username: str, password: str) -> ET.Element:
        return await self.auth("PLAIN", f"\0{username}\0{password}".encode())

    async def login_scram(self, username: str, password: str) -> ET.Element:
        scram = ScramClient(username, password)
        challenge = await self.auth("SCRAM-SHA-256", scram.first())
        assert challenge.tag == f"{{{SASL}}}challenge", ET.tostring(challenge)
        outcome = await self.respond(scram.final(base64.b64decode(challenge.text or "")))
        if outcome.tag == f"{{{SASL}}}success":
            assert scram.verify(base64.b64decode(outcome.text or ""))
        return outcome

    async def bind(self, resource: str = "ws") -> str:
        await self.open()
        await self.send(
            f"<iq xmlns='{CLIENT}' type='set' id='bind1'>"
            f"<bind xmlns='{BIND}'><resource>{resource}</resource></bind></iq>"
        )
        result = await self.recv()
        self.jid = result.findtext(f"{{{BIND}}}bind/{{{BIND}}}jid") or ""
        assert result.get("type") == "result" and self.jid, ET.tostring(result)
        return self.jid


def ws_url(server: ServerProcess) -> str:
    return f"ws://127.0.0.1:{server.port}/xmpp-websocket"


@asynccontextmanager
async def ws_connection(
    server: ServerProcess, *, subprotocols: list[str] | None = None, origin: str | None = None
) -> AsyncIterator[WsClient]:
    wanted = ["xmpp"] if subprotocols is None else subprotocols
    protocols = [Subprotocol(p) for p in wanted] or None  # []: no header at all
    headers = {"Origin": origin} if origin else None
    async with connect(
        ws_url(server),
        subprotocols=protocols,
        additional_headers=headers,
        open_timeout=TIMEOUT,
    ) as ws:
        yield WsClient(ws)


@asynccontextmanager
async def ws_logged_in(
    server: ServerProcess, username: str, password: str, resource: str = "ws"
) -> AsyncIterator[WsClient]:
    """Logged in with SCRAM-SHA-256, bound, initial presence sent."""
    async with ws_connection(server) as client:
        await client.open()
        outcome = await client.login_scram(username, password)
        assert outcome.tag == f"{{{SASL}}}success", ET.tostring(outcome)
        await client.bind(resource)
        await client.send(f"<presence xmlns='{CLIENT}'/>")
        yield client
