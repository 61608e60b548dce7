"""XEP-0352: Client State Indication. An inactive client gets messages at once, presence and chat states later.

While the client says it is `<inactive/>` (a phone in a pocket), presence updates and
chat-state notifications are held back, only the latest per sender; `<active/>` sends
them. Messages with a body go out at once, and drop a held chat state of their sender,
which the message makes stale.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from roost.xmpp.context import XmppServer
from roost.xmpp.ext import Extension
from roost.xmpp.session import SessionLayer, XmppSession

NS = "urn:xmpp:csi:0"
CLIENT = "jabber:client"
CHATSTATES = "http://jabber.org/protocol/chatstates"
HELD_MAX = 10_000  # senders with something held; beyond, the oldest goes out
ext = Extension(name="csi", xep=352, version="1.0.0", title="Client State Indication")


class ClientState(SessionLayer):
    """Holds presence and chat states back while the client is inactive."""

    rank = 10  # before stream management counts stanzas: held ones are not sent yet

    def __init__(self, session: XmppSession) -> None:
        self.session = session
        self.inactive = False
        self.held: dict[tuple[str, str], ET.Element] = {}

    def outbound(self, element: ET.Element) -> ET.Element | None:
        if not self.inactive:
            return element
        key = _holdable(element)
        if key is None:
            if element.tag == f"{{{CLIENT}}}message":
                self.held.pop(("chat-state", element.get("from", "")), None)
            return element
        self.held.pop(key, None)  # the latest goes last: the order of updates is kept
        self.held[key] = element
        if len(self.held) > HELD_MAX:
            oldest = next(iter(self.held))
            self.session.send(self.held.pop(oldest), after=self)
        return None

    def activate(self) -> None:
        self.inactive = False
        held, self.held = self.held, {}
        for element in held.values():
            self.session.send(element, after=self)


def _holdable(element: ET.Element) -> tuple[str, str] | None:
    sender = element.get("from", "")
    if element.tag == f"{{{CLIENT}}}presence" and element.get("type") in (None, "unavailable"):
        return ("presence", sender)
    if element.tag == f"{{{CLIENT}}}message" and _only_chat_state(element):
        return ("chat-state", sender)
    return None


def _only_chat_state(message: ET.Element) -> bool:
    return len(message) > 0 and all(child.tag.startswith(f"{{{CHATSTATES}}}") for child in message)


def _layer(session: XmppSession) -> ClientState:
    layer = session.layer(ClientState)
    if layer is None:
        layer = ClientState(session)
        session.add_layer(layer)
    return layer


@ext.stream_feature
def offer(server: XmppServer) -> ET.Element:
    return ET.Element(f"{{{NS}}}csi")


@ext.nonza(NS, "inactive")
async def on_inactive(session: XmppSession, _inactive: ET.Element) -> None:
    _layer(session).inactive = True


@ext.nonza(NS, "active")
async def on_active(session: XmppSession, _active: ET.Element) -> None:
    _layer(session).activate()
