"""XEP-0215 external service discovery: configured STUN/TURN servers, TURN REST credentials, errors."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Iterator

import pytest
from slixmpp.exceptions import IqError

from tests.conftest import MakePerson
from tests.support.server import ServerProcess
from tests.support.xmpp import connected, send_iq

NS = "urn:xmpp:extdisco:2"
SECRET = "shared-with-coturn"
SERVICES = [
    {"type": "stun", "host": "stun.example.org", "port": 3478},
    {"type": "turn", "host": "turn.example.org", "port": 3478, "transport": "udp", "name": "Office TURN"},
    {"type": "turns", "host": "turn.example.org", "port": 5349, "transport": "tcp"},
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    env = {"ROOST_XMPP__EXTERNAL_SERVICES": json.dumps(SERVICES), "ROOST_XMPP__TURN_SECRET": SECRET}
    proc = ServerProcess(tmp_path_factory.mktemp("roost-extdisco"), extra_env=env)
    proc.init()
    proc.start()
    yield proc
    proc.stop()


async def test_services_with_turn_credentials(server: ServerProcess, make_person: MakePerson) -> None:
    alice = await make_person("alice")
    async with connected(server, alice.username, alice.password) as a:
        result = await send_iq(a, "get", f"<services xmlns='{NS}'/>", to="localhost")
        found = [dict(s.attrib) for s in result.xml.iter(f"{{{NS}}}service")]
        assert [(s["type"], s["host"], s["port"]) for s in found] == [
            ("stun", "stun.example.org", "3478"),
            ("turn", "turn.example.org", "3478"),
            ("turns", "turn.example.org", "5349"),
        ]
        stun, turn, _ = found
        assert "username" not in stun and "restricted" not in stun
        assert (turn["transport"], turn["name"], turn["restricted"]) == ("udp", "Office TURN", "1")
        expiry, _, who = turn["username"].partition(":")
        assert who == alice.username and int(expiry) > time.time() + 3600
        expected = hmac.digest(SECRET.encode(), turn["username"].encode(), hashlib.sha1)
        assert base64.b64decode(turn["password"]) == expected
        assert turn["expires"].endswith("Z")
        only_turn = await send_iq(a, "get", f"<services xmlns='{NS}' type='turn'/>")
        assert [s.get("type") for s in only_turn.xml.iter(f"{{{NS}}}service")] == ["turn"]


async def test_credentials_for_one_service(server: ServerProcess, make_person: MakePerson) -> None:
    alice = await make_person("alice")
    async with connected(server, alice.username, alice.password) as a:
        asked = f"<credentials xmlns='{NS}'><service host='turn.example.org' type='turns'/></credentials>"
        result = await send_iq(a, "get", asked)
        service = result.xml.find(f"{{{NS}}}credentials/{{{NS}}}service")
        assert service is not None and service.get("port") == "5349" and service.get("password")
        for payload, condition in [
            (
                f"<credentials xmlns='{NS}'><service host='elsewhere.example' type='turn'/></credentials>",
                "item-not-found",
            ),
            (f"<credentials xmlns='{NS}'/>", "bad-request"),
        ]:
            with pytest.raises(IqError) as refused:
                await send_iq(a, "get", payload)
            assert refused.value.condition == condition
