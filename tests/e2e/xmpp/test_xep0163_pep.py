"""XEP-0163 PEP over real sockets: publish, items, retract, options, configure, delete, notifications."""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from slixmpp import JID
from slixmpp.exceptions import IqError

from tests.conftest import MakePerson
from tests.support.server import ServerProcess
from tests.support.xmpp import Client, both_connected, connected, drain, every_message, send_iq, wait_for

PUBSUB = "http://jabber.org/protocol/pubsub"
OWNER = f"{PUBSUB}#owner"
EVENT = f"{PUBSUB}#event"
ERRORS = f"{PUBSUB}#errors"
PLUGINS = ("xep_0030", "xep_0199", "xep_0115", "xep_0163")
NOTES = "urn:example:notes"
TUNE = "http://jabber.org/protocol/tune"


def form(**fields: str) -> str:
    values = "".join(f"<field var='pubsub#{var}'><value>{value}</value></field>" for var, value in fields.items())
    hidden = f"<field var='FORM_TYPE' type='hidden'><value>{PUBSUB}#publish-options</value></field>"
    return f"<x xmlns='jabber:x:data' type='submit'>{hidden}{values}</x>"


async def publish(
    client: Client, node: str, text: str, item_id: str | None = None, to: str | None = None, **options: str
) -> str:
    """Publish `<note>text</note>`; the item id the server answers with."""
    item = f"<item id='{item_id}'>" if item_id else "<item>"
    extra = f"<publish-options>{form(**options)}</publish-options>" if options else ""
    note = f"<note xmlns='{NOTES}'>{text}</note>"
    payload = f"<pubsub xmlns='{PUBSUB}'><publish node='{node}'>{item}{note}</item></publish>{extra}</pubsub>"
    answer = await send_iq(client, "set", payload, to=to)
    published = answer.xml.find(f"{{{PUBSUB}}}pubsub/{{{PUBSUB}}}publish/{{{PUBSUB}}}item")
    assert published is not None
    return str(published.get("id"))


async def items(client: Client, owner: str | None, node: str, inner: str = "", **attrs: str) -> list[tuple[str, str]]:
    """(id, note text) of the items the server gives."""
    extra = "".join(f" {name}='{value}'" for name, value in attrs.items())
    answer = await send_iq(
        client, "get", f"<pubsub xmlns='{PUBSUB}'><items node='{node}'{extra}>{inner}</items></pubsub>", to=owner
    )
    found = answer.xml.findall(f"{{{PUBSUB}}}pubsub/{{{PUBSUB}}}items/{{{PUBSUB}}}item")
    return [(str(i.get("id")), i.findtext(f"{{{NOTES}}}note") or "") for i in found]


async def error_of(request: Any) -> tuple[str, list[str]]:
    """The condition of the error the request fails with, and its application conditions."""
    with pytest.raises(IqError) as failed:
        await request
    error = failed.value.iq.xml.find("{jabber:client}error")
    assert error is not None
    return failed.value.condition, [child.tag.split("}")[1] for child in error if child.tag.startswith(f"{{{ERRORS}}}")]


async def test_publish_and_retrieve_items(server: ServerProcess, make_person: MakePerson) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    alice_jid = f"{alice.username}@localhost"
    async with both_connected(server, alice, bob) as (a, b):
        await publish(a, NOTES, "one", "n1", max_items="2")
        await publish(a, NOTES, "two", "n2")
        generated = await publish(a, NOTES, "three")
        assert generated
        assert await items(a, None, NOTES) == [("n2", "two"), (generated, "three")]
        assert await items(a, alice_jid, NOTES, max_items="1") == [(generated, "three")]
        assert await items(b, alice_jid, NOTES, "<item id='n2'/>") == [("n2", "two")]
        await publish(a, NOTES, "two again", "n2")  # same id: replaced, and now the newest
        assert await items(b, alice_jid, NOTES) == [(generated, "three"), ("n2", "two again")]
        assert await error_of(publish(b, NOTES, "mine", to=alice_jid)) == ("forbidden", [])
        assert await error_of(items(b, alice_jid, "urn:example:none")) == ("item-not-found", [])
        await publish(a, "urn:example:secret", "hidden", access_model="whitelist")
        assert await items(a, None, "urn:example:secret") != []
        assert await error_of(items(b, alice_jid, "urn:example:secret")) == ("item-not-found", [])
        missing = f"<pubsub xmlns='{PUBSUB}'><publish node='{NOTES}'><item id='x'/></publish></pubsub>"
        assert await error_of(send_iq(a, "set", missing)) == ("bad-request", ["payload-required"])


