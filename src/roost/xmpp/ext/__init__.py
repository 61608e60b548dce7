"""Extensions: one module per XEP (or RFC section), each an `Extension` value the registry installs.

A module builds its `ext = Extension(...)` and registers handlers with typed keys
(`@ext.iq_get(NS, "query")`). Importing a module does nothing else; the registry
(`xmpp/ext/registry.py`) picks the enabled ones. Service discovery lists the features
of the installed extensions, never a hand-kept list.

Besides iq handlers, an extension may hook the stream itself (XEP-0198, XEP-0352):

- `@ext.stream_feature`: an element offered in the stream features after
  authentication, next to `<bind/>`; `@ext.auth_feature`: one offered before, next to the
  SASL mechanisms;
- `@ext.before_auth(ns, element)`: an iq (get or set) with this payload answered before
  authentication (XEP-0077 registration);
- `@ext.before_bind(ns, element)`: a top-level element accepted instead of binding
  (`<resume/>`); it returns the session the connection takes over, or None;
- `@ext.nonza(ns, element)`: a top-level element that is not a stanza on a bound stream
  (`<r/>`, `<a/>`, `<enable/>`, `<active/>`);
- `Service`: an address of its own (`upload.<domain>`) listed in disco#items;
- `@ext.on_presence`: each available presence a client broadcasts (XEP-0115 reads `<c/>`);
- `@ext.on_client_features`: a session's client features changed (XEP-0115 resolved them):
  XEP-0163 sends the last items of the nodes it newly asks to be notified of;
- `account_identities`: disco#info identities of every account's bare JID (`pubsub/pep`).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, TypeVar

from roost.core.services import Services
from roost.model.jid import Jid
from roost.model.users import User

if TYPE_CHECKING:
    from roost.xmpp.context import XmppLimits, XmppServer
    from roost.xmpp.session import XmppSession

K = TypeVar("K")
H = TypeVar("H")


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
    @property
    def server(self) -> XmppServer: ...
    @property
    def id(self) -> str:
        """The stream's session id (the core's `origin` of what it sends)."""
        ...

    carbons: bool  # XEP-0280 enabled on this stream
    roster_requested: bool  # asked for the roster: an interested resource (RFC 6121 §2.1.6), gets pushes

    @property
    def limits(self) -> XmppLimits: ...
    def send(self, element: ET.Element) -> None: ...


class UnboundStream(Protocol):
    """An authenticated connection that has not bound a resource yet."""

    @property
    def server(self) -> XmppServer: ...
    @property
    def user(self) -> User | None: ...
    @property
    def address(self) -> str: ...
    @property
    def is_secure(self) -> bool:
        """TLS (or an equivalent the admin declared) protects the stream."""
        ...

    def send(self, element: ET.Element) -> None: ...
    async def close_stream(self, condition: str, text: str = "") -> None: ...


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
    """A message whose payload an extension handles (instead of a new message), to a colleague or a room."""

    stream: StreamContext
    stanza: ET.Element
    payload: ET.Element
    conversation_id: int  # the direct conversation of the two, or the room
    in_room: bool = False  # a room reflects every change to its sender's streams too

    @property
    def origin(self) -> str | None:
        """The stream whose client made a change and needs no copy of it (None in a room)."""
        return None if self.in_room else self.stream.id

    @property
    def services(self) -> Services:
        return self.stream.services


IqHandler = Callable[[IqRequest], Awaitable[None]]
MessageHandler = Callable[[MessageRequest], Awaitable[None]]
IqKey = tuple[str, str]  # ("get" | "set", "{namespace}element")
SessionHook = Callable[["XmppSession"], Awaitable[None]]
PresenceHook = Callable[["XmppSession", ET.Element], Awaitable[None]]
FeaturesHook = Callable[["XmppSession", frozenset[str]], Awaitable[None]]  # with the previous features
StreamFeature = Callable[["XmppServer"], "ET.Element | None"]
BeforeBindHandler = Callable[[UnboundStream, ET.Element], Awaitable["XmppSession | None"]]
BeforeAuthHandler = Callable[[UnboundStream, ET.Element], Awaitable[None]]
NonzaHandler = Callable[["XmppSession", ET.Element], Awaitable[None]]


@dataclass(frozen=True)
class Service:
    """An address of its own under the domain (`upload.<domain>`), with its disco#info."""

    subdomain: str
    category: str
    type: str
    name: str
    features: tuple[str, ...]
    forms: Callable[[StreamContext], list[ET.Element]] = lambda _stream: []  # XEP-0128 extended info

    def jid(self, domain: str) -> str:
        return f"{self.subdomain}.{domain}"


