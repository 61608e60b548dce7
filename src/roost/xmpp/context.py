"""What every XMPP stream of this server shares: settings, core services, extensions, bound sessions."""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from roost.core.services import Services
from roost.model.conversations import Conversation
from roost.model.users import User
from roost.xmpp.ext import Registry

if TYPE_CHECKING:
    from roost.xmpp.session import XmppSession

T = TypeVar("T")


@dataclass(frozen=True)
class XmppLimits:
    domain: str
    require_tls: bool = True  # plain streams only where allowed (loopback, for benchmarks)
    max_stanza_bytes: int = 10 * 1024 * 1024
    max_stanza_bytes_before_auth: int = 16 * 1024
    max_depth: int = 32
    negotiation_seconds: float = 30.0  # from TCP accept to a bound resource
    write_buffer_max: int = 8 * 1024 * 1024  # bytes queued for a client that does not read
    resources_per_user: int = 50
    resume_seconds: float = 300.0  # XEP-0198: how long a dropped session waits to be resumed; 0: never
    unacked_max: int = 1000  # XEP-0198: unacknowledged stanzas kept for one session
    http_public_url: str = ""  # where HTTP clients reach this server (XEP-0363 slot URLs)


@dataclass
class SessionHub:
    """Bound XMPP sessions by user and resource, and the usernames streams render into JIDs."""

    bound: dict[tuple[int, str], XmppSession] = field(default_factory=dict)
    usernames: dict[int, str] = field(default_factory=dict)
    conversations: dict[int, Conversation] = field(default_factory=dict)

    def resources_of(self, user_id: int) -> list[str]:
        return [resource for (uid, resource) in self.bound if uid == user_id]

    def bind(self, session: XmppSession) -> XmppSession | None:
        """Register a bound session; returns the session it displaces (same resource), if any."""
        key = (session.user_id, session.resource)
        previous = self.bound.get(key)
        self.bound[key] = session
        return previous

    def unbind(self, session: XmppSession) -> None:
        key = (session.user_id, session.resource)
        if self.bound.get(key) is session:
            del self.bound[key]

    def remember(self, user: User) -> None:
        self.usernames[user.id] = user.username


@dataclass
class XmppServer:
    """The shared state of the XMPP transport of one process."""

    services: Services
    limits: XmppLimits
    registry: Registry
    tls: ssl.SSLContext | None
    hub: SessionHub = field(default_factory=SessionHub)
    unauthenticated: dict[str, int] = field(default_factory=dict)  # connections per address
    max_unauthenticated_per_address: int = 100
    _state: dict[type, object] = field(default_factory=dict)

    def state(self, kind: type[T]) -> T:
        """The per-server state object of an extension (made on first use)."""
        found = self._state.get(kind)
        if found is None:
            found = self._state[kind] = kind()
        assert isinstance(found, kind)
        return found
