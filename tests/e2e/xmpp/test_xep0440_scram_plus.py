"""SCRAM-SHA-*-PLUS with tls-server-end-point (RFC 5802, RFC 5929) and the XEP-0440 feature, by a hand-written
client over direct TLS (slixmpp binds only with tls-unique, which TLS 1.3 forbids)."""

from __future__ import annotations

import base64
import xml.etree.ElementTree as ET
from collections.abc import Iterator

import pytest

from tests.conftest import MakePerson, server_of_its_own
from tests.support.raw_xmpp import direct_tls
from tests.support.scram import ScramClient
from tests.support.server import ServerProcess
from tests.support.xmpp_websocket import ws_connection

SASL = "urn:ietf:params:xml:ns:xmpp-sasl"
CB = "urn:xmpp:sasl-cb:0"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A server of this module's own: it fails logins on purpose (the server throttles 127.0.0.1 then)."""
    yield from server_of_its_own(tmp_path_factory)


def mechanisms(features: ET.Element) -> list[str]:
    return [m.text or "" for m in features.iter(f"{{{SASL}}}mechanism")]


@pytest.mark.parametrize(("mechanism", "algorithm"), [("SCRAM-SHA-256-PLUS", "sha256"), ("SCRAM-SHA-1-PLUS", "sha1")])
async def test_plus_with_tls_server_end_point(
    server: ServerProcess, make_person: MakePerson, mechanism: str, algorithm: str
) -> None:
    alice = await make_person("alice")
    async with direct_tls(server) as (client, features):
        assert mechanisms(features)[:2] == ["SCRAM-SHA-256-PLUS", "SCRAM-SHA-1-PLUS"]
        offered = features.find(f"{{{CB}}}sasl-channel-binding")
        assert offered is not None
        assert [c.get("type") for c in offered] == ["tls-server-end-point"]
        scram = ScramClient(
            alice.username, alice.password, algorithm, binding=("tls-server-end-point", client.end_point)
        )
        success = await client.auth(mechanism, scram)
        assert success.tag == f"{{{SASL}}}success", ET.tostring(success)
        assert scram.verify(base64.b64decode(success.text or ""))


async def test_plus_refuses_wrong_binding_data_and_types(server: ServerProcess, make_person: MakePerson) -> None:
    alice = await make_person("alice")
    async with direct_tls(server) as (client, _):
        scram = ScramClient(alice.username, alice.password, binding=("tls-server-end-point", client.end_point))
        failure = await client.auth("SCRAM-SHA-256-PLUS", scram, channel_data=b"\x00" * 32)  # a man in the middle
        assert failure.find(f"{{{SASL}}}not-authorized") is not None, ET.tostring(failure)
        unique = ScramClient(alice.username, alice.password, binding=("tls-unique", b"x"))
        failure = await client.auth("SCRAM-SHA-256-PLUS", unique)
        assert failure.find(f"{{{SASL}}}malformed-request") is not None, ET.tostring(failure)
        downgraded = ScramClient(alice.username, alice.password, gs2_flag="y")  # -PLUS was offered
        failure = await client.auth("SCRAM-SHA-256", downgraded)
        assert failure.find(f"{{{SASL}}}not-authorized") is not None, ET.tostring(failure)
        no_plus = ScramClient(alice.username, alice.password, binding=("tls-server-end-point", client.end_point))
        failure = await client.auth("SCRAM-SHA-256", no_plus)  # p= needs a -PLUS mechanism
        assert failure.find(f"{{{SASL}}}invalid-mechanism") is not None, ET.tostring(failure)
        plain = await client.auth("SCRAM-SHA-256", ScramClient(alice.username, alice.password))
        assert plain.tag == f"{{{SASL}}}success"


async def test_no_plus_over_websocket(server: ServerProcess) -> None:
    async with ws_connection(server) as client:
        features = await client.open()
        assert not [m for m in (e.text or "" for e in features.iter(f"{{{SASL}}}mechanism")) if m.endswith("-PLUS")]
        assert features.find(f"{{{CB}}}sasl-channel-binding") is None
