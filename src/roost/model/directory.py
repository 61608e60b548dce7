"""Directory groups and contacts with RFC 6121 subscription states."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

T = TypeVar("T")


class Subscription(StrEnum):
    NONE = "none"
    TO = "to"
    FROM = "from"
    BOTH = "both"


@dataclass(frozen=True, slots=True)
class Group:
    id: int
    name: str
    description: str
    default_room_id: int | None
    member_ids: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Contact:
    """One roster item of `owner_id`: `contact` is a username or a full address."""

    owner_id: int
    contact: str
    name: str
    subscription: Subscription
    ask: bool
    groups: tuple[str, ...]
    shared: bool  # comes from the organisation's directory, not added by hand


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: tuple[T, ...]
    next_cursor: str | None


class SubscriptionKind(StrEnum):
    """The four subscription requests and answers of RFC 6121 §3 (presence types)."""

    SUBSCRIBE = "subscribe"
    SUBSCRIBED = "subscribed"
    UNSUBSCRIBE = "unsubscribe"
    UNSUBSCRIBED = "unsubscribed"


@dataclass(frozen=True, slots=True)
class SubscriptionState:
    """One side of a subscription: the roster item's state plus an unanswered inbound request."""

    subscription: Subscription = Subscription.NONE
    ask: bool = False  # pending out: the owner asked to see the contact's presence
    pending_in: bool = False  # the contact asked to see the owner's presence

    @property
    def sees(self) -> bool:
        """The owner sees the contact's presence."""
        return self.subscription in (Subscription.TO, Subscription.BOTH)

    @property
    def shows(self) -> bool:
        """The contact sees the owner's presence."""
        return self.subscription in (Subscription.FROM, Subscription.BOTH)
