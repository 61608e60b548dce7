"""Helpers for the RFC 6121 end-to-end tests: roster pushes, presences by type, raw presence stanzas."""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from slixmpp import JID
from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import MatchXPath

from tests.support.client import Person
from tests.support.server import ServerProcess
from tests.support.xmpp import TIMEOUT, Client, connected, wait_for

ROSTER = "jabber:iq:roster"
AVAILABLE = ("available", "chat", "away", "xa", "dnd")


def jid(person: Person, resource: str = "") -> str:
    return f"{person.username}@localhost" + (f"/{resource}" if resource else "")


def pushes(client: Client) -> asyncio.Queue[ET.Element]:
    """A queue of the roster items the server pushes to this client (RFC 6121 §2.1.6), with the query's ver."""
    queue: asyncio.Queue[ET.Element] = asyncio.Queue()

    def on_iq(iq: Any) -> None:
        if iq["type"] == "set":
            query = iq.xml.find(f"{{{ROSTER}}}query")
            for item in query.findall(f"{{{ROSTER}}}item"):
                item.set("ver", query.get("ver", ""))
                queue.put_nowait(item)

    client.register_handler(Callback("pushes", MatchXPath(f"{{jabber:client}}iq/{{{ROSTER}}}query"), on_iq))
    return queue


async def next_push(queue: asyncio.Queue[ET.Element], contact: str, timeout: float = TIMEOUT) -> ET.Element:
    return await wait_for(queue, lambda item: item.get("jid") == contact, timeout)  # type: ignore[no-any-return]


async def presence_from(client: Client, sender: str, kind: str = "available", timeout: float = TIMEOUT) -> Any:
    """The next presence of this type from `sender` (a bare JID matches any of its resources)."""

    def match(presence: Any) -> bool:
        origin = presence["from"]
        shown = presence["type"]  # slixmpp gives the <show/> of an available presence as its type
        return (str(origin) == sender or origin.bare == sender) and (
            kind == shown or (kind in AVAILABLE and shown in AVAILABLE)
        )

    return await wait_for(client.presences, match, timeout)


def send_presence(client: Client, to: str, kind: str | None = None) -> None:
    presence = client.make_presence(pto=JID(to))
    if kind is not None:
        presence["type"] = kind
    presence.send()


@asynccontextmanager
async def manual(server: ServerProcess, person: Person, resource: str = "tests") -> AsyncIterator[Client]:
    """A client that answers no subscription request by itself (slixmpp would approve them)."""
    async with connected(server, person.username, person.password, resource=resource, send_presence=False) as client:
        client.auto_authorize = None
        client.auto_subscribe = False
        client.send_presence()
        await client.get_roster()
        yield client
