"""XEP-0045 membership with slixmpp over real sockets: removal in the core, invitations, self-ping, bad input."""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET
from typing import Any

from slixmpp import JID
from slixmpp.exceptions import IqError, PresenceError

from tests.conftest import MakePerson
from tests.support.client import Person
from tests.support.muc import MUC_PLUGINS, codes, make_room, member_ids, room_jid, wait_for, watch
from tests.support.server import ServerProcess
from tests.support.xmpp import TIMEOUT, connected

MUC_USER = "http://jabber.org/protocol/muc#user"


async def test_removal_in_the_core_takes_the_occupant_out(server: ServerProcess, make_person: MakePerson) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    room = await make_room(alice, "Removals", members=(bob,))
    async with (
        connected(server, alice.username, alice.password, plugins=MUC_PLUGINS) as a,
        connected(server, bob.username, bob.password, plugins=MUC_PLUGINS) as b,
    ):
        seen_by_a, seen_by_b = watch(a), watch(b)
        await a.plugin["xep_0045"].join_muc_wait(room_jid(room), "alice", timeout=TIMEOUT)
        await b.plugin["xep_0045"].join_muc_wait(room_jid(room), "bob", timeout=TIMEOUT)
        response = await alice.http.delete(f"/api/v1/rooms/{room['id']}/members/{bob.user_id}")
        assert response.status_code == 200, response.text
        unavailable = lambda p: p["from"] == room_jid(room, "bob") and p["type"] == "unavailable"  # noqa: E731
        own = await wait_for(seen_by_b, unavailable)
        assert {110, 321} <= codes(own)
        assert own["muc"]["affiliation"] == "none"
        other = await wait_for(seen_by_a, unavailable)
        assert 321 in codes(other) and 110 not in codes(other)
        errors = watch(b, "message_error")
        b.send_message(mto=room_jid(room), mbody="still here?", mtype="groupchat")
        assert (await wait_for(errors, lambda m: True))["error"]["condition"] == "not-acceptable"
        try:
            await b.plugin["xep_0045"].join_muc_wait(room_jid(room), "bob", timeout=TIMEOUT)
            raise AssertionError("rejoined after removal")
        except PresenceError as error:
            assert error.condition == "registration-required"


async def test_invitations_add_members_under_the_core_rules(server: ServerProcess, make_person: MakePerson) -> None:
    alice, bob, carol, dave = [await make_person(n) for n in ("alice", "bob", "carol", "dave")]
    room = await make_room(alice, "Invitations")
    async with (
        connected(server, alice.username, alice.password, plugins=MUC_PLUGINS) as a,
        connected(server, bob.username, bob.password, plugins=MUC_PLUGINS) as b,
        connected(server, carol.username, carol.password, plugins=(*MUC_PLUGINS, "xep_0249")) as c,
    ):
        direct_invites = watch(c, "groupchat_direct_invite")
        invites = watch(b, "groupchat_invite")
        a.plugin["xep_0045"].invite(room_jid(room), JID(f"{bob.username}@localhost"), "come in")
        got = await wait_for(invites, lambda m: True)
        assert got["from"] == room_jid(room)
        assert got["muc"]["invite"]["from"].bare == f"{alice.username}@localhost"
        assert bob.user_id in await member_ids(alice, room)
        direct = a.make_message(mto=JID(f"{carol.username}@localhost"))
        direct.append(ET.Element("{jabber:x:conference}x", {"jid": str(room_jid(room)), "reason": "XEP-0249"}))
        direct.send()
        got = await wait_for(direct_invites, lambda m: True)
        assert got["groupchat_invite"]["jid"] == room_jid(room)
        assert got["from"].bare == f"{alice.username}@localhost"
        assert carol.user_id in await member_ids(alice, room)
        await b.plugin["xep_0045"].join_muc_wait(room_jid(room), "bob", timeout=TIMEOUT)
        errors = watch(b, "message_error")
        b.plugin["xep_0045"].invite(room_jid(room), JID(f"{dave.username}@localhost"))
        refused = await wait_for(errors, lambda m: True)
        assert refused["error"]["condition"] == "forbidden"  # invite-only: admins invite
    assert dave.user_id not in await member_ids(alice, room)


