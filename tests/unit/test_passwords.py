"""Passwords: argon2id for web logins, SCRAM keys checked against the RFC test vectors."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from roost.core.accounts import passwords
from roost.model.errors import BadRequest


def _b64(text: str) -> bytes:
    return base64.b64decode(text)


def _xor(a: bytes, b: bytes) -> bytes:
    return bytes(x ^ y for x, y in zip(a, b, strict=True))


def _hi(password: bytes, salt: bytes, iterations: int, algorithm: str) -> bytes:
    """RFC 5802 Hi(), written out from the RFC instead of calling pbkdf2_hmac."""
    block = hmac.digest(password, salt + b"\x00\x00\x00\x01", algorithm)
    result = block
    for _ in range(iterations - 1):
        block = hmac.digest(password, block, algorithm)
        result = _xor(result, block)
    return result


# (algorithm, salt, client nonce, server nonce part, ClientProof, ServerSignature)
RFC_VECTORS = [
    pytest.param(
        "sha1",
        "QSXCR+Q6sek8bf92",
        "fyko+d2lbbFgONRv9qkxdawL",
        "3rfcNHYJY1ZVvWVs7j",
        "v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=",
        "rmF9pqV8S7suAoZWja4dJRkFsKQ=",
        id="RFC5802-SHA-1",
    ),
    pytest.param(
        "sha256",
        "W22ZaJ0SNY7soEsUEjb6gQ==",
        "rOprNGfwEbeRWgbNEkqO",
        "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0",
        "dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
        "6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=",
        id="RFC7677-SHA-256",
    ),
]


@pytest.mark.parametrize(("algorithm", "salt", "client_nonce", "server_nonce", "proof", "signature"), RFC_VECTORS)
def test_stored_keys_verify_the_rfc_exchange(
    algorithm: str, salt: str, client_nonce: str, server_nonce: str, proof: str, signature: str
) -> None:
    keys = passwords.scram_keys("pencil", algorithm, _b64(salt), 4096)
    nonce = client_nonce + server_nonce
    auth_message = f"n=user,r={client_nonce},r={nonce},s={salt},i=4096,c=biws,r={nonce}".encode()

    # What the server does with only StoredKey and ServerKey: recover ClientKey from the proof.
    client_signature = hmac.digest(keys.stored_key, auth_message, algorithm)
    client_key = _xor(_b64(proof), client_signature)
    assert hashlib.new(algorithm, client_key).digest() == keys.stored_key
    assert hmac.digest(keys.server_key, auth_message, algorithm) == _b64(signature)


@pytest.mark.parametrize("algorithm", ["sha1", "sha256"])
def test_scram_keys_match_a_from_scratch_computation(algorithm: str) -> None:
    salt = b"\x01salt\xff"
    salted = _hi(b"pencil", salt, 4096, algorithm)

    keys = passwords.scram_keys("pencil", algorithm, salt)

    assert keys.salt == salt
    assert keys.iterations == 4096
    assert keys.stored_key == hashlib.new(algorithm, hmac.digest(salted, b"Client Key", algorithm)).digest()
    assert keys.server_key == hmac.digest(salted, b"Server Key", algorithm)


def test_derive_makes_every_form_of_one_password() -> None:
    creds = passwords.derive("correct horse")

    assert passwords.verify(creds.argon2_hash, "correct horse")
    assert not passwords.verify(creds.argon2_hash, "correct horsE")
    assert creds.argon2_hash.startswith("$argon2id$")
    for keys, algorithm in ((creds.scram_sha1, "sha1"), (creds.scram_sha256, "sha256")):
        assert len(keys.salt) == 16
        assert keys == passwords.scram_keys("correct horse", algorithm, keys.salt, keys.iterations)
    assert creds.scram_sha1.salt != creds.scram_sha256.salt


def test_verify_refuses_a_broken_hash() -> None:
    assert passwords.verify("not-a-hash", "anything") is False
    assert passwords.verify("", "anything") is False


def test_prepare_checks_length_and_normalises() -> None:
    assert passwords.prepare("ｐａｓｓｗｏｒｄ", 8) == "password"  # NFKC: full-width letters
    assert passwords.prepare("x" * passwords.PASSWORD_MAX, 8) == "x" * passwords.PASSWORD_MAX
    with pytest.raises(BadRequest) as short:
        passwords.prepare("1234567", 8)
    assert short.value.code == "password.short"
    with pytest.raises(BadRequest) as long:
        passwords.prepare("x" * (passwords.PASSWORD_MAX + 1), 8)
    assert long.value.code == "password.long"


def test_argon2_cost_is_configurable_and_old_hashes_still_verify() -> None:
    before = passwords.derive("correct horse").argon2_hash
    assert "$m=65536,t=3,p=4$" in before  # the defaults
    try:
        passwords.configure(time_cost=1, memory_kib=64, parallelism=1)
        cheap = passwords.derive("correct horse").argon2_hash
        assert "$m=64,t=1,p=1$" in cheap
        assert passwords.verify(before, "correct horse") and passwords.verify(cheap, "correct horse")
    finally:
        passwords.configure(time_cost=3, memory_kib=65536, parallelism=4)