async def test_publish_options_preconditions_and_node_configuration(
    server: ServerProcess, make_person: MakePerson
) -> None:
    alice = await make_person("alice")
    devices = "eu.siacs.conversations.axolotl.devicelist"
    async with connected(server, alice.username, alice.password) as a:
        await publish(a, devices, "1234", "current", access_model="open")
        assert await error_of(publish(a, devices, "1234", "current", access_model="presence")) == (
            "conflict",
            ["precondition-not-met"],
        )
        assert await error_of(publish(a, devices, "1", "current", unheard_of="1")) == (
            "conflict",
            ["precondition-not-met"],
        )
        configure = (
            f"<pubsub xmlns='{OWNER}'><configure node='{devices}'>{form(access_model='presence')}</configure></pubsub>"
        )
        await send_iq(a, "set", configure)
        await publish(a, devices, "5678", "current", access_model="presence")
        answer = await send_iq(a, "get", f"<pubsub xmlns='{OWNER}'><configure node='{devices}'/></pubsub>")
        fields = answer.xml.findall(".//{jabber:x:data}field")
        values = {f.get("var"): f.findtext("{jabber:x:data}value") for f in fields}
        assert values["pubsub#access_model"] == "presence"
        assert values["pubsub#max_items"] == "1"
        retract = f"<pubsub xmlns='{PUBSUB}'><retract node='{devices}'><item id='nope'/></retract></pubsub>"
        assert await error_of(send_iq(a, "set", retract)) == ("item-not-found", [])
        await send_iq(a, "set", f"<pubsub xmlns='{OWNER}'><delete node='{devices}'/></pubsub>")
        assert await error_of(items(a, None, devices)) == ("item-not-found", [])
        subscribe = f"<pubsub xmlns='{PUBSUB}'><subscribe node='{devices}' jid='{alice.username}@localhost'/></pubsub>"
        assert await error_of(send_iq(a, "set", subscribe)) == ("feature-not-implemented", ["unsupported"])


async def interested(client: Client, *nodes: str) -> None:
    """Add `node+notify` to the client's features and send presence with the new caps."""
    for node in nodes:
        client.plugin["xep_0030"].add_feature(f"{node}+notify")
    await client.plugin["xep_0115"].update_caps(broadcast=False)
    client.send_presence()


def events(queue: asyncio.Queue[Any], of: str | None = None) -> Any:
    """Waits for the next PEP event message of a node (from the bare JID `of`, if given), from a
    queue of every message: the test servers are shared, so others' items may come too."""

    def matches(m: Any, node: str) -> bool:
        return m.xml.find(f"{{{EVENT}}}event/*[@node='{node}']") is not None and (of is None or m["from"].bare == of)

    async def next_event(node: str) -> ET.Element:
        stanza = await wait_for(queue, lambda m: matches(m, node))
        return stanza.xml  # type: ignore[no-any-return]

    return next_event