async def test_self_ping(server: ServerProcess, make_person: MakePerson) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    room = await make_room(alice, "Pings", members=(bob,))
    async with (
        connected(server, alice.username, alice.password, plugins=MUC_PLUGINS) as a,
        connected(server, bob.username, bob.password, plugins=MUC_PLUGINS) as b,
    ):
        await a.plugin["xep_0045"].join_muc_wait(room_jid(room), "alice", timeout=TIMEOUT)
        await a.plugin["xep_0199"].ping(jid=room_jid(room, "alice"), timeout=TIMEOUT)
        for target in (room_jid(room, "alice"), room_jid(room, "bob")):  # bob is not joined
            try:
                await b.plugin["xep_0199"].ping(jid=target, timeout=TIMEOUT)
                raise AssertionError("a ping from outside the room was answered")
            except IqError as error:
                assert error.condition == "not-acceptable"


async def test_bad_joins_get_the_errors_the_xep_names(server: ServerProcess, make_person: MakePerson) -> None:
    alice = await make_person("alice")
    room = await make_room(alice, "Errors")
    async with connected(server, alice.username, alice.password, plugins=MUC_PLUGINS) as a:
        errors = watch(a, "presence_error")
        cases = [
            (
                f"<presence to='{room_jid(room)}'><x xmlns='http://jabber.org/protocol/muc'/></presence>",
                "jid-malformed",
            ),
            ("<presence to='_no-such-room@conference.localhost/a'/>", "not-allowed"),  # no room, no name
            (
                f"<presence to='{room_jid(room, 'a')}'><x xmlns='http://jabber.org/protocol/muc'>"
                "<history maxstanzas='-1'/></x></presence>",
                "bad-request",
            ),
        ]
        for raw, condition in cases:
            a.send_raw(raw)
            refused = await wait_for(errors, lambda p: True)
            assert refused["error"]["condition"] == condition, raw
        info = a.plugin["xep_0030"]
        try:
            await info.get_info(jid=JID("no-such-room@conference.localhost"), timeout=TIMEOUT)
            raise AssertionError("an unknown room was described")
        except IqError as error:
            assert error.condition == "item-not-found"
        await a.plugin["xep_0045"].join_muc_wait(room_jid(room), "a", timeout=TIMEOUT)  # the stream is fine


async def test_people_added_to_a_room_elsewhere_get_an_invitation(
    server: ServerProcess, make_person: MakePerson, admin: Person
) -> None:
    """Added on the web, in a room made with them, or through a group's room: each of their
    XMPP clients gets one mediated invitation from the room (naming who added them); an
    invitation made from XMPP is not sent twice, and joining a room oneself sends none."""
    alice, bob, carol = await make_person("alice"), await make_person("bob"), await make_person("carol")
    async with (
        connected(server, bob.username, bob.password, plugins=MUC_PLUGINS) as b,
        connected(server, alice.username, alice.password, plugins=MUC_PLUGINS) as a,
    ):
        invites = watch(b, "groupchat_invite")
        every: list[JID] = []  # all of them, kept (wait_for drops what it passes over)
        b.add_event_handler("groupchat_invite", lambda m: every.append(m["from"]))
        web_room = await make_room(alice, "Added on the web")
        await alice.post(f"/api/v1/rooms/{web_room['id']}/members", {"user_ids": [bob.user_id]})
        got = await wait_for(invites, lambda m: m["from"] == room_jid(web_room))
        assert got["muc"]["invite"]["from"].bare == f"{alice.username}@localhost"

        made_with = await make_room(alice, "Made with bob", members=(bob,))
        await wait_for(invites, lambda m: m["from"] == room_jid(made_with))

        name = f"Team {server.port}"
        await admin.post("/api/v1/admin/groups", {"name": name, "with_room": True}, 201)
        assert (await admin.http.put(f"/api/v1/admin/groups/{name}/members/{bob.username}")).status_code == 200
        group_room = next(g for g in await admin.get("/api/v1/admin/groups") if g["name"] == name)
        group_jid = JID(f"{group_room['default_room_id']}@conference.localhost")
        tool = await wait_for(invites, lambda m: m["from"] == group_jid)
        invite = tool.xml.find(f"{{{MUC_USER}}}x/{{{MUC_USER}}}invite")
        assert invite is not None and invite.get("from") == str(group_jid)  # an admin tool: the room invites

        xmpp_room = await make_room(alice, "Invited from XMPP")
        a.plugin["xep_0045"].invite(room_jid(xmpp_room), JID(f"{bob.username}@localhost"), "come in")
        await wait_for(invites, lambda m: m["from"] == room_jid(xmpp_room))
        open_room = await make_room(carol, "Open door", visibility="open")
        joined = await bob.http.put(f"/api/v1/rooms/{open_room['id']}/members/me")  # joining on the web: none
        assert joined.status_code == 200, joined.text
        barrier = await make_room(alice, "Barrier", members=(bob,))
        await wait_for(invites, lambda m: m["from"] == room_jid(barrier))
    assert every.count(room_jid(xmpp_room)) == 1 and every.count(room_jid(web_room)) == 1  # one each
    assert room_jid(open_room) not in every  # none for a join


