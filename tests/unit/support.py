"""Fakes for core tests: a clock that moves only when told, sessions that record events."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from roost.bus.local import LocalBus
from roost.core.archive.catchup import CatchUpService
from roost.core.archive.service import ArchiveLimits, ArchiveService
from roost.core.conversations.service import ConversationService
from roost.core.events import Event
from roost.core.presence.service import PresenceService
from roost.core.routing.service import Router
from roost.model.conversations import Conversation, NewRoom, Visibility
from roost.model.ids import IdGenerator
from roost.model.users import Credentials, NewUser, ScramKeys, User
from roost.store.sql.stores import SqlStores

E = TypeVar("E")
START = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
_session_numbers = itertools.count(1)


@dataclass
class FakeClock:
    """Wall and monotonic time that only `advance` moves."""

    wall: datetime = START
    mono: float = 1000.0

    def now(self) -> datetime:
        return self.wall

    def monotonic(self) -> float:
        return self.mono

    def advance(self, seconds: float) -> None:
        self.wall += timedelta(seconds=seconds)
        self.mono += seconds


@dataclass
class FakeSession:
    """A connected client that keeps what it was sent (implements core.session.Session)."""

    user_id: int
    token_id: int | None = None
    id: str = field(default_factory=lambda: f"s{next(_session_numbers)}")
    events: list[Event] = field(default_factory=list)
    closed: str | None = None

    def deliver(self, event: Event) -> None:
        self.events.append(event)

    async def close(self, reason: str) -> None:
        self.closed = reason

    def of_type(self, kind: type[E]) -> list[E]:
        return [e for e in self.events if isinstance(e, kind)]


NO_CREDENTIALS = Credentials("!", ScramKeys(b"s", 1, b"k", b"k"), ScramKeys(b"s", 1, b"k", b"k"))


@dataclass
class Core:
    """Core services over a real SQLite store, a local bus and a fake clock."""

    stores: SqlStores
    clock: FakeClock = field(default_factory=FakeClock)
    bus: LocalBus = field(default_factory=LocalBus)
    ids: IdGenerator = field(default_factory=IdGenerator)
    limits: ArchiveLimits = field(default_factory=lambda: ArchiveLimits(message_max_chars=1000, page_max=50))

    def __post_init__(self) -> None:
        self.router = Router(self.bus)
        self.conversations = ConversationService(
            self.stores.conversations, self.stores.users, self.router, self.ids, self.clock
        )
        self.archive = ArchiveService(
            self.stores.messages,
            self.stores.search,
            self.stores.users,
            self.conversations,
            self.router,
            self.ids,
            self.clock,
            self.limits,
        )
        self.catchup = CatchUpService(
            self.stores.events, self.stores.messages, self.conversations, self.ids, self.clock, limit=20
        )
        self.presence = PresenceService(self.stores.users, self.router, self.clock)

    async def user(self, username: str, **fields: object) -> User:
        """A user stored directly (no password hashing: these tests do not log in)."""
        return await self.stores.users.create(NewUser(username, **fields), NO_CREDENTIALS, self.clock.now())  # type: ignore[arg-type]

    def connect(self, user: User) -> FakeSession:
        session = FakeSession(user.id)
        self.router.register(session)
        return session

    async def room(
        self, owner: User, *members: User, visibility: Visibility = Visibility.INVITE, name: str = "room"
    ) -> Conversation:
        return await self.conversations.create_room(owner, NewRoom(name, "", visibility), [m.id for m in members])
