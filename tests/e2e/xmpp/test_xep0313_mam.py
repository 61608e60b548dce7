"""XEP-0313 MAM over real sockets: the user's archive, RSM paging, filters and errors."""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

import pytest
from slixmpp import JID
from slixmpp.exceptions import IqError
from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import MatchXPath

from tests.conftest import MakePerson
from tests.support.client import Person
from tests.support.server import ServerProcess
from tests.support.xmpp import TIMEOUT, Client, connected, drain, send_iq, wait_for

MAM = "urn:xmpp:mam:2"
RSM = "http://jabber.org/protocol/rsm"
FORWARD = "urn:xmpp:forward:0"
CLIENT = "jabber:client"


@dataclass
class Answer:
    results: list[ET.Element]  # <result/> elements, in order
    fin: ET.Element

    @property
    def bodies(self) -> list[str | None]:
        return [r.findtext(f"{{{FORWARD}}}forwarded/{{{CLIENT}}}message/{{{CLIENT}}}body") for r in self.results]

    def rsm(self, name: str) -> str | None:
        return self.fin.findtext(f"{{{RSM}}}set/{{{RSM}}}{name}")

    @property
    def complete(self) -> bool:
        return self.fin.get("complete") == "true"


def attribute(element: ET.Element | None, path: str, name: str) -> str:
    """An attribute of the element at `path` (which must be there)."""
    assert element is not None
    found = element.find(path) if path else element
    assert found is not None
    value = found.get(name)
    assert value is not None
    return value


def listen(client: Client) -> asyncio.Queue[Any]:
    results: asyncio.Queue[Any] = asyncio.Queue()
    matcher = MatchXPath(f"{{{CLIENT}}}message/{{{MAM}}}result")
    client.register_handler(Callback("mam results", matcher, results.put_nowait))
    return results


async def mam(
    client: Client, results: asyncio.Queue[Any], rsm: str = "", to: str | None = None, **fields: str
) -> Answer:
    """Run one query; its results arrive before the answer to the iq."""
    form = "".join(f"<field var='{var}'><value>{escape(value)}</value></field>" for var, value in fields.items())
    payload = f"<query xmlns='{MAM}' queryid='q1'><x xmlns='jabber:x:data' type='submit'>{form}</x>{rsm}</query>"
    answer = await send_iq(client, "set", payload, to=to)
    fin = answer.xml.find(f"{{{MAM}}}fin")
    found = [stanza.xml.find(f"{{{MAM}}}result") for stanza in drain(results)]
    assert all(r.get("queryid") == "q1" for r in found)
    return Answer(found, fin)


async def talk(alice: Person, bob: Person, cat: Person) -> None:
    """alice and bob: b0 a1 b2 a3 b4; alice and cat: c0 a-c1 (all through the web API)."""
    with_bob, with_cat = await alice.direct(bob), await alice.direct(cat)
    for i in range(5):
        await (bob if i % 2 == 0 else alice).send(with_bob, f"{'b' if i % 2 == 0 else 'a'}{i}")
    await cat.send(with_cat, "c0")
    await alice.send(with_cat, "a-c1")


async def test_paging_through_the_whole_archive(server: ServerProcess, make_person: MakePerson) -> None:
    alice, bob, cat = await make_person("alice"), await make_person("bob"), await make_person("cat")
    await talk(alice, bob, cat)
    async with connected(server, alice.username, alice.password) as a:
        results = listen(a)
        first = await mam(a, results, "<set xmlns='http://jabber.org/protocol/rsm'><max>3</max></set>")
        assert first.bodies == ["b0", "a1", "b2"]
        assert (first.complete, first.rsm("count")) == (False, "7")
        assert first.rsm("first") == first.results[0].get("id")
        after = f"<set xmlns='{RSM}'><max>10</max><after>{first.rsm('last')}</after></set>"
        rest = await mam(a, results, after)
        assert rest.bodies == ["a3", "b4", "c0", "a-c1"]
        assert rest.complete
        newest = await mam(a, results, f"<set xmlns='{RSM}'><max>2</max><before/></set>")
        assert newest.bodies == ["c0", "a-c1"]
        assert not newest.complete
        older = await mam(a, results, f"<set xmlns='{RSM}'><max>10</max><before>{newest.rsm('first')}</before></set>")
        assert older.bodies == ["b0", "a1", "b2", "a3", "b4"]
        assert older.complete
        count_only = await mam(a, results, f"<set xmlns='{RSM}'><max>0</max></set>")
        assert (count_only.results, count_only.rsm("count")) == ([], "7")