async def invitations_at_login(server: ServerProcess, someone: Person, watcher: Any, last: JID) -> list[Any]:
    """The invitations one XMPP login of `someone` gets, up to the one from `last` (bounded);
    returns once `watcher`, a colleague's client, saw them go offline again."""
    async with connected(server, someone.username, someone.password, plugins=MUC_PLUGINS, send_presence=False) as c:
        every: list[Any] = []
        c.add_event_handler("groupchat_invite", every.append)
        c.send_presence()
        deadline = asyncio.get_running_loop().time() + TIMEOUT
        while not any(m["from"] == last for m in every):
            assert asyncio.get_running_loop().time() < deadline, [str(m["from"]) for m in every]
            await asyncio.sleep(0.05)
    jid = f"{someone.username}@localhost"
    await wait_for(watcher.presences, lambda p: p["from"].bare == jid and p["type"] == "unavailable")
    return every


async def test_rooms_joined_while_offline_are_invited_to_at_the_next_login(
    server: ServerProcess, make_person: MakePerson, admin: Person
) -> None:
    """An XMPP-only person added to rooms while none of their clients was on gets one
    invitation per room at the next login (XEP-0160 time), oldest first, naming no one; a
    group's room the admin CLI made with them as its owner too; not for a room they left
    again meanwhile, nor for one they joined themselves, nor twice."""
    alice, bob, carol = await make_person("alice"), await make_person("bob"), await make_person("carol")
    open_room = await make_room(carol, "Open to all", visibility="open")
    async with connected(server, alice.username, alice.password, plugins=MUC_PLUGINS) as a:
        gone = lambda p: p["from"].bare == f"{bob.username}@localhost" and p["type"] == "unavailable"  # noqa: E731

        async with connected(server, bob.username, bob.password, plugins=MUC_PLUGINS) as b:
            await b.plugin["xep_0045"].join_muc_wait(room_jid(open_room), "bob", timeout=TIMEOUT)  # joined himself
        await wait_for(a.presences, gone)

        web_room = await make_room(alice, "Added while away")
        await alice.post(f"/api/v1/rooms/{web_room['id']}/members", {"user_ids": [bob.user_id]})
        left_again = await make_room(alice, "Added and removed", members=(bob,))
        removed = await alice.http.delete(f"/api/v1/rooms/{left_again['id']}/members/{bob.user_id}")
        assert removed.status_code == 200, removed.text
        made_with = await make_room(alice, "Made with bob away", members=(bob,))
        group = f"Owned {server.port}"
        tool = await asyncio.to_thread(server.roost, "group", "add", group, "--owner", bob.username)
        assert tool.returncode == 0, tool.stderr
        group_room = next(g for g in await admin.get("/api/v1/admin/groups") if g["name"] == group)
        tool_jid = JID(f"{group_room['default_room_id']}@conference.localhost")

        got = await invitations_at_login(server, bob, a, tool_jid)
        assert [m["from"] for m in got] == [room_jid(web_room), room_jid(made_with), tool_jid]
        invite = got[0].xml.find(f"{{{MUC_USER}}}x/{{{MUC_USER}}}invite")
        # the log keeps no adder: the room names itself (Gajim drops an <invite/> without `from`)
        assert invite is not None and invite.get("from") == str(room_jid(web_room))

        barrier = await make_room(alice, "Made later", members=(bob,))
        again = await invitations_at_login(server, bob, a, room_jid(barrier))
        assert [m["from"] for m in again] == [room_jid(barrier)]  # once


async def test_the_first_xmpp_login_is_invited_to_every_room_one_is_in(
    server: ServerProcess, make_person: MakePerson
) -> None:
    """Someone who never used XMPP gets no old messages at their first login (MAM has them) but
    an invitation from each room they are in, oldest first: their client knows of none yet."""
    alice, dora = await make_person("alice"), await make_person("dora")
    first = await make_room(alice, "Before dora used XMPP", members=(dora,))
    second = await make_room(alice, "Also before", members=(dora,))
    not_hers = await make_room(alice, "Not dora's")
    async with connected(server, alice.username, alice.password) as a:
        got = [m["from"] for m in await invitations_at_login(server, dora, a, room_jid(second))]
        assert got == [room_jid(first), room_jid(second)]
        assert room_jid(not_hers) not in got
        third = await make_room(alice, "Made between the logins", members=(dora,))
        again = await invitations_at_login(server, dora, a, room_jid(third))
        assert [m["from"] for m in again] == [room_jid(third)]  # the others not again
