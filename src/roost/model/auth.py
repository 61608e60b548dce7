"""Login sessions and API tokens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class TokenKind(StrEnum):
    SESSION = "session"
    API = "api"


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """A stored login session or personal API token (never the secret itself)."""

    id: int
    user_id: int
    kind: TokenKind
    name: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A token just made: the secret is shown once, here."""

    info: TokenInfo
    secret: str
    csrf: str
