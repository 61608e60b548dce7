"""slixmpp clients against a real server, with every wait bounded."""

from __future__ import annotations

import asyncio
import ssl
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from slixmpp import JID, ClientXMPP
from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import MatchXPath

from tests.support.client import Person
from tests.support.server import ServerProcess

TIMEOUT = 15.0


def insecure_context() -> ssl.SSLContext:
    """The test server's certificate is self-signed."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


class Client(ClientXMPP):
    """A slixmpp client that records what it receives."""

    def __init__(self, jid: str, password: str, plugins: tuple[str, ...]) -> None:
        super().__init__(jid, password)
        self.ssl_context = insecure_context()
        for plugin in plugins:
            self.register_plugin(plugin)
        self.messages: asyncio.Queue[Any] = asyncio.Queue()
        self.presences: asyncio.Queue[Any] = asyncio.Queue()
        self.started: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self.add_event_handler("session_start", self._on_start)
        self.add_event_handler("failed_auth", self._on_failed)
        self.add_event_handler("message", self.messages.put_nowait)
        self.add_event_handler("presence", self.presences.put_nowait)

    async def _on_start(self, _event: Any) -> None:
        if not self.started.done():
            self.started.set_result(True)

    def _on_failed(self, _event: Any) -> None:
        if not self.started.done():
            self.started.set_result(False)

    async def next_message(self, timeout: float = TIMEOUT) -> Any:
        return await asyncio.wait_for(self.messages.get(), timeout)


@asynccontextmanager
async def connected(
    server: ServerProcess,
    username: str,
    password: str,
    *,
    resource: str = "tests",
    direct_tls: bool = False,
    plugins: tuple[str, ...] = ("xep_0030", "xep_0199"),
    send_presence: bool = True,
) -> AsyncIterator[Client]:
    """A logged-in client (session started); disconnected afterwards."""
    client = Client(f"{username}@localhost/{resource}", password, plugins)
    client.enable_direct_tls = direct_tls
    client.enable_starttls = not direct_tls
    client.connect("127.0.0.1", server.xmpp_tls_port if direct_tls else server.xmpp_port)
    try:
        assert await asyncio.wait_for(client.started, TIMEOUT), "authentication failed"
        if send_presence:
            client.send_presence()
            await client.get_roster()
        yield client
    finally:
        client.disconnect()
        await asyncio.sleep(0)


@asynccontextmanager
async def both_connected(server: ServerProcess, first: Person, second: Person) -> AsyncIterator[tuple[Client, Client]]:
    """Two people's clients, logged in with their initial presence sent."""
    async with (
        connected(server, first.username, first.password) as one,
        connected(server, second.username, second.password) as two,
    ):
        yield one, two


async def wait_for(queue: asyncio.Queue[Any], match: Any, timeout: float = TIMEOUT) -> Any:
    """The next item of the queue for which `match(item)` holds (others are dropped)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        item = await asyncio.wait_for(queue.get(), deadline - asyncio.get_running_loop().time())
        if match(item):
            return item


def drain(queue: asyncio.Queue[Any]) -> list[Any]:
    """Everything queued so far."""
    items = []
    while not queue.empty():
        items.append(queue.get_nowait())
    return items


async def send_iq(client: Client, kind: str, payload: str, to: str | None = None) -> Any:
    """Send an iq with a raw XML payload; its answer (an IqError is raised for an error)."""
    iq = client.make_iq_set() if kind == "set" else client.make_iq_get()
    iq.append(ET.fromstring(payload))
    if to is not None:
        iq["to"] = to
    return await iq.send(timeout=TIMEOUT)  # type: ignore[no-untyped-call]


def send_payload(
    client: Client, to: str, payload: str, *, body: str | None = None, stanza_id: str | None = None
) -> None:
    """Send a chat message with a raw XML payload (and a body and id, if given)."""
    message = client.make_message(mto=JID(to), mbody=body, mtype="chat")
    if stanza_id is not None:
        message["id"] = stanza_id
    for element in ET.fromstring(f"<payload>{payload}</payload>"):  # one or more elements
        message.append(element)
    message.send()


def every_message(client: Client) -> asyncio.Queue[Any]:
    """A queue of every message stanza (slixmpp's `message` event skips those without a body)."""
    queue: asyncio.Queue[Any] = asyncio.Queue()
    client.register_handler(Callback("every message", MatchXPath("{jabber:client}message"), queue.put_nowait))
    return queue


def next_event(client: ClientXMPP, name: str) -> asyncio.Future[Any]:
    """A future for the next time the client raises the slixmpp event `name`."""
    future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

    def settle(event: Any) -> None:
        if not future.done():
            future.set_result(event)

    client.add_event_handler(name, settle, disposable=True)
    return future
