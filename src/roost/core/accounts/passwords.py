"""Password forms: argon2id for web login, SCRAM keys (RFC 5802/7677) for XMPP."""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
import unicodedata

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from roost.model.errors import BadRequest
from roost.model.users import Credentials, ScramKeys

SCRAM_ITERATIONS = 4096
PASSWORD_MAX = 1024


class _Argon2:
    """The process's argon2id hasher: the library's recommended parameters (RFC 9106) by default."""

    hasher = PasswordHasher()


def configure(*, time_cost: int, memory_kib: int, parallelism: int) -> None:
    """Set argon2id's cost for new hashes (config `[auth]`); existing hashes keep theirs."""
    _Argon2.hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism)
    _dummy_hash.cache_clear()


def prepare(password: str, minimum: int) -> str:
    """Check and normalise a password (NFKC, as SASLprep does for most input)."""
    if len(password) < minimum:
        raise BadRequest("password.short", f"The password must have at least {minimum} characters.")
    if len(password) > PASSWORD_MAX:
        raise BadRequest("password.long", f"The password must have at most {PASSWORD_MAX} characters.")
    return unicodedata.normalize("NFKC", password)


def scram_keys(password: str, algorithm: str, salt: bytes, iterations: int = SCRAM_ITERATIONS) -> ScramKeys:
    """StoredKey and ServerKey for one hash function."""
    salted = hashlib.pbkdf2_hmac(algorithm, password.encode(), salt, iterations)
    client_key = hmac.digest(salted, b"Client Key", algorithm)
    server_key = hmac.digest(salted, b"Server Key", algorithm)
    return ScramKeys(salt, iterations, hashlib.new(algorithm, client_key).digest(), server_key)


def derive(password: str) -> Credentials:
    """Every stored form of a password, derived at once (CPU-heavy: run off the event loop)."""
    return Credentials(
        argon2_hash=_Argon2.hasher.hash(password),
        scram_sha1=scram_keys(password, "sha1", os.urandom(16)),
        scram_sha256=scram_keys(password, "sha256", os.urandom(16)),
    )


def verify(argon2_hash: str, password: str) -> bool:
    try:
        return _Argon2.hasher.verify(argon2_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def burn(password: str) -> None:
    """Spend the time a real check would, so unknown users cannot be told apart by timing."""
    verify(_dummy_hash(), password)


@functools.cache
def _dummy_hash() -> str:
    return _Argon2.hasher.hash("roost-dummy-password")