async def test_results_are_forwarded_messages_with_delay_and_stanza_ids(
    server: ServerProcess, make_person: MakePerson
) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    alice_jid, bob_jid = f"{alice.username}@localhost", f"{bob.username}@localhost"
    async with (
        connected(server, alice.username, alice.password) as a,
        connected(server, bob.username, bob.password) as b,
    ):
        await bob.send(await alice.direct(bob), "live one")
        live = await wait_for(a.messages, lambda m: m["body"] == "live one")
        a.send_message(mto=JID(bob_jid), mbody="my answer", mtype="chat")
        await wait_for(b.messages, lambda m: m["body"] == "my answer")  # delivered after it was stored
        answer = await mam(a, listen(a), **{"with": bob_jid})
    assert answer.bodies == ["live one", "my answer"]
    received, sent = (r.find(f"{{{FORWARD}}}forwarded") for r in answer.results)
    assert answer.results[0].get("id") == attribute(live.xml, "{urn:xmpp:sid:0}stanza-id", "id")
    assert attribute(received, "{urn:xmpp:delay}delay", "stamp").endswith("Z")
    message = f"{{{CLIENT}}}message"
    assert (JID(attribute(received, message, "from")).bare, attribute(received, message, "to")) == (bob_jid, alice_jid)
    assert (JID(attribute(sent, message, "from")).bare, attribute(sent, message, "to")) == (alice_jid, bob_jid)


async def test_filters(server: ServerProcess, make_person: MakePerson) -> None:
    alice, bob, cat = await make_person("alice"), await make_person("bob"), await make_person("cat")
    await talk(alice, bob, cat)
    async with connected(server, alice.username, alice.password) as a:
        results = listen(a)
        everything = await mam(a, results)
        ids = [attribute(r, "", "id") for r in everything.results]
        stamps = [attribute(r, f"{{{FORWARD}}}forwarded/{{urn:xmpp:delay}}delay", "stamp") for r in everything.results]
        assert (await mam(a, results, **{"with": f"{cat.username}@localhost"})).bodies == ["c0", "a-c1"]
        assert (await mam(a, results, **{"with": f"{bob.username}@localhost/anything"})).bodies == [
            "b0",
            "a1",
            "b2",
            "a3",
            "b4",
        ]
        nobody = await mam(a, results, **{"with": "nobody-at-all@localhost"})
        assert (nobody.bodies, nobody.complete, nobody.rsm("count")) == ([], True, "0")
        assert (await mam(a, results, start=stamps[5])).bodies == ["c0", "a-c1"]
        assert (await mam(a, results, end=stamps[1])).bodies == ["b0", "a1"]
        between = await mam(a, results, **{"after-id": ids[1], "before-id": ids[4]})
        assert (between.bodies, between.rsm("count")) == (["b2", "a3"], "2")
    async with connected(server, bob.username, bob.password) as b:  # bob's archive has only his chat
        assert (await mam(b, listen(b))).bodies == ["b0", "a1", "b2", "a3", "b4"]


@pytest.mark.parametrize(
    ("rsm", "fields", "condition"),
    [
        ("", {"FORM_TYPE": "urn:example:other"}, "bad-request"),
        ("", {"colour": "blue"}, "bad-request"),
        ("", {"start": "yesterday"}, "bad-request"),
        ("", {"start": "2025-01-01T00:00:00"}, "bad-request"),
        ("", {"with": "a@b@c"}, "jid-malformed"),
        ("", {"after-id": "not-an-id"}, "item-not-found"),
        (f"<set xmlns='{RSM}'><after>12345</after></set>", {}, "item-not-found"),
        (f"<set xmlns='{RSM}'><before>x</before></set>", {}, "item-not-found"),
        (f"<set xmlns='{RSM}'><max>-1</max></set>", {}, "bad-request"),
        (f"<set xmlns='{RSM}'><index>3</index></set>", {}, "feature-not-implemented"),
        (f"<set xmlns='{RSM}'><after>1</after><before>2</before></set>", {}, "bad-request"),
    ],
)
async def test_bad_queries_get_stanza_errors(
    server: ServerProcess, make_person: MakePerson, rsm: str, fields: dict[str, str], condition: str
) -> None:
    alice = await make_person("alice")
    async with connected(server, alice.username, alice.password) as a:
        with pytest.raises(IqError) as error:
            await mam(a, listen(a), rsm, **fields)
        assert error.value.condition == condition
        await a.plugin["xep_0199"].ping(jid=JID("localhost"), timeout=TIMEOUT)  # the stream goes on


