"""Personal eventing (XEP-0163): each person's nodes of items, and private storage keys."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import datetime
from enum import StrEnum


class Access(StrEnum):
    """Who may read a node: everyone here, those who see the owner's presence, or the owner only."""

    OPEN = "open"
    PRESENCE = "presence"
    WHITELIST = "whitelist"


class SendLast(StrEnum):
    """When the newest item goes to someone who newly wants it."""

    NEVER = "never"
    ON_SUB = "on_sub"
    ON_SUB_AND_PRESENCE = "on_sub_and_presence"


@dataclass(frozen=True, slots=True)
class NodeConfig:
    access: Access = Access.PRESENCE
    persist_items: bool = True
    max_items: int = 1
    send_last: SendLast = SendLast.ON_SUB_AND_PRESENCE
    notify_retract: bool = True


@dataclass(frozen=True, slots=True)
class NodeOptions:
    """Settings asked for (publish-options, node configuration); None: not asked."""

    access: Access | None = None
    persist_items: bool | None = None
    max_items: int | None = None
    send_last: SendLast | None = None
    notify_retract: bool | None = None

    def apply(self, config: NodeConfig) -> NodeConfig:
        """`config` with the settings asked for."""
        asked = {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None}
        return replace(config, **asked)

    def mismatches(self, config: NodeConfig) -> list[str]:
        """The names of the settings asked for that `config` does not have."""
        return [
            f.name
            for f in fields(self)
            if getattr(self, f.name) is not None and getattr(self, f.name) != getattr(config, f.name)
        ]


@dataclass(frozen=True, slots=True)
class PepNode:
    owner_id: int
    name: str
    config: NodeConfig


@dataclass(frozen=True, slots=True)
class PepItem:
    """One published item: `payload` is what the client published (XML for XMPP), `seq` orders items."""

    owner_id: int
    node: str
    item_id: str
    payload: str
    seq: int
    published_at: datetime
