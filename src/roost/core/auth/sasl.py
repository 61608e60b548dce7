"""Password checks for SASL (XMPP): SCRAM keys and PLAIN, throttled like web logins.

PLAIN is checked against the stored SCRAM-SHA-256 keys (PBKDF2, 4096 rounds: a few
milliseconds) rather than the argon2 hash used for web logins (a third of a second by
design): an XMPP server takes logins in bursts, after every network change of every
phone. Unknown and disabled accounts get keys derived from a per-process secret, so a
SCRAM exchange looks the same for them and the answer ("not-authorized") comes at the
same step.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import os
from dataclasses import dataclass, field
from typing import Literal

from roost.core.accounts import passwords
from roost.core.auth.throttle import Throttle
from roost.model.errors import BadRequest, NotAuthorized
from roost.model.users import Credentials, ScramKeys, User, normalize_username
from roost.store.protocols import UserStore

Algorithm = Literal["sha1", "sha256"]
FAILED = NotAuthorized("auth.failed", "Wrong user id or password.")


@dataclass(frozen=True, slots=True)
class ScramAccount:
    """The keys a SCRAM exchange runs against; `user` is None for an account that cannot log in."""

    user: User | None
    keys: ScramKeys


@dataclass(frozen=True)
class SaslService:
    """Checks XMPP logins; throttles are shared with the web login."""

    users: UserStore
    account_throttle: Throttle
    address_throttle: Throttle
    _secret: bytes = field(default_factory=lambda: os.urandom(32))

    async def scram_account(self, username: str, address: str, algorithm: Algorithm) -> ScramAccount:
        """Keys for a SCRAM exchange (raises RateLimited while the account or address must wait)."""
        key = self._check(username, address)
        user, creds = await self._login(key) or (None, None)
        if user is None or creds is None:
            return ScramAccount(None, self._decoy(key, algorithm))
        return ScramAccount(user, creds.scram_sha1 if algorithm == "sha1" else creds.scram_sha256)

    async def check_plain(self, username: str, password: str, address: str) -> User:
        """SASL PLAIN: the password against the stored SCRAM-SHA-256 keys."""
        account = await self.scram_account(username, address, "sha256")
        keys = account.keys
        try:
            prepared = passwords.prepare(password, 0)
        except BadRequest:
            prepared = ""
        computed = await asyncio.to_thread(passwords.scram_keys, prepared, "sha256", keys.salt, keys.iterations)
        if account.user is None or not prepared or not hmac.compare_digest(computed.stored_key, keys.stored_key):
            self.failed(username, address)
            raise FAILED
        self.succeeded(username)
        return account.user

    def failed(self, username: str, address: str) -> None:
        self.account_throttle.failed(_throttle_key(username))
        self.address_throttle.failed(address)

    def succeeded(self, username: str) -> None:
        self.account_throttle.succeeded(_throttle_key(username))

    def _check(self, username: str, address: str) -> str:
        key = _throttle_key(username)
        self.account_throttle.check(key)
        self.address_throttle.check(address)
        return key

    async def _login(self, key: str) -> tuple[User, Credentials | None] | None:
        """The enabled account of this name with its credentials (one read), else None."""
        try:
            found = await self.users.get_login(normalize_username(key))
        except BadRequest:
            return None
        return None if found is None or found[0].is_disabled else found

    def _decoy(self, key: str, algorithm: Algorithm) -> ScramKeys:
        """Stable fake keys for an account that does not exist (same salt on every try)."""
        seed = hmac.digest(self._secret, key.encode(), "sha256")
        size = hashlib.new(algorithm).digest_size
        return ScramKeys(seed[:16], passwords.SCRAM_ITERATIONS, seed[:size], seed[-size:])


def _throttle_key(username: str) -> str:
    return username.strip().lower()[:256]
