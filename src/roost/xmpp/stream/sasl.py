"""SASL mechanisms (RFC 6120 §6): SCRAM-SHA-256(-PLUS), SCRAM-SHA-1(-PLUS) (RFC 5802/7677) and PLAIN (RFC 4616).

Each mechanism is a small state machine: `step(client_data)` returns the next
challenge, or a `Done` carrying the user and the server's final data. The password
rules (keys, throttling, disabled accounts) are the core's (`core/auth/sasl.py`); this
module only speaks the mechanisms.

Channel binding: a -PLUS mechanism is offered only where the connection has binding data
(`bindings`: type -> data, e.g. tls-server-end-point under this server's TLS). A -PLUS
exchange must name one of those types ('p=type') and prove the data in `c=`. Without
-PLUS, 'p=' is refused; 'y' (the client could bind but thinks the server cannot) is
refused when -PLUS was offered, since that means someone removed it (RFC 5802 §6).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from typing import Protocol

from roost.core.auth.sasl import Algorithm, SaslService, ScramAccount
from roost.model.errors import NotAuthorized
from roost.model.users import User

MECHANISMS = ("SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN")
PLUS_MECHANISMS = ("SCRAM-SHA-256-PLUS", "SCRAM-SHA-1-PLUS")
_ALGORITHMS: dict[str, Algorithm] = {"SCRAM-SHA-256": "sha256", "SCRAM-SHA-1": "sha1"}


class SaslFailure(Exception):
    """The exchange failed; `condition` is the RFC 6120 §6.5 failure element."""

    def __init__(self, condition: str, text: str = "") -> None:
        super().__init__(text or condition)
        self.condition = condition
        self.text = text


@dataclass(frozen=True, slots=True)
class Done:
    user: User
    additional: bytes = b""  # sent in <success/>


class Mechanism(Protocol):
    async def step(self, data: bytes) -> bytes | Done: ...


def create(
    name: str, sasl: SaslService, address: str, *, plain_allowed: bool, bindings: dict[str, bytes] | None = None
) -> Mechanism:
    """`bindings`: the channel-binding data this connection offers (-PLUS), by type."""
    bindings = bindings or {}
    if name in _ALGORITHMS:
        return Scram(sasl, address, _ALGORITHMS[name], offered=bindings)
    if name.endswith("-PLUS") and name.removesuffix("-PLUS") in _ALGORITHMS and bindings:
        return Scram(sasl, address, _ALGORITHMS[name.removesuffix("-PLUS")], offered=bindings, plus=True)
    if name == "PLAIN" and plain_allowed:
        return Plain(sasl, address)
    raise SaslFailure("invalid-mechanism")


def decode(text: str | None) -> bytes:
    """The base64 payload of <auth/> or <response/> ('=' means empty)."""
    text = (text or "").strip()
    if text in ("", "="):
        return b""
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise SaslFailure("incorrect-encoding") from None


def encode(data: bytes) -> str:
    return base64.b64encode(data).decode() if data else "="


@dataclass
class Plain:
    sasl: SaslService
    address: str

    async def step(self, data: bytes) -> bytes | Done:
        parts = data.split(b"\x00")
        if len(parts) != 3:
            raise SaslFailure("malformed-request")
        authzid, authcid, password = (_utf8(p) for p in parts)
        if authzid and authzid.split("@")[0] != authcid:
            raise SaslFailure("invalid-authzid")
        try:
            return Done(await self.sasl.check_plain(authcid, password, self.address))
        except NotAuthorized:
            raise SaslFailure("not-authorized") from None


def _utf8(data: bytes) -> str:
    try:
        return data.decode()
    except UnicodeDecodeError:
        raise SaslFailure("malformed-request") from None


def _attributes(message: str) -> dict[str, str]:
    attrs: dict[str, str] = {}
    for part in message.split(","):
        if len(part) < 2 or part[1] != "=":
            raise SaslFailure("malformed-request")
        attrs.setdefault(part[0], part[2:])
    return attrs


def _saslname(name: str) -> str:
    if "=" in name.replace("=2C", "").replace("=3D", ""):
        raise SaslFailure("malformed-request")
    return name.replace("=2C", ",").replace("=3D", "=")


@dataclass
class Scram:
    """The server side of SCRAM, with channel binding for -PLUS."""

    sasl: SaslService
    address: str
    algorithm: Algorithm
    offered: dict[str, bytes] = field(default_factory=dict)  # channel-binding types -PLUS may use here
    plus: bool = False
    _binding: bytes = b""
    _account: ScramAccount | None = None
    _username: str = ""
    _first_bare: str = ""
    _server_first: str = ""
    _nonce: str = ""
    _gs2_header: str = ""

    async def step(self, data: bytes) -> bytes | Done:
        if self._account is None:
            return await self._first(_utf8(data))
        return self._final(_utf8(data))

    async def _first(self, message: str) -> bytes:
        gs2, _, bare = message.partition(",")
        authzid, _, bare = bare.partition(",")
        if bare == "":
            raise SaslFailure("malformed-request")
        self._check_binding_flag(gs2)
        self._gs2_header = f"{gs2},{authzid},"
        attrs = _attributes(bare)
        if "m" in attrs or "n" not in attrs or "r" not in attrs or not attrs["r"]:
            raise SaslFailure("malformed-request")
        self._username = _saslname(attrs["n"])
        try:
            self._account = await self.sasl.scram_account(self._username, self.address, self.algorithm)
        except NotAuthorized:
            raise SaslFailure("not-authorized") from None
        keys = self._account.keys
        self._first_bare = bare
        self._nonce = attrs["r"] + secrets.token_urlsafe(18)
        salt = base64.b64encode(keys.salt).decode()
        self._server_first = f"r={self._nonce},s={salt},i={keys.iterations}"
        return self._server_first.encode()

    def _check_binding_flag(self, gs2: str) -> None:
        """The gs2 flag against what was offered; keeps the binding data a -PLUS exchange proves."""
        if self.plus:
            kind = gs2.removeprefix("p=")
            if not gs2.startswith("p=") or kind not in self.offered:
                raise SaslFailure("malformed-request", "Use a channel-binding type this server offers.")
            self._binding = self.offered[kind]
        elif gs2.startswith("p="):
            raise SaslFailure("invalid-mechanism", "Channel binding needs a -PLUS mechanism.")
        elif gs2 == "y" and self.offered:
            raise SaslFailure("not-authorized", "The server offers channel binding (was -PLUS removed?).")
        elif gs2 not in ("n", "y"):
            raise SaslFailure("malformed-request")

    def _final(self, message: str) -> Done:
        without_proof, _, proof_part = message.rpartition(",p=")
        attrs = _attributes(without_proof) if without_proof else {}
        channel = base64.b64encode(self._gs2_header.encode() + self._binding).decode()
        if attrs.get("r") != self._nonce or not proof_part or "c" not in attrs:
            raise SaslFailure("malformed-request")
        if attrs["c"] != channel:  # with -PLUS: another TLS connection than ours, a man in the middle
            raise SaslFailure("not-authorized" if self.plus else "malformed-request")
        try:
            proof = base64.b64decode(proof_part, validate=True)
        except (binascii.Error, ValueError):
            raise SaslFailure("incorrect-encoding") from None
        assert self._account is not None
        keys = self._account.keys
        auth_message = f"{self._first_bare},{self._server_first},{without_proof}".encode()
        signature = hmac.digest(keys.stored_key, auth_message, self.algorithm)
        client_key = bytes(a ^ b for a, b in zip(proof, signature, strict=False))
        valid = len(proof) == len(signature) and hmac.compare_digest(
            hashlib.new(self.algorithm, client_key).digest(), keys.stored_key
        )
        if not valid or self._account.user is None:
            self.sasl.failed(self._username, self.address)
            raise SaslFailure("not-authorized")
        self.sasl.succeeded(self._username)
        server_signature = hmac.digest(keys.server_key, auth_message, self.algorithm)
        return Done(self._account.user, b"v=" + base64.b64encode(server_signature))