@dataclass
class Extension:
    """One protocol feature: its disco features and its handlers."""

    name: str
    title: str
    xep: int | None = None
    version: str = ""
    features: list[str] = field(default_factory=list)
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

    account_iqs: set[IqKey] = field(default_factory=set)
    stream_features: list[StreamFeature] = field(default_factory=list)
    auth_features: list[StreamFeature] = field(default_factory=list)
    before_auth_handlers: dict[str, BeforeAuthHandler] = field(default_factory=dict)
    before_bind_handlers: dict[str, BeforeBindHandler] = field(default_factory=dict)
    nonza_handlers: dict[str, NonzaHandler] = field(default_factory=dict)
    services: list[Service] = field(default_factory=list)
    presence_hooks: list[PresenceHook] = field(default_factory=list)
    client_features_hooks: list[FeaturesHook] = field(default_factory=list)
    account_identities: list[tuple[str, str]] = field(default_factory=list)  # (category, type)

    def on_presence(self, hook: PresenceHook) -> PresenceHook:
        """Run `hook` for each available presence a session broadcasts."""
        self.presence_hooks.append(hook)
        return hook

    def on_client_features(self, hook: FeaturesHook) -> FeaturesHook:
        """Run `hook` when a session's client features are known or change."""
        self.client_features_hooks.append(hook)
        return hook

    def stream_feature(self, feature: StreamFeature) -> StreamFeature:
        self.stream_features.append(feature)
        return feature

    def auth_feature(self, feature: StreamFeature) -> StreamFeature:
        self.auth_features.append(feature)
        return feature

    def before_auth(self, namespace: str, element: str) -> Callable[[BeforeAuthHandler], BeforeAuthHandler]:
        def register(handler: BeforeAuthHandler) -> BeforeAuthHandler:
            self.before_auth_handlers[f"{{{namespace}}}{element}"] = handler
            return handler

        return register

    def before_bind(self, namespace: str, element: str) -> Callable[[BeforeBindHandler], BeforeBindHandler]:
        def register(handler: BeforeBindHandler) -> BeforeBindHandler:
            self.before_bind_handlers[f"{{{namespace}}}{element}"] = handler
            return handler

        return register

    def nonza(self, namespace: str, element: str) -> Callable[[NonzaHandler], NonzaHandler]:
        def register(handler: NonzaHandler) -> NonzaHandler:
            self.nonza_handlers[f"{{{namespace}}}{element}"] = handler
            return handler

        return register

    def iq_get(self, namespace: str, element: str, *, for_accounts: bool = False) -> Callable[[IqHandler], IqHandler]:
        """`for_accounts`: also answered for iqs to any account's bare JID (RFC 6121 §8.5.1)."""
        return self._iq("get", namespace, element, for_accounts)

    def iq_set(self, namespace: str, element: str, *, for_accounts: bool = False) -> Callable[[IqHandler], IqHandler]:
        return self._iq("set", namespace, element, for_accounts)

    def _iq(self, kind: str, namespace: str, element: str, for_accounts: bool) -> Callable[[IqHandler], IqHandler]:
        def register(handler: IqHandler) -> IqHandler:
            self.iq_handlers[(kind, f"{{{namespace}}}{element}")] = handler
            if for_accounts:
                self.account_iqs.add((kind, f"{{{namespace}}}{element}"))
            return handler

        return register


