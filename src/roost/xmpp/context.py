"""What every XMPP stream of this server shares: settings, core services, extensions, bound sessions."""

from __future__ import annotations

import asyncio
import itertools
import ssl
from collections import OrderedDict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from roost.config import ExternalService
from roost.core.services import Services
from roost.model.conversations import Conversation
from roost.model.users import User
from roost.xmpp.ext import Registry
from roost.xmpp.ext.xep0045_muc.occupancy import Occupancy

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
    external_services: tuple[ExternalService, ...] = ()  # XEP-0215
    turn_secret: str = ""
    turn_credential_seconds: int = 86400
    registration: bool = False  # XEP-0077: anyone may create an account before logging in
    registrations_per_address_hour: int = 5


ORIGINS_KEPT = 10_000


@dataclass(frozen=True, slots=True)
class Origin:
    """How an XMPP client sent a message: from which resource, to which resource, with a private hint."""

    resource: str
    to_resource: str | None = None
    private: bool = False  # XEP-0280 <private/> or XEP-0334 <no-copy/>: no carbons
    to_self: bool = False  # to the sender's own JID ("note to self", "to my other device")


@dataclass
class _Turn:
    """A user's `SessionHub.offline_turn`: its lock and how many hold it or wait for it."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    takers: int = 0


@dataclass
class SessionHub:
    """Bound XMPP sessions by user and resource, and the usernames streams render into JIDs."""

    usernames: dict[int, str] = field(default_factory=dict)
    conversations: dict[int, Conversation] = field(default_factory=dict)
    origins: OrderedDict[tuple[int, str], Origin] = field(default_factory=OrderedDict)
    _by_user: dict[int, dict[str, XmppSession]] = field(default_factory=dict)  # user -> resource -> session
    _offline_turns: dict[int, _Turn] = field(default_factory=dict)
    _moments: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def moment(self) -> int:
        """A number larger than every one given before: what happened first in this process."""
        return next(self._moments)

    @asynccontextmanager
    async def offline_turn(self, user_id: int) -> AsyncIterator[None]:
        """Held while a session that ends writes its delivery mark and hands its unacknowledged
        messages back (the mark may go back), and while a new one reads the user's offline
        backlog: the backlog is read before the hand-back (which then finds the new session
        available) or after its mark is written, never between."""
        turn = self._offline_turns.get(user_id)
        if turn is None:
            turn = self._offline_turns[user_id] = _Turn()
        turn.takers += 1
        try:
            async with turn.lock:
                yield
        finally:
            turn.takers -= 1
            if not turn.takers:  # nobody holds or waits: the next turn makes a new one
                del self._offline_turns[user_id]

    def note_sent(self, sender_id: int, client_id: str, origin: Origin) -> None:
        """Remember how a message was sent, for carbons, until newer ones push it out."""
        self.origins[(sender_id, client_id)] = origin
        self.origins.move_to_end((sender_id, client_id))
        while len(self.origins) > ORIGINS_KEPT:
            self.origins.popitem(last=False)

    def origin_of(self, sender_id: int, client_id: str | None) -> Origin | None:
        """None for messages sent from the web or the API, or forgotten."""
        return self.origins.get((sender_id, client_id)) if client_id is not None else None

    def addressed_resource(self, user_id: int, origin: Origin | None) -> str | None:
        """The resource a message was sent to, if it names a connected session (else: the bare JID)."""
        if origin is None or origin.to_resource is None:
            return None
        return origin.to_resource if origin.to_resource in self._by_user.get(user_id, {}) else None

    def session_at(self, user_id: int, resource: str) -> XmppSession | None:
        return self._by_user.get(user_id, {}).get(resource)

    def sessions_of(self, user_id: int) -> list[XmppSession]:
        """The user's bound sessions (without scanning everyone's: a login asks at every bind)."""
        return list(self._by_user.get(user_id, {}).values())

    def available_sessions(self, user_id: int) -> list[XmppSession]:
        return [s for s in self._by_user.get(user_id, {}).values() if s.available]

    def resources_of(self, user_id: int) -> list[str]:
        return list(self._by_user.get(user_id, {}))

    def bind(self, session: XmppSession) -> XmppSession | None:
        """Register a bound session; returns the session it displaces (same resource), if any."""
        mine = self._by_user.setdefault(session.user_id, {})
        previous = mine.get(session.resource)
        mine[session.resource] = session
        return previous

    def unbind(self, session: XmppSession) -> None:
        mine = self._by_user.get(session.user_id, {})
        if mine.get(session.resource) is session:
            del mine[session.resource]
            if not mine:
                del self._by_user[session.user_id]

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
    rooms: Occupancy = field(default_factory=Occupancy)  # XEP-0045 occupants of this process
    unauthenticated: dict[str, int] = field(default_factory=dict)  # connections per address
    max_unauthenticated_per_address: int = 100
    channel_bindings: dict[str, bytes] = field(default_factory=dict)  # SCRAM -PLUS under this server's TLS
    _state: dict[type, object] = field(default_factory=dict)

    def state(self, kind: type[T]) -> T:
        """The per-server state object of an extension (made on first use)."""
        found = self._state.get(kind)
        if found is None:
            found = self._state[kind] = kind()
        assert isinstance(found, kind)
        return found
