"""RFC 7395 connection policy: which WebSocket connections may log in, which origins may connect."""

from __future__ import annotations

import pytest
from starlette.types import Message
from starlette.websockets import WebSocket

from roost.config import Settings
from roost.xmpp.websocket import is_secure, origin_allowed


def socket(*, scheme: str = "ws", client: str = "127.0.0.1", origin: str | None = None) -> WebSocket:
    headers = [(b"host", b"chat.example.org")]
    if origin is not None:
        headers.append((b"origin", origin.encode()))
    scope = {
        "type": "websocket",
        "scheme": scheme,
        "path": "/xmpp-websocket",
        "headers": headers,
        "client": (client, 50000),
        "server": ("chat.example.org", 443),
        "query_string": b"",
    }

    async def receive() -> Message:
        raise AssertionError("not used")

    async def send(_message: Message) -> None:
        raise AssertionError("not used")

    return WebSocket(scope, receive, send)


@pytest.mark.parametrize(
    ("scheme", "client", "behind_proxy", "secure"),
    [
        ("wss", "203.0.113.5", False, True),  # HTTPS
        ("ws", "127.0.0.1", False, True),  # the quick start, on this machine
        ("ws", "::1", False, True),
        ("ws", "203.0.113.5", False, False),  # plain HTTP from the network
        ("ws", "203.0.113.5", True, True),  # the admin declared a TLS-terminating proxy
    ],
)
def test_login_needs_a_secure_connection(scheme: str, client: str, behind_proxy: bool, secure: bool) -> None:
    settings = Settings(domain="chat.example.org", http={"behind_proxy": behind_proxy})
    assert is_secure(socket(scheme=scheme, client=client), settings) is secure


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        (None, True),  # native clients send no Origin
        ("https://chat.example.org", True),
        ("https://intranet.example.org", True),  # listed by the admin
        ("https://evil.example", False),
        ("null", False),
    ],
)
def test_origins(origin: str | None, allowed: bool) -> None:
    settings = Settings(domain="chat.example.org", http={"allowed_origins": ["https://intranet.example.org"]})
    assert origin_allowed(socket(origin=origin), settings) is allowed