@dataclass
class Registry:
    """The installed extensions, looked up by stanza key."""

    extensions: list[Extension]
    _iq: dict[IqKey, IqHandler] = field(default_factory=dict)
    _before_bind: dict[str, BeforeBindHandler] = field(default_factory=dict)
    _before_auth: dict[str, BeforeAuthHandler] = field(default_factory=dict)
    _nonza: dict[str, NonzaHandler] = field(default_factory=dict)
    _message: dict[str, tuple[int, MessageHandler]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for rank, extension in enumerate(self.extensions):
            for tag, handler in extension.message_handlers.items():
                self._message.setdefault(tag, (rank, handler))
            _merge(self._iq, extension.iq_handlers)
            _merge(self._before_bind, extension.before_bind_handlers)
            _merge(self._before_auth, extension.before_auth_handlers)
            _merge(self._nonza, extension.nonza_handlers)

    @property
    def available_hooks(self) -> list[SessionHook]:
        return [hook for extension in self.extensions for hook in extension.available_hooks]

    @property
    def presence_hooks(self) -> list[PresenceHook]:
        return [hook for extension in self.extensions for hook in extension.presence_hooks]

    @property
    def client_features_hooks(self) -> list[FeaturesHook]:
        return [hook for extension in self.extensions for hook in extension.client_features_hooks]

    @property
    def account_identities(self) -> list[tuple[str, str]]:
        return [identity for extension in self.extensions for identity in extension.account_identities]

    def installed(self, name: str) -> bool:
        return any(extension.name == name for extension in self.extensions)

    def message_handler(self, stanza: ET.Element) -> tuple[MessageHandler, ET.Element] | None:
        """The handler of the first payload of the message that the first extension in order handles."""
        found: tuple[int, MessageHandler, ET.Element] | None = None
        for child in stanza:
            entry = self._message.get(child.tag)
            if entry is not None and (found is None or entry[0] < found[0]):
                found = (entry[0], entry[1], child)
        return None if found is None else (found[1], found[2])

    def has(self, name: str) -> bool:
        """Whether the extension of this name is installed (for features woven into the core paths)."""
        return any(extension.name == name for extension in self.extensions)

    def iq_handler(self, kind: str, tag: str) -> IqHandler | None:
        return self._iq.get((kind, tag))

    def answers_for_accounts(self, kind: str, tag: str) -> bool:
        return any((kind, tag) in extension.account_iqs for extension in self.extensions)

    def before_auth_handler(self, tag: str) -> BeforeAuthHandler | None:
        return self._before_auth.get(tag)

    def auth_features(self, server: XmppServer) -> list[ET.Element]:
        """The elements extensions offer before authentication, beside the SASL mechanisms."""
        offered = (feature(server) for extension in self.extensions for feature in extension.auth_features)
        return [element for element in offered if element is not None]

    def before_bind_handler(self, tag: str) -> BeforeBindHandler | None:
        return self._before_bind.get(tag)

    def nonza_handler(self, tag: str) -> NonzaHandler | None:
        return self._nonza.get(tag)

    def stream_features(self, server: XmppServer) -> list[ET.Element]:
        """The elements extensions offer after authentication, beside <bind/>."""
        offered = (feature(server) for extension in self.extensions for feature in extension.stream_features)
        return [element for element in offered if element is not None]

    @property
    def services(self) -> list[Service]:
        return [service for extension in self.extensions for service in extension.services]

    def service(self, jid: Jid, domain: str) -> Service | None:
        """The service at this address (a bare domain such as upload.<domain>), if any."""
        if jid.local or jid.resource:
            return None
        return next((s for s in self.services if s.jid(domain) == jid.domain), None)

    @property
    def features(self) -> list[str]:
        return sorted({feature for extension in self.extensions for feature in extension.features})


def _merge(into: dict[K, H], handlers: dict[K, H]) -> None:
    for key, handler in handlers.items():
        if key in into:
            raise ValueError(f"two extensions handle {key}")
        into[key] = handler
