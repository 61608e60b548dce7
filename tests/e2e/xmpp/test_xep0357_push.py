"""XEP-0357 push registrations over real sockets: enable, replace, disable, errors (no notification is sent yet)."""

from __future__ import annotations

import sqlite3

import pytest
from slixmpp.exceptions import IqError

from tests.conftest import MakePerson
from tests.support.server import ServerProcess
from tests.support.xmpp import connected, send_iq

NS = "urn:xmpp:push:0"
FORM = (
    "<x xmlns='jabber:x:data' type='submit'>"
    "<field var='FORM_TYPE'><value>http://jabber.org/protocol/pubsub#publish-options</value></field>"
    "<field var='secret'><value>{secret}</value></field></x>"
)


def stored(server: ServerProcess, user_id: int) -> list[tuple[str, str, str, str]]:
    """The person's registrations as the database holds them (service, node, resource, options)."""
    with sqlite3.connect(server.root / "data" / "roost.db") as db:
        rows = db.execute(
            "SELECT service_jid, node, resource, options FROM push_registrations WHERE user_id = ? ORDER BY node",
            (user_id,),
        )
        return list(rows)


async def test_enable_replace_and_disable(server: ServerProcess, make_person: MakePerson) -> None:
    alice = await make_person("alice")
    async with connected(server, alice.username, alice.password, resource="phone") as a:
        enable = f"<enable xmlns='{NS}' jid='push.example.org' node='n1'>{FORM.format(secret='s1')}</enable>"
        await send_iq(a, "set", enable)
        assert stored(server, alice.user_id) == [("push.example.org", "n1", "phone", '[["secret", "s1"]]')]
        await send_iq(a, "set", enable.replace("s1", "s2"))  # the same node again: replaced
        await send_iq(a, "set", f"<enable xmlns='{NS}' jid='push.example.org' node='n2'/>")
        assert [(node, options) for _, node, _, options in stored(server, alice.user_id)] == [
            ("n1", '[["secret", "s2"]]'),
            ("n2", "[]"),
        ]
        await send_iq(a, "set", f"<disable xmlns='{NS}' jid='push.example.org' node='n1'/>")
        assert [node for _, node, _, _ in stored(server, alice.user_id)] == ["n2"]
        await send_iq(a, "set", f"<disable xmlns='{NS}' jid='push.example.org'/>")
        assert stored(server, alice.user_id) == []


async def test_push_errors(server: ServerProcess, make_person: MakePerson) -> None:
    alice = await make_person("alice")
    async with connected(server, alice.username, alice.password) as a:
        cases = [
            (f"<enable xmlns='{NS}' node='n1'/>", "bad-request"),
            (f"<enable xmlns='{NS}' jid='push.example.org'/>", "bad-request"),
            (f"<enable xmlns='{NS}' jid='a@b@c' node='n1'/>", "jid-malformed"),
            (
                f"<enable xmlns='{NS}' jid='push.example.org' node='n'><x xmlns='jabber:x:data' type='form'/></enable>",
                "bad-request",
            ),
            (f"<disable xmlns='{NS}'/>", "bad-request"),
        ]
        for payload, condition in cases:
            with pytest.raises(IqError) as refused:
                await send_iq(a, "set", payload)
            assert refused.value.condition == condition, payload
        for node in range(20):
            await send_iq(a, "set", f"<enable xmlns='{NS}' jid='push.example.org' node='n{node}'/>")
        with pytest.raises(IqError) as refused:
            await send_iq(a, "set", f"<enable xmlns='{NS}' jid='push.example.org' node='one-too-many'/>")
        assert refused.value.condition == "resource-constraint"
        await send_iq(a, "set", f"<enable xmlns='{NS}' jid='push.example.org' node='n0'/>")  # replacing still works
    assert len(stored(server, alice.user_id)) == 20
