"""XEP-0049 private XML storage over real sockets: any namespace per person, reserved ones refused."""

from __future__ import annotations

import pytest
from slixmpp.exceptions import IqError

from tests.conftest import MakePerson
from tests.support.server import ServerProcess
from tests.support.xmpp import both_connected, connected, send_iq

NS = "jabber:iq:private"


async def test_a_document_is_kept_per_person_and_namespace(server: ServerProcess, make_person: MakePerson) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    notes = "<storage xmlns='storage:rosternotes'><note jid='x@localhost'>likes tea</note></storage>"
    async with both_connected(server, alice, bob) as (a, b):
        empty = await send_iq(a, "get", f"<query xmlns='{NS}'><storage xmlns='storage:rosternotes'/></query>")
        stored = empty.xml.find(f"{{{NS}}}query/{{storage:rosternotes}}storage")
        assert stored is not None and len(stored) == 0
        await send_iq(a, "set", f"<query xmlns='{NS}'>{notes}</query>")
        await send_iq(a, "set", f"<query xmlns='{NS}'><prefs xmlns='urn:example:prefs' theme='dark'/></query>")
        answer = await send_iq(a, "get", f"<query xmlns='{NS}'><storage xmlns='storage:rosternotes'/></query>")
        assert (
            answer.xml.findtext(f"{{{NS}}}query/{{storage:rosternotes}}storage/{{storage:rosternotes}}note")
            == "likes tea"
        )
        prefs = await send_iq(a, "get", f"<query xmlns='{NS}'><prefs xmlns='urn:example:prefs'/></query>")
        assert prefs.xml.find(f"{{{NS}}}query/{{urn:example:prefs}}prefs").get("theme") == "dark"
        others = await send_iq(b, "get", f"<query xmlns='{NS}'><storage xmlns='storage:rosternotes'/></query>")
        assert len(others.xml.find(f"{{{NS}}}query/{{storage:rosternotes}}storage")) == 0


@pytest.mark.parametrize(
    ("payload", "to", "condition"),
    [
        ("<query xmlns='jabber:iq:private'><x xmlns='jabber:client'/></query>", None, "not-acceptable"),
        ("<query xmlns='jabber:iq:private'><vCard xmlns='vcard-temp'/></query>", None, "not-acceptable"),
        ("<query xmlns='jabber:iq:private'><a xmlns='urn:a'/><b xmlns='urn:b'/></query>", None, "not-acceptable"),
        ("<query xmlns='jabber:iq:private'><a xmlns='urn:a'/></query>", "other", "forbidden"),
    ],
)
async def test_refused_requests(
    server: ServerProcess, make_person: MakePerson, payload: str, to: str | None, condition: str
) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    async with connected(server, alice.username, alice.password) as a:
        for kind in ("get", "set"):
            with pytest.raises(IqError) as failed:
                await send_iq(a, kind, payload, to=f"{bob.username}@localhost" if to else None)
            assert failed.value.condition == condition