async def test_notifications_follow_caps(server: ServerProcess, make_person: MakePerson) -> None:
    alice, bob, cat = await make_person("alice"), await make_person("bob"), await make_person("cat")
    alice_jid = f"{alice.username}@localhost"
    async with (
        connected(server, alice.username, alice.password, plugins=PLUGINS) as a,
        connected(server, bob.username, bob.password, plugins=PLUGINS) as b,
        connected(server, cat.username, cat.password, plugins=PLUGINS) as c,
    ):
        on_alice, on_bob, on_cat = every_message(a), every_message(b), every_message(c)
        await publish(a, TUNE, "first", "current")
        await interested(b, TUNE)
        last = await events(on_bob, alice_jid)(TUNE)  # the newest item, as bob's client now asks for the node
        assert last.get("from") == alice_jid
        assert last.findtext(f".//{{{EVENT}}}item/{{{NOTES}}}note") == "first"
        assert last.find("{urn:xmpp:delay}delay") is not None
        await interested(a, TUNE)
        await events(on_alice, alice_jid)(TUNE)  # her own last item too
        await publish(a, TUNE, "second", "current")
        for queue in (on_bob, on_alice):
            live = await events(queue, alice_jid)(TUNE)
            assert live.findtext(f".//{{{EVENT}}}item/{{{NOTES}}}note") == "second"
            assert live.get("type") == "headline"
        await send_iq(
            a,
            "set",
            f"<pubsub xmlns='{PUBSUB}'><retract node='{TUNE}' notify='true'><item id='current'/></retract></pubsub>",
        )
        retracted = await events(on_bob, alice_jid)(TUNE)
        assert retracted.find(f".//{{{EVENT}}}retract").get("id") == "current"
        await publish(a, TUNE, "third", "current")
        await send_iq(a, "set", f"<pubsub xmlns='{OWNER}'><delete node='{TUNE}'/></pubsub>")
        await events(on_bob, alice_jid)(TUNE)
        deleted = await events(on_bob, alice_jid)(TUNE)
        assert deleted.find(f"{{{EVENT}}}event/{{{EVENT}}}delete") is not None
        assert [m for m in drain(on_cat) if m.xml.find(f"{{{EVENT}}}event") is not None] == []  # cat did not ask


async def test_an_account_is_a_pep_service_in_disco(server: ServerProcess, make_person: MakePerson) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    async with connected(server, bob.username, bob.password) as b:
        info = await b.plugin["xep_0030"].get_info(jid=JID(f"{alice.username}@localhost"), timeout=10)
        identities = {(category, kind) for category, kind, _, _ in info["disco_info"]["identities"]}
        assert {("account", "registered"), ("pubsub", "pep")} <= identities
        features = set(info["disco_info"]["features"])
        assert {f"{PUBSUB}#publish", f"{PUBSUB}#publish-options", f"{PUBSUB}#access-whitelist"} <= features
        with pytest.raises(IqError) as failed:
            await b.plugin["xep_0030"].get_info(jid=JID("nobody-here@localhost"), timeout=10)
        assert failed.value.condition == "service-unavailable"


async def test_a_block_stops_notifications_of_presence_access_nodes(
    server: ServerProcess, make_person: MakePerson
) -> None:
    """Whom one blocks (XEP-0191) gets no notifications of one's presence-access nodes, as no
    presence; after the unblock the next publish reaches them."""
    alice, bob = await make_person("alice"), await make_person("bob")
    alice_jid = f"{alice.username}@localhost"
    async with (
        connected(server, alice.username, alice.password, plugins=PLUGINS) as a,
        connected(server, bob.username, bob.password, plugins=PLUGINS) as b,
    ):
        on_bob = every_message(b)
        await interested(b, TUNE)
        response = await alice.http.put(f"/api/v1/blocks/{bob.user_id}")
        assert response.status_code == 204
        await publish(a, TUNE, "while blocked", "current")
        response = await alice.http.delete(f"/api/v1/blocks/{bob.user_id}")
        assert response.status_code == 204
        await publish(a, TUNE, "after the unblock", "current")
        first = await events(on_bob, alice_jid)(TUNE)  # the first bob gets: not the one while blocked
        assert first.findtext(f".//{{{EVENT}}}item/{{{NOTES}}}note") == "after the unblock"
