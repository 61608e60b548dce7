"""XEP-0045 room creation with slixmpp over real sockets: joining a new room JID makes a core room."""

from __future__ import annotations

from typing import Any

from slixmpp import JID
from slixmpp.exceptions import PresenceError

from tests.conftest import MakePerson
from tests.support.muc import MUC_PLUGINS, SERVICE, codes, member_ids, wait_for, watch
from tests.support.server import ServerProcess
from tests.support.xmpp import TIMEOUT, connected

OWNER = "http://jabber.org/protocol/muc#owner"


async def test_joining_a_new_room_jid_makes_an_invite_only_room(server: ServerProcess, make_person: MakePerson) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    address = f"planning-{alice.user_id}"
    planning = JID(f"{address}@conference.localhost")
    async with (
        connected(server, alice.username, alice.password, plugins=MUC_PLUGINS) as a,
        connected(server, bob.username, bob.password, plugins=MUC_PLUGINS) as b,
    ):
        own, _, _, history = await a.plugin["xep_0045"].join_muc_wait(planning, "alice", timeout=TIMEOUT)
        assert {110, 201} <= codes(own)
        assert own["muc"]["affiliation"] == "owner"
        assert history == []
        instant = a.make_iq_set(ito=planning)
        query = instant.xml.makeelement(f"{{{OWNER}}}query", {})
        query.append(query.makeelement("{jabber:x:data}x", {"type": "submit"}))
        instant.xml.append(query)
        await instant.send(timeout=TIMEOUT)  # type: ignore[no-untyped-call]
        rooms = {c["name"]: c for c in await alice.get("/api/v1/conversations")}
        room: dict[str, Any] = rooms[address]
        assert (room["kind"], room["visibility"]) == ("room", "invite")
        items = await a.plugin["xep_0030"].get_items(jid=SERVICE, timeout=TIMEOUT)
        assert str(planning) in {item[0] for item in items["disco_items"]["items"]}
        for target in (planning, JID(f"{room['id']}@conference.localhost")):  # the address is the room's one JID
            try:
                await b.plugin["xep_0045"].join_muc_wait(target, "bob", timeout=TIMEOUT)
                raise AssertionError("joined someone else's invite-only room")
            except PresenceError as error:
                assert error.condition == "registration-required"
        assert await member_ids(alice, room) == {alice.user_id}
        a.send_message(mto=planning, mbody="first", mtype="groupchat")
        await wait_for(a.messages, lambda m: m["body"] == "first")
        history_page = await alice.get(f"/api/v1/conversations/{room['id']}/messages")
        assert [m["body"] for m in history_page["messages"]] == ["first"]
        presences = watch(a)
        a.plugin["xep_0045"].leave_muc(planning, "alice")
        await wait_for(presences, lambda p: p["type"] == "unavailable")
        again, _, _, history = await a.plugin["xep_0045"].join_muc_wait(planning, "alice", timeout=TIMEOUT)
        assert 201 not in codes(again)
        assert [m["body"] for m in history] == ["first"]
