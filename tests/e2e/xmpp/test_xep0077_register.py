"""XEP-0077 in-band registration (off by default, on by config) and password changes, over real sockets."""

from __future__ import annotations

import asyncio
import os
import xml.etree.ElementTree as ET
from collections.abc import Iterator

import pytest
from slixmpp.exceptions import IqError

from tests.conftest import MakePerson
from tests.support.raw_xmpp import RawClient, direct_tls
from tests.support.server import ServerProcess
from tests.support.xmpp import TIMEOUT, Client, connected, send_iq

NS = "jabber:iq:register"
FEATURE = "{http://jabber.org/features/iq-register}register"
STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas"


@pytest.fixture(scope="module")
def open_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A server whose admin switched registration on, three accounts per address and hour."""
    env = {"ROOST_XMPP__REGISTRATION": "true", "ROOST_XMPP__REGISTRATIONS_PER_ADDRESS_HOUR": "3"}
    proc = ServerProcess(tmp_path_factory.mktemp("roost-open"), extra_env=env)
    proc.init()
    proc.start()
    yield proc
    proc.stop()


async def register(client: RawClient, username: str, password: str, iq_id: str = "r1") -> ET.Element:
    client.send(
        f"<iq type='set' id='{iq_id}'><query xmlns='{NS}'>"
        f"<username>{username}</username><password>{password}</password></query></iq>"
    )
    return await client.recv()


def condition(iq: ET.Element) -> str | None:
    error = iq.find("{jabber:client}error")
    if error is None:
        return None
    return next(c.tag.split("}")[1] for c in error if c.tag.startswith(f"{{{STANZAS}}}") and not c.tag.endswith("text"))


async def test_registration_is_off_by_default(server: ServerProcess) -> None:
    async with direct_tls(server) as (client, features):
        assert features.find(FEATURE) is None
        answer = await register(client, f"nobody{os.getpid()}", "password-long-enough")
        assert condition(answer) == "service-unavailable"


async def test_registering_an_account_then_logging_in(open_server: ServerProcess) -> None:
    username = f"newbie{os.getpid()}"
    async with direct_tls(open_server) as (client, features):
        assert features.find(FEATURE) is not None
        client.send(f"<iq type='get' id='g1'><query xmlns='{NS}'/></iq>")
        form = await client.recv()
        assert form.get("type") == "result"
        assert form.find(f"{{{NS}}}query/{{{NS}}}username") is not None
        assert form.find(f"{{{NS}}}query/{{{NS}}}password") is not None
        assert (await register(client, username, "a-good-password")).get("type") == "result"
        assert condition(await register(client, username, "another-password", "r2")) == "conflict"
        assert condition(await register(client, "x" + username, "short", "r3")) == "not-acceptable"
        assert condition(await register(client, "no spaces please", "a-good-password", "r4")) == "not-acceptable"
        client.send(f"<iq type='set' id='r5'><query xmlns='{NS}'><username>only</username></query></iq>")
        assert condition(await client.recv()) == "not-acceptable"
    async with connected(open_server, username, "a-good-password") as logged_in:
        assert logged_in.boundjid.bare == f"{username}@localhost"


async def test_registrations_per_address_are_limited(open_server: ServerProcess) -> None:
    async with direct_tls(open_server) as (client, _):
        outcomes = [
            condition(await register(client, f"many{i}-{os.getpid()}", "a-good-password", f"m{i}")) for i in range(4)
        ]
    assert outcomes[-1] == "resource-constraint"  # the first test made one; two more fit in the hour


async def test_changing_the_password_when_logged_in(server: ServerProcess, make_person: MakePerson) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    async with connected(server, alice.username, alice.password) as a:
        got = await send_iq(a, "get", f"<query xmlns='{NS}'/>")
        assert got.xml.find(f"{{{NS}}}query/{{{NS}}}registered") is not None
        for payload, expected in [
            (
                f"<query xmlns='{NS}'><username>{bob.username}</username><password>x-new-pass</password></query>",
                "bad-request",
            ),
            (
                f"<query xmlns='{NS}'><username>{alice.username}</username><password>short</password></query>",
                "not-acceptable",
            ),
            (f"<query xmlns='{NS}'><remove/></query>", "not-allowed"),
        ]:
            with pytest.raises(IqError) as refused:
                await send_iq(a, "set", payload)
            assert refused.value.condition == expected
        change = (
            f"<query xmlns='{NS}'><username>{alice.username}</username><password>my-new-password</password></query>"
        )
        await send_iq(a, "set", change)
    async with connected(server, alice.username, "my-new-password") as again:
        assert again.is_connected()
    old = Client(f"{alice.username}@localhost/old", alice.password, ())
    old.connect("127.0.0.1", server.xmpp_port)
    try:
        assert await asyncio.wait_for(old.started, TIMEOUT) is False
    finally:
        old.disconnect()