async def test_someone_elses_archive_and_messages_are_out_of_reach(
    server: ServerProcess, make_person: MakePerson
) -> None:
    alice, bob, cat = await make_person("alice"), await make_person("bob"), await make_person("cat")
    sent = await bob.send(await bob.direct(cat), "between bob and cat")
    async with connected(server, alice.username, alice.password) as a:
        results = listen(a)
        for to in (f"{bob.username}@localhost", "localhost"):
            with pytest.raises(IqError) as error:
                await mam(a, results, to=to)
            assert error.value.condition == "service-unavailable"
        with pytest.raises(IqError) as error:
            await mam(a, results, f"<set xmlns='{RSM}'><after>{sent['id']}</after></set>")
        assert error.value.condition == "item-not-found"
        assert (await mam(a, results, to=f"{alice.username}@localhost")).results == []


async def test_form_and_disco(server: ServerProcess, make_person: MakePerson) -> None:
    alice = await make_person("alice")
    async with connected(server, alice.username, alice.password) as a:
        form = await send_iq(a, "get", f"<query xmlns='{MAM}'/>")
        fields = [f.get("var") for f in form.xml.iter("{jabber:x:data}field")]
        assert fields == ["FORM_TYPE", "with", "start", "end", "before-id", "after-id"]
        info = await a.plugin["xep_0030"].get_info(jid=JID(f"{alice.username}@localhost"), timeout=TIMEOUT)
        # urn:xmpp:sid:0 at the account: Conversations trusts the <stanza-id/>s of 1:1 messages only then
        assert {MAM, f"{MAM}#extended", "urn:xmpp:sid:0"} <= set(info["disco_info"]["features"])


def forwarded(result: ET.Element) -> ET.Element:
    found = result.find(f"{{{FORWARD}}}forwarded/{{{CLIENT}}}message")
    assert found is not None
    return found


async def test_changes_after_an_entry_are_entries_too(server: ServerProcess, make_person: MakePerson) -> None:
    """A client that was away while another was on catches up from its last entry: the edits,
    deletions and reactions made since come as entries of their own (XEP-0308, XEP-0424,
    XEP-0444), at their ids and in order, and the paging goes on from them."""
    alice, bob = await make_person("alice"), await make_person("bob")
    with_bob = await alice.direct(bob)
    meet = await bob.send(with_bob, "meet at 3pm", client_id="k1")
    secret = await bob.send(with_bob, "the password is hunter2", client_id="k2")
    async with connected(server, alice.username, alice.password) as a:
        results = listen(a)
        known = await mam(a, results)
        assert known.bodies == ["meet at 3pm", "the password is hunter2"]
        mark = known.rsm("last")
        assert mark is not None

        assert (await bob.http.patch(f"/api/v1/messages/{meet['id']}", json={"body": "meet at 4pm"})).status_code == 200
        assert (await bob.http.delete(f"/api/v1/messages/{secret['id']}")).status_code == 200
        await bob.post(f"/api/v1/messages/{meet['id']}/reactions", {"emoji": "👍"})
        await alice.send(with_bob, "ok")

        since = await mam(a, results, f"<set xmlns='{RSM}'><after>{mark}</after></set>")
        inner = [forwarded(r) for r in since.results]
        assert (since.complete, since.rsm("count"), len(inner)) == (True, "6", 4)
        fix, gone, reacted, ok = inner
        assert fix.findtext(f"{{{CLIENT}}}body") == "meet at 4pm"
        replace = fix.find("{urn:xmpp:message-correct:0}replace")
        assert replace is not None and replace.get("id") == "k1"
        retract = gone.find("{urn:xmpp:message-retract:1}retract")
        assert retract is not None and retract.get("id") == "k2"
        emojis = reacted.find("{urn:xmpp:reactions:0}reactions")
        assert emojis is not None and emojis.get("id") == "k1" and [e.text for e in emojis] == ["👍"]
        assert ok.findtext(f"{{{CLIENT}}}body") == "ok"
        bob_jid = f"{bob.username}@localhost"
        assert all(JID(m.get("from")).bare == bob_jid for m in (fix, gone, reacted))
        ids = [int(r.get("id", "0")) for r in since.results]
        assert ids == sorted(ids) and since.rsm("last") == str(ids[-1])
        stamps = [attribute(r, f"{{{FORWARD}}}forwarded/{{urn:xmpp:delay}}delay", "stamp") for r in since.results]
        assert stamps == sorted(stamps)

        rest = await mam(a, results, f"<set xmlns='{RSM}'><after>{ids[1]}</after></set>")  # from a change
        assert [r.get("id") for r in rest.results] == [str(i) for i in ids[2:]]
        newest = await mam(a, results, f"<set xmlns='{RSM}'><max>2</max><before/></set>")
        assert [r.get("id") for r in newest.results] == [str(i) for i in ids[2:]]
        assert not newest.complete
        with_bob_only = await mam(a, results, **{"with": bob_jid, "after-id": mark})
        assert len(with_bob_only.results) == 4
