"""Extensions: one module per XEP (or RFC section), each an `Extension` value the registry installs.

A module builds its `ext = Extension(...)` and registers handlers with typed keys
(`@ext.iq_get(NS, "query")`). Importing a module does nothing else; the registry
(`xmpp/ext/registry.py`) picks the enabled ones. Service discovery lists the features
of the installed extensions, never a hand-kept list.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from roost.core.services import Services
from roost.model.jid import Jid
from roost.model.users import User

if TYPE_CHECKING:
    from roost.xmpp.session import XmppSession


class StreamContext(Protocol):
    """What a handler may use of the stream it runs on."""

    @property
    def services(self) -> Services: ...
    @property
    def user(self) -> User: ...
    @property
    def jid(self) -> Jid: ...
    @property
    def domain(self) -> str: ...
    @property
    def registry(self) -> Registry: ...

    carbons: bool  # XEP-0280 enabled on this stream

    def send(self, element: ET.Element) -> None: ...


@dataclass
class IqRequest:
    """An iq get/set addressed to the server or the user's own account."""

    stream: StreamContext
    iq: ET.Element
    payload: ET.Element

    @property
    def services(self) -> Services:
        return self.stream.services

    @property
    def user(self) -> User:
        return self.stream.user

    def result(self, *children: ET.Element) -> None:
        reply = ET.Element("{jabber:client}iq", {"type": "result", "id": self.iq.get("id", "")})
        reply.set("to", str(self.stream.jid))
        if self.iq.get("to"):
            reply.set("from", self.iq.get("to", ""))
        reply.extend(children)
        self.stream.send(reply)


@dataclass
class MessageRequest:
    """A chat message to a colleague whose payload an extension handles (instead of a new message)."""

    stream: StreamContext
    stanza: ET.Element
    payload: ET.Element
    conversation_id: int  # the direct conversation of the two

    @property
    def services(self) -> Services:
        return self.stream.services


IqHandler = Callable[[IqRequest], Awaitable[None]]
MessageHandler = Callable[[MessageRequest], Awaitable[None]]
IqKey = tuple[str, str]  # ("get" | "set", "{namespace}element")
SessionHook = Callable[["XmppSession"], Awaitable[None]]


@dataclass
class Extension:
    """One protocol feature: its disco features and its handlers."""

    name: str
    title: str
    xep: int | None = None
    version: str = ""
    features: list[str] = field(default_factory=list)
    services: list[str] = field(default_factory=list)  # subdomains it serves ("conference"): disco items
    iq_handlers: dict[IqKey, IqHandler] = field(default_factory=dict)
    available_hooks: list[SessionHook] = field(default_factory=list)
    message_handlers: dict[str, MessageHandler] = field(default_factory=dict)

    def message(self, namespace: str, element: str) -> Callable[[MessageHandler], MessageHandler]:
        """Handle chat messages that carry this payload element."""

        def register(handler: MessageHandler) -> MessageHandler:
            self.message_handlers[f"{{{namespace}}}{element}"] = handler
            return handler

        return register

    def on_available(self, hook: SessionHook) -> SessionHook:
        """Run `hook` when a session sends its initial presence (after the roster's presences)."""
        self.available_hooks.append(hook)
        return hook

    def iq_get(self, namespace: str, element: str) -> Callable[[IqHandler], IqHandler]:
        return self._iq("get", namespace, element)

    def iq_set(self, namespace: str, element: str) -> Callable[[IqHandler], IqHandler]:
        return self._iq("set", namespace, element)

    def _iq(self, kind: str, namespace: str, element: str) -> Callable[[IqHandler], IqHandler]:
        def register(handler: IqHandler) -> IqHandler:
            self.iq_handlers[(kind, f"{{{namespace}}}{element}")] = handler
            return handler

        return register


@dataclass
class Registry:
    """The installed extensions, looked up by stanza key."""

    extensions: list[Extension]
    _iq: dict[IqKey, IqHandler] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for extension in self.extensions:
            for key, handler in extension.iq_handlers.items():
                if key in self._iq:
                    raise ValueError(f"two extensions handle {key}")
                self._iq[key] = handler

    @property
    def available_hooks(self) -> list[SessionHook]:
        return [hook for extension in self.extensions for hook in extension.available_hooks]

    def message_handler(self, stanza: ET.Element) -> tuple[MessageHandler, ET.Element] | None:
        """The handler of the first payload of the message some extension handles."""
        for extension in self.extensions:
            for child in stanza:
                handler = extension.message_handlers.get(child.tag)
                if handler is not None:
                    return handler, child
        return None

    def iq_handler(self, kind: str, tag: str) -> IqHandler | None:
        return self._iq.get((kind, tag))

    @property
    def features(self) -> list[str]:
        return sorted({feature for extension in self.extensions for feature in extension.features})
