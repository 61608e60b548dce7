"""Presence: who is online, away or busy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Show(StrEnum):
    AVAILABLE = "available"
    CHAT = "chat"
    AWAY = "away"
    XA = "xa"
    DND = "dnd"
    UNAVAILABLE = "unavailable"

    @property
    def availability(self) -> int:
        """Higher is more available; the user's presence is their most available session's."""
        order = {"chat": 6, "available": 5, "away": 3, "dnd": 4, "xa": 2, "unavailable": 0}
        return order[self.value]


@dataclass(frozen=True, slots=True)
class Presence:
    user_id: int
    show: Show
    status: str
    last_seen_at: datetime | None = None


WEB_RESOURCE = "web"  # the resource all of a person's web sessions appear as


@dataclass(frozen=True, slots=True)
class ResourcePresence:
    """The presence of one resource of a person: an XMPP client, or all their web sessions."""

    user_id: int
    resource: str
    show: Show
    status: str
    priority: int = 0
