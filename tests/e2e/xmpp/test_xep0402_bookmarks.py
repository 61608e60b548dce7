"""XEP-0402 bookmarks in PEP, and XEP-0048 bookmarks in private storage seeing the same rooms (#compat)."""

from __future__ import annotations

import pytest
from slixmpp.exceptions import IqError

from tests.conftest import MakePerson
from tests.e2e.xmpp.test_xep0163_pep import PLUGINS, events, interested
from tests.support.server import ServerProcess
from tests.support.xmpp import connected, every_message, send_iq

PUBSUB = "http://jabber.org/protocol/pubsub"
NS = "urn:xmpp:bookmarks:1"
PRIVATE = "jabber:iq:private"
LEGACY = "storage:bookmarks"
OPTIONS = (
    "<publish-options><x xmlns='jabber:x:data' type='submit'>"
    f"<field var='FORM_TYPE' type='hidden'><value>{PUBSUB}#publish-options</value></field>"
    "<field var='pubsub#persist_items'><value>true</value></field>"
    "<field var='pubsub#max_items'><value>max</value></field>"
    "<field var='pubsub#send_last_published_item'><value>never</value></field>"
    "<field var='pubsub#access_model'><value>whitelist</value></field>"
    "</x></publish-options>"
)


def bookmark(room: str, name: str, nick: str) -> str:
    conference = f"<conference xmlns='{NS}' name='{name}' autojoin='true'><nick>{nick}</nick></conference>"
    publish = f"<publish node='{NS}'><item id='{room}'>{conference}</item></publish>"
    return f"<pubsub xmlns='{PUBSUB}'>{publish}{OPTIONS}</pubsub>"


async def test_bookmarks_are_private_and_reach_ones_own_clients(server: ServerProcess, make_person: MakePerson) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    async with (
        connected(server, alice.username, alice.password, plugins=PLUGINS, resource="one") as one,
        connected(server, alice.username, alice.password, plugins=PLUGINS, resource="two") as two,
        connected(server, bob.username, bob.password) as b,
    ):
        on_two = every_message(two)
        await interested(two, NS)
        await send_iq(one, "set", bookmark("team@conference.localhost", "Team", "ally"))
        event = await events(on_two)(NS)
        conference = event.find(f".//{{{PUBSUB}#event}}item/{{{NS}}}conference")
        assert conference is not None and conference.get("name") == "Team"
        await send_iq(one, "set", bookmark("other@conference.localhost", "Other", "ally"))  # same options: accepted
        with pytest.raises(IqError) as failed:
            await send_iq(
                b, "get", f"<pubsub xmlns='{PUBSUB}'><items node='{NS}'/></pubsub>", to=f"{alice.username}@localhost"
            )
        assert failed.value.condition == "item-not-found"
        legacy = await send_iq(one, "get", f"<query xmlns='{PRIVATE}'><storage xmlns='{LEGACY}'/></query>")
        rooms = legacy.xml.findall(f"{{{PRIVATE}}}query/{{{LEGACY}}}storage/{{{LEGACY}}}conference")
        assert sorted((c.get("jid"), c.findtext(f"{{{LEGACY}}}nick")) for c in rooms) == [
            ("other@conference.localhost", "ally"),
            ("team@conference.localhost", "ally"),
        ]


async def test_an_xep0048_client_writes_the_pep_bookmarks(server: ServerProcess, make_person: MakePerson) -> None:
    alice = await make_person("alice")
    storage = (
        f"<storage xmlns='{LEGACY}'>"
        "<conference jid='a@conference.localhost' name='A' autojoin='1'><nick>al</nick></conference>"
        "<url name='Docs' url='https://example.org/'/></storage>"
    )
    async with connected(server, alice.username, alice.password) as a:
        await send_iq(a, "set", f"<query xmlns='{PRIVATE}'>{storage}</query>")
        answer = await send_iq(a, "get", f"<pubsub xmlns='{PUBSUB}'><items node='{NS}'/></pubsub>")
        items = answer.xml.findall(f".//{{{PUBSUB}}}item")
        assert [i.get("id") for i in items] == ["a@conference.localhost"]
        assert items[0].findtext(f"{{{NS}}}conference/{{{NS}}}nick") == "al"
        await send_iq(a, "set", f"<query xmlns='{PRIVATE}'><storage xmlns='{LEGACY}'/></query>")  # all removed
        answer = await send_iq(a, "get", f"<pubsub xmlns='{PUBSUB}'><items node='{NS}'/></pubsub>")
        assert answer.xml.findall(f".//{{{PUBSUB}}}item") == []
        await send_iq(a, "set", f"<query xmlns='{PRIVATE}'>{storage}</query>")
        legacy = await send_iq(a, "get", f"<query xmlns='{PRIVATE}'><storage xmlns='{LEGACY}'/></query>")
        kept = legacy.xml.find(f"{{{PRIVATE}}}query/{{{LEGACY}}}storage")
        assert kept is not None
        assert [u.get("url") for u in kept.findall(f"{{{LEGACY}}}url")] == ["https://example.org/"]
        assert [c.get("jid") for c in kept.findall(f"{{{LEGACY}}}conference")] == ["a@conference.localhost"]
