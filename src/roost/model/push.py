"""Push registrations: an app server that wakes a person's sleeping mobile client (XEP-0357)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class PushRegistration:
    """One client's push registration: notify `node` at `service_jid`, with its publish options."""

    user_id: int
    service_jid: str
    node: str
    resource: str  # the client (resource) that enabled it
    options: tuple[tuple[str, str], ...]  # XEP-0357 publish-options (field, value): often a secret
    created_at: datetime
