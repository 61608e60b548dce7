"""XEP-0115 entity capabilities: the server's caps in its stream features, and clients' caps learnt by disco."""

from __future__ import annotations

import asyncio

import pytest
from slixmpp import JID
from slixmpp.exceptions import IqError

from tests.conftest import MakePerson
from tests.support.server import ServerProcess
from tests.support.xmpp import connected, send_iq

CAPS = "http://jabber.org/protocol/caps"
INFO = "http://jabber.org/protocol/disco#info"
PLUGINS = ("xep_0030", "xep_0199", "xep_0115")


async def test_the_servers_caps_verify_and_its_node_answers(server: ServerProcess, make_person: MakePerson) -> None:
    alice = await make_person("alice")
    async with connected(server, alice.username, alice.password, plugins=PLUGINS) as a:
        assert "caps" in a.features
        caps = a.plugin["xep_0115"]
        ver = None
        for _ in range(50):  # slixmpp checks the hash in the background, by asking the server
            ver = await caps.get_verstring(JID("localhost"))
            if ver:
                break
            await asyncio.sleep(0.1)
        assert ver, "slixmpp did not accept the server's caps hash"
        answer = await send_iq(
            a, "get", f"<query xmlns='{INFO}' node='https://roost.invalid/caps#{ver}'/>", to="localhost"
        )
        query = answer.xml.find(f"{{{INFO}}}query")
        assert query is not None and query.get("node") == f"https://roost.invalid/caps#{ver}"
        features = {f.get("var") for f in query.findall(f"{{{INFO}}}feature")}
        assert {CAPS, "http://jabber.org/protocol/pubsub#publish"} <= features
        with pytest.raises(IqError) as failed:
            await send_iq(a, "get", f"<query xmlns='{INFO}' node='urn:example:other'/>", to="localhost")
        assert failed.value.condition == "item-not-found"
