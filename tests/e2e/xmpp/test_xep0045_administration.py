"""XEP-0045 administration with slixmpp over real sockets: muc#admin affiliation lists and changes
mapped to the core room's roles, kicks, muc#owner configuration and destruction (archiving)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import pytest
from slixmpp.exceptions import IqError

from tests.conftest import MakePerson
from tests.support.client import Person
from tests.support.muc import MUC_PLUGINS, codes, make_room, room_jid, wait_for, watch
from tests.support.server import ServerProcess
from tests.support.xmpp import TIMEOUT, Client, connected, send_iq

ADMIN = "http://jabber.org/protocol/muc#admin"
OWNER = "http://jabber.org/protocol/muc#owner"
DATA = "jabber:x:data"


def jid(person: Person) -> str:
    return f"{person.username}@localhost"


async def roles(person: Person, room: dict[str, Any]) -> dict[int, str]:
    return {int(m["user_id"]): m["role"] for m in await person.get(f"/api/v1/conversations/{room['id']}/members")}


async def listed(client: Client, room: dict[str, Any], affiliation: str) -> dict[str, str | None]:
    answer = await send_iq(
        client, "get", f"<query xmlns='{ADMIN}'><item affiliation='{affiliation}'/></query>", str(room_jid(room))
    )
    return {item.get("jid"): item.get("nick") for item in answer.xml.find(f"{{{ADMIN}}}query")}


async def refused(client: Client, kind: str, payload: str, room: dict[str, Any]) -> str:
    with pytest.raises(IqError) as failure:
        await send_iq(client, kind, payload, str(room_jid(room)))
    return str(failure.value.iq["error"]["condition"])


def admin_set(**attrs: str) -> str:
    return f"<query xmlns='{ADMIN}'><item " + " ".join(f"{k}='{v}'" for k, v in attrs.items()) + "/></query>"


async def test_affiliations_are_the_core_roles(server: ServerProcess, make_person: MakePerson) -> None:
    alice, bob, carol = [await make_person(n) for n in ("alice", "bob", "carol")]
    room = await make_room(alice, "Affiliations", members=(bob,))
    async with (
        connected(server, alice.username, alice.password, plugins=MUC_PLUGINS) as a,
        connected(server, bob.username, bob.password, plugins=MUC_PLUGINS) as b,
    ):
        await a.plugin["xep_0045"].join_muc_wait(room_jid(room), "al", timeout=TIMEOUT)
        await b.plugin["xep_0045"].join_muc_wait(room_jid(room), "bobby", timeout=TIMEOUT)
        assert await listed(a, room, "owner") == {jid(alice): "al"}
        assert await listed(a, room, "member") == {jid(bob): "bobby"}
        assert await listed(a, room, "outcast") == {}
        assert await refused(b, "get", admin_set(affiliation="member"), room) == "forbidden"

        await send_iq(a, "set", admin_set(affiliation="member", jid=jid(carol)), str(room_jid(room)))
        assert (await roles(alice, room))[carol.user_id] == "member"
        seen_by_b = watch(b)
        await send_iq(a, "set", admin_set(affiliation="admin", jid=jid(bob)), str(room_jid(room)))
        assert (await roles(alice, room))[bob.user_id] == "admin"
        promoted = await wait_for(seen_by_b, lambda p: p["from"] == room_jid(room, "bobby"))
        assert (promoted["muc"]["affiliation"], promoted["muc"]["role"]) == ("admin", "moderator")

        assert await refused(b, "set", admin_set(affiliation="owner", jid=jid(bob)), room) == "forbidden"
        assert await refused(a, "set", admin_set(affiliation="owner", jid="nobody@localhost"), room) == "item-not-found"
        assert await refused(a, "set", admin_set(role="visitor", nick="bobby"), room) == "feature-not-implemented"
        assert await refused(a, "set", admin_set(affiliation="member", jid=jid(alice)), room) == "conflict"

        await send_iq(a, "set", admin_set(affiliation="none", jid=jid(carol)), str(room_jid(room)))
        assert carol.user_id not in await roles(alice, room)


async def test_a_kick_removes_the_occupant_from_the_room(server: ServerProcess, make_person: MakePerson) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    room = await make_room(alice, "Kicks", members=(bob,))
    async with (
        connected(server, alice.username, alice.password, plugins=MUC_PLUGINS) as a,
        connected(server, bob.username, bob.password, plugins=MUC_PLUGINS) as b,
    ):
        await a.plugin["xep_0045"].join_muc_wait(room_jid(room), "alice", timeout=TIMEOUT)
        await b.plugin["xep_0045"].join_muc_wait(room_jid(room), "bob", timeout=TIMEOUT)
        assert await refused(b, "set", admin_set(role="none", nick="alice"), room) == "forbidden"
        seen_by_b = watch(b)
        await send_iq(a, "set", admin_set(role="none", nick="bob"), str(room_jid(room)))
        gone = await wait_for(seen_by_b, lambda p: p["from"] == room_jid(room, "bob") and p["type"] == "unavailable")
        assert {110, 321} <= codes(gone)
        assert bob.user_id not in await roles(alice, room)
        assert await refused(a, "set", admin_set(role="none", nick="bob"), room) == "item-not-found"


async def test_the_owner_form_configures_the_core_room(server: ServerProcess, make_person: MakePerson) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    room = await make_room(alice, "Before", members=(bob,), topic="old topic")
    async with (
        connected(server, alice.username, alice.password, plugins=MUC_PLUGINS) as a,
        connected(server, bob.username, bob.password, plugins=MUC_PLUGINS) as b,
    ):
        form = await send_iq(a, "get", f"<query xmlns='{OWNER}'/>", str(room_jid(room)))
        fields = {f.get("var"): f.findtext(f"{{{DATA}}}value") for f in form.xml.iter(f"{{{DATA}}}field")}
        assert fields["muc#roomconfig_roomname"] == "Before"
        assert fields["muc#roomconfig_roomdesc"] == "old topic"
        assert fields["muc#roomconfig_membersonly"] == "1"
        assert await refused(b, "get", f"<query xmlns='{OWNER}'/>", room) == "forbidden"

        submitted = ET.Element(f"{{{OWNER}}}query")
        x = ET.SubElement(submitted, f"{{{DATA}}}x", {"type": "submit"})
        for var, value in (
            ("FORM_TYPE", "http://jabber.org/protocol/muc#roomconfig"),
            ("muc#roomconfig_roomname", "After"),
            ("muc#roomconfig_roomdesc", "new topic"),
            ("muc#roomconfig_membersonly", "0"),
            ("muc#roomconfig_whois", "anyone"),  # not ours: ignored
        ):
            ET.SubElement(ET.SubElement(x, f"{{{DATA}}}field", {"var": var}), f"{{{DATA}}}value").text = value
        await send_iq(a, "set", ET.tostring(submitted, encoding="unicode"), str(room_jid(room)))
        after = await alice.get(f"/api/v1/conversations/{room['id']}")
        assert (after["name"], after["topic"], after["visibility"]) == ("After", "new topic", "open")
        info = await a.plugin["xep_0030"].get_info(jid=room_jid(room), timeout=TIMEOUT)
        assert "muc_open" in info["disco_info"]["features"]


async def test_destroying_a_room_archives_it(server: ServerProcess, make_person: MakePerson) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    room = await make_room(alice, "Doomed", members=(bob,))
    async with (
        connected(server, alice.username, alice.password, plugins=MUC_PLUGINS) as a,
        connected(server, bob.username, bob.password, plugins=MUC_PLUGINS) as b,
    ):
        await b.plugin["xep_0045"].join_muc_wait(room_jid(room), "bob", timeout=TIMEOUT)
        destroy = f"<query xmlns='{OWNER}'><destroy><reason>done here</reason></destroy></query>"
        assert await refused(b, "set", destroy, room) == "forbidden"
        seen_by_b = watch(b)
        await send_iq(a, "set", destroy, str(room_jid(room)))
        gone = await wait_for(seen_by_b, lambda p: p["type"] == "unavailable")
        reason = gone.xml.find("{http://jabber.org/protocol/muc#user}x/{http://jabber.org/protocol/muc#user}destroy")
        assert reason is not None and reason.findtext("{http://jabber.org/protocol/muc#user}reason") == "done here"
        assert (await alice.get(f"/api/v1/conversations/{room['id']}"))["is_archived"] is True
