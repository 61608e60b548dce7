"""People and their credentials."""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from roost.model.errors import BadRequest

FORBIDDEN_USERNAME_CHARS = frozenset(" @/\"&'<>:\\")
USERNAME_MAX = 64


def normalize_username(raw: str) -> str:
    """Lower-case an XMPP-valid localpart, or raise BadRequest naming the problem.

    Every message names a user; the answer for input of ordinary length is cached.
    """
    return _normalize_cached(raw) if len(raw) <= 2 * USERNAME_MAX else _normalize(raw)


def _normalize(raw: str) -> str:
    name = unicodedata.normalize("NFC", raw.strip()).lower()
    if not name:
        raise BadRequest("user.username_empty", "The user id is empty.")
    if len(name) > USERNAME_MAX:
        raise BadRequest("user.username_long", f"The user id is longer than {USERNAME_MAX} characters.")
    for char in name:
        if char in FORBIDDEN_USERNAME_CHARS or char.isspace():
            raise BadRequest("user.username_char", f"The user id may not contain {char!r}.")
        if unicodedata.category(char)[0] in ("C", "Z"):
            raise BadRequest("user.username_char", "The user id contains a control or space character.")
    return name


_normalize_cached = functools.lru_cache(maxsize=4096)(_normalize)


@dataclass(frozen=True, slots=True)
class User:
    """A member of the organisation."""

    id: int
    username: str
    display_name: str
    title: str
    department: str
    is_admin: bool
    is_disabled: bool
    created_at: datetime
    last_seen_at: datetime | None = None
    avatar: str | None = None  # the SHA-1 of the avatar image (XEP-0084/XEP-0153 id); None: no avatar


@dataclass(frozen=True, slots=True)
class AccountChange:
    """A note that an account changed (`change` as in core.events.UserChanged), made by `origin`,
    the process that changed it: how running servers learn of the CLI's changes."""

    id: int
    user_id: int
    change: str
    origin: str


@dataclass(frozen=True, slots=True)
class ScramKeys:
    """What SCRAM (RFC 5802) needs to check a password without knowing it."""

    salt: bytes
    iterations: int
    stored_key: bytes
    server_key: bytes


@dataclass(frozen=True, slots=True)
class Credentials:
    """All stored forms of one password; derived together when it is set."""

    argon2_hash: str
    scram_sha1: ScramKeys
    scram_sha256: ScramKeys


@dataclass(frozen=True, slots=True)
class NewUser:
    """The fields an admin gives when creating an account."""

    username: str
    display_name: str = ""
    title: str = ""
    department: str = ""
    is_admin: bool = False
