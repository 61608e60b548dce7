"""SASL mechanisms against real stored keys: SCRAM-SHA-1/256 exchanges, PLAIN, and refusals."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from roost.core.accounts import passwords
from roost.core.auth.sasl import SaslService
from roost.core.auth.throttle import Throttle
from roost.model.errors import RateLimited
from roost.model.users import NewUser
from roost.xmpp.stream import sasl
from tests.unit.support import Core

PASSWORD = "pencil-sharpener"


@pytest.fixture
async def service(core: Core) -> SaslService:
    creds = passwords.derive(PASSWORD)
    await core.stores.users.create(NewUser("user"), creds, core.clock.now())
    throttle = Throttle(core.clock, free=3, max_delay=30)
    return SaslService(core.stores.users, throttle, Throttle(core.clock, free=100, max_delay=30))


async def scram_login(service: SaslService, algorithm: str, username: str, password: str) -> sasl.Done:
    """A client side of SCRAM (RFC 5802 §3), written out step by step."""
    mechanism = sasl.create(algorithm, service, "127.0.0.1", plain_allowed=False)
    client_first_bare = f"n={username},r=clientnonce123"
    server_first = await mechanism.step(f"n,,{client_first_bare}".encode())
    assert isinstance(server_first, bytes)
    attrs = dict(part.split("=", 1) for part in server_first.decode().split(","))
    assert attrs["r"].startswith("clientnonce123")
    name = "sha256" if algorithm.endswith("256") else "sha1"
    salted = hashlib.pbkdf2_hmac(name, password.encode(), base64.b64decode(attrs["s"]), int(attrs["i"]))
    client_key = hmac.digest(salted, b"Client Key", name)
    stored_key = hashlib.new(name, client_key).digest()
    without_proof = f"c=biws,r={attrs['r']}"
    auth_message = f"{client_first_bare},{server_first.decode()},{without_proof}".encode()
    proof = bytes(a ^ b for a, b in zip(client_key, hmac.digest(stored_key, auth_message, name), strict=True))
    done = await mechanism.step(f"{without_proof},p={base64.b64encode(proof).decode()}".encode())
    assert isinstance(done, sasl.Done)
    server_key = hmac.digest(salted, b"Server Key", name)
    assert done.additional == b"v=" + base64.b64encode(hmac.digest(server_key, auth_message, name))
    return done


@pytest.mark.parametrize("algorithm", ["SCRAM-SHA-256", "SCRAM-SHA-1"])
async def test_scram_exchange(service: SaslService, algorithm: str) -> None:
    done = await scram_login(service, algorithm, "user", PASSWORD)
    assert done.user.username == "user"


async def test_scram_wrong_password_and_unknown_user_fail_alike(service: SaslService) -> None:
    for username, password in (("user", "wrong"), ("nobody", PASSWORD)):
        with pytest.raises(sasl.SaslFailure) as failure:
            await scram_login(service, "SCRAM-SHA-256", username, password)
        assert failure.value.condition == "not-authorized"


async def test_unknown_users_get_a_stable_salt(service: SaslService) -> None:
    salts = []
    for _ in range(2):
        mechanism = sasl.create("SCRAM-SHA-256", service, "10.0.0.1", plain_allowed=False)
        first = await mechanism.step(b"n,,n=ghost,r=abc")
        assert isinstance(first, bytes)
        salts.append(first.split(b",s=")[1].split(b",")[0])
    assert salts[0] == salts[1]


async def test_plain(service: SaslService) -> None:
    plain = sasl.create("PLAIN", service, "127.0.0.1", plain_allowed=True)
    done = await plain.step(b"\x00user\x00" + PASSWORD.encode())
    assert isinstance(done, sasl.Done)
    with pytest.raises(sasl.SaslFailure, match="not-authorized"):
        await sasl.create("PLAIN", service, "127.0.0.1", plain_allowed=True).step(b"\x00user\x00nope")
    with pytest.raises(sasl.SaslFailure) as refused:
        sasl.create("PLAIN", service, "127.0.0.1", plain_allowed=False)
    assert refused.value.condition == "invalid-mechanism"


@pytest.mark.parametrize(
    ("first", "condition"),
    [
        (b"p=tls-exporter,,n=user,r=abc", "invalid-mechanism"),
        (b"n,,r=abc", "malformed-request"),
        (b"x,,n=user,r=abc", "malformed-request"),
        (b"n,,n=user,r=abc,m=ext", "malformed-request"),
        (b"\xff\xfe", "malformed-request"),
        (b"n,,n=us=er,r=abc", "malformed-request"),
    ],
)
async def test_bad_scram_messages(service: SaslService, first: bytes, condition: str) -> None:
    mechanism = sasl.create("SCRAM-SHA-256", service, "127.0.0.1", plain_allowed=False)
    with pytest.raises(sasl.SaslFailure) as failure:
        await mechanism.step(first)
    assert failure.value.condition == condition


async def test_failures_are_throttled_then_forgiven_on_success(service: SaslService, core: Core) -> None:
    for _ in range(3):
        with pytest.raises(sasl.SaslFailure):
            await scram_login(service, "SCRAM-SHA-256", "user", "wrong")
    with pytest.raises(RateLimited):
        await scram_login(service, "SCRAM-SHA-256", "user", PASSWORD)
    core.clock.advance(60)
    assert (await scram_login(service, "SCRAM-SHA-256", "user", PASSWORD)).user.username == "user"


def test_base64_payloads() -> None:
    assert sasl.decode("=") == b""
    assert sasl.decode(base64.b64encode(b"abc").decode()) == b"abc"
    with pytest.raises(sasl.SaslFailure, match="incorrect-encoding"):
        sasl.decode("not base64!")
    assert sasl.encode(b"") == "="
