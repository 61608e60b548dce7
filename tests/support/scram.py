"""A SCRAM client (RFC 5802, RFC 7677) for tests, with optional channel binding (RFC 5929)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass, field


def _attributes(message: str) -> dict[str, str]:
    return {part[0]: part[2:] for part in message.split(",")}


@dataclass
class ScramClient:
    """`first()`, then `final(server_first)`, then `verify(server_final)`."""

    username: str
    password: str
    algorithm: str = "sha256"
    binding: tuple[str, bytes] | None = None  # (type, data): -PLUS
    gs2_flag: str = "n"  # without binding: "n", or "y" (client could bind, server did not offer it)
    nonce: str = field(default_factory=lambda: secrets.token_urlsafe(18))
    _first_bare: str = ""
    _auth_message: str = ""
    _salted: bytes = b""

    @property
    def gs2_header(self) -> str:
        flag = f"p={self.binding[0]}" if self.binding else self.gs2_flag
        return f"{flag},,"

    def first(self) -> bytes:
        self._first_bare = f"n={self.username},r={self.nonce}"
        return (self.gs2_header + self._first_bare).encode()

    def final(self, server_first: bytes, *, channel_data: bytes | None = None) -> bytes:
        text = server_first.decode()
        attrs = _attributes(text)
        assert attrs["r"].startswith(self.nonce)
        salt, iterations = base64.b64decode(attrs["s"]), int(attrs["i"])
        self._salted = hashlib.pbkdf2_hmac(self.algorithm, self.password.encode(), salt, iterations)
        data = channel_data if channel_data is not None else (self.binding[1] if self.binding else b"")
        channel = base64.b64encode(self.gs2_header.encode() + data).decode()
        without_proof = f"c={channel},r={attrs['r']}"
        self._auth_message = f"{self._first_bare},{text},{without_proof}"
        client_key = hmac.digest(self._salted, b"Client Key", self.algorithm)
        stored = hashlib.new(self.algorithm, client_key).digest()
        signature = hmac.digest(stored, self._auth_message.encode(), self.algorithm)
        proof = bytes(a ^ b for a, b in zip(client_key, signature, strict=True))
        return f"{without_proof},p={base64.b64encode(proof).decode()}".encode()

    def verify(self, server_final: bytes) -> bool:
        server_key = hmac.digest(self._salted, b"Server Key", self.algorithm)
        expected = hmac.digest(server_key, self._auth_message.encode(), self.algorithm)
        return server_final == b"v=" + base64.b64encode(expected)
