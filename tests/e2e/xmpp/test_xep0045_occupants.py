"""XEP-0045 between occupants with slixmpp over real sockets: nick changes (303) and private messages."""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET

from slixmpp.exceptions import PresenceError

from tests.conftest import MakePerson
from tests.support.muc import MUC_PLUGINS, codes, make_room, room_jid, wait_for, watch
from tests.support.server import ServerProcess
from tests.support.xmpp import TIMEOUT, connected, every_message

MUC_USER = "http://jabber.org/protocol/muc#user"
CHATSTATES = "http://jabber.org/protocol/chatstates"
RECEIPT = "<received xmlns='urn:xmpp:receipts' id='l-1'/>"


async def test_a_nick_change_is_announced_with_303(server: ServerProcess, make_person: MakePerson) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    room = await make_room(alice, "Nicks", members=(bob,))
    async with (
        connected(server, alice.username, alice.password, plugins=MUC_PLUGINS) as a,
        connected(server, bob.username, bob.password, plugins=MUC_PLUGINS) as b,
    ):
        await a.plugin["xep_0045"].join_muc_wait(room_jid(room), "alice", timeout=TIMEOUT)
        await b.plugin["xep_0045"].join_muc_wait(room_jid(room), "bob", timeout=TIMEOUT)
        seen_by_a, seen_by_b = watch(a), watch(b)
        b.send_presence(pto=room_jid(room, "bobby"))

        for queue, mine in ((seen_by_b, True), (seen_by_a, False)):
            left = await wait_for(queue, lambda p: p["from"] == room_jid(room, "bob") and p["type"] == "unavailable")
            assert 303 in codes(left) and (110 in codes(left)) is mine
            item = left.xml.find(f"{{{MUC_USER}}}x/{{{MUC_USER}}}item")
            assert item.get("nick") == "bobby"  # slixmpp's ["muc"]["nick"] is the from resource
            assert left["muc"]["affiliation"] == "member"
            came = await wait_for(queue, lambda p: p["from"] == room_jid(room, "bobby"))
            assert came["type"] != "unavailable" and (110 in codes(came)) is mine

        groupchats = watch(a, "groupchat_message")
        b.send_message(mto=room_jid(room), mbody="new name", mtype="groupchat")
        got = await wait_for(groupchats, lambda m: m["body"] == "new name")
        assert got["from"] == room_jid(room, "bobby")

        try:  # the nick of another occupant, or another person's username
            await b.plugin["xep_0045"].join_muc_wait(room_jid(room), "alice", timeout=TIMEOUT)
            raise AssertionError("took an occupant's nick")
        except PresenceError as error:
            assert error.condition == "conflict"


async def test_the_show_and_status_sent_to_the_room_are_what_occupants_see(
    server: ServerProcess, make_person: MakePerson
) -> None:
    """Directed presence to the room (RFC 6121 §4.6, XEP-0045 §7.7): a client away in this room
    shows as away there, with its status, whatever its overall presence says."""
    alice, bob = await make_person("alice"), await make_person("bob")
    room = await make_room(alice, "Moods", members=(bob,))
    async with (
        connected(server, alice.username, alice.password, plugins=MUC_PLUGINS) as a,
        connected(server, bob.username, bob.password, plugins=MUC_PLUGINS) as b,
    ):
        await a.plugin["xep_0045"].join_muc_wait(room_jid(room), "alice", timeout=TIMEOUT)
        seen_by_a = watch(a)
        b.send_presence(pto=room_jid(room, "bob"), pshow="dnd", pstatus="deep in the budget")
        joined = await wait_for(seen_by_a, lambda p: p["from"] == room_jid(room, "bob"))
        assert (joined["type"], joined["status"]) == ("dnd", "deep in the budget")
        b.send_presence(pto=room_jid(room, "bob"), pshow="away", pstatus="lunch")
        update = await wait_for(seen_by_a, lambda p: p["from"] == room_jid(room, "bob"))
        assert (update["type"], update["status"]) == ("away", "lunch")
        assert update["muc"]["role"] == "participant"


async def test_private_messages_reach_the_occupant_and_are_not_stored(
    server: ServerProcess, make_person: MakePerson
) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    room = await make_room(alice, "Whispers", members=(bob,))
    async with (
        connected(server, alice.username, alice.password, plugins=MUC_PLUGINS) as a,
        connected(server, bob.username, bob.password, plugins=MUC_PLUGINS, resource="one") as b1,
        connected(server, bob.username, bob.password, plugins=MUC_PLUGINS, resource="two") as b2,
    ):
        for client, nick in ((a, "alice"), (b1, "bob"), (b2, "bob")):
            await client.plugin["xep_0045"].join_muc_wait(room_jid(room), nick, timeout=TIMEOUT)
        on_one, on_two = every_message(b1), every_message(b2)
        a.send_message(mto=room_jid(room, "bob"), mbody="just for you", mtype="chat")
        for queue in (on_one, on_two):  # every stream joined under the nick
            got = await wait_for(queue, lambda m: m["body"] == "just for you")
            assert got["from"] == room_jid(room, "alice")
            assert got["type"] == "chat"
            assert got.xml.find("{http://jabber.org/protocol/muc#user}x") is not None

        errors = watch(a, "message_error")
        a.send_message(mto=room_jid(room, "nobody"), mbody="?", mtype="chat")
        assert (await wait_for(errors, lambda m: True))["error"]["condition"] == "item-not-found"
        a.send_message(mto=room_jid(room, "bob"), mbody="?", mtype="groupchat")
        assert (await wait_for(errors, lambda m: True))["error"]["condition"] == "bad-request"
    await asyncio.sleep(0.2)
    assert (await alice.get(f"/api/v1/conversations/{room['id']}/messages"))["messages"] == []


FORGED = (
    "<stanza-id xmlns='urn:xmpp:sid:0' by='{room}' id='forged-1'/>"
    "<delay xmlns='urn:xmpp:delay' stamp='2001-01-01T00:00:00Z' from='{room}'/>"
    "<result xmlns='urn:xmpp:mam:2' id='forged-2'/>"
    "<received xmlns='urn:xmpp:carbons:2'/>"
    "<x xmlns='http://jabber.org/protocol/muc#user'><status code='110'/></x>"
)


async def test_private_messages_pass_no_forged_server_elements_and_respect_blocks(
    server: ServerProcess, make_person: MakePerson
) -> None:
    """What only a server writes (a stanza-id by the room, a delay, an archive result, a carbon,
    the room's statuses) is taken out of a private message; the client's own payloads pass.
    Between people who block each other (XEP-0191) a private message is refused as a direct one."""
    alice, bob = await make_person("alice"), await make_person("bob")
    room = await make_room(alice, "Forgeries", members=(bob,))
    async with (
        connected(server, alice.username, alice.password, plugins=MUC_PLUGINS) as a,
        connected(server, bob.username, bob.password, plugins=MUC_PLUGINS) as b,
    ):
        for client, nick in ((a, "alice"), (b, "bob")):
            await client.plugin["xep_0045"].join_muc_wait(room_jid(room), nick, timeout=TIMEOUT)
        on_b = every_message(b)
        message = a.make_message(mto=room_jid(room, "bob"), mbody="trust me", mtype="chat")
        for child in ET.fromstring(f"<all>{FORGED.format(room=room_jid(room))}</all>"):
            message.append(child)
        message.append(ET.fromstring("<request xmlns='urn:xmpp:receipts'/>"))
        message.send()
        got = await wait_for(on_b, lambda m: m["body"] == "trust me")
        tags = [child.tag for child in got.xml]
        assert "{urn:xmpp:receipts}request" in tags  # the client's own payload
        for forged in ("{urn:xmpp:sid:0}stanza-id", "{urn:xmpp:delay}delay", "{urn:xmpp:mam:2}result"):
            assert forged not in tags, tags
        assert "{urn:xmpp:carbons:2}received" not in tags
        statuses = got.xml.findall("{http://jabber.org/protocol/muc#user}x")
        assert len(statuses) == 1 and not list(statuses[0])  # the room's own, empty <x/>

        response = await alice.http.put(f"/api/v1/blocks/{bob.user_id}")
        assert response.status_code == 204
        errors_a, errors_b = watch(a, "message_error"), watch(b, "message_error")
        b.send_message(mto=room_jid(room, "alice"), mbody="let me in", mtype="chat")
        refused = await wait_for(errors_b, lambda m: True)
        assert refused["error"]["condition"] == "service-unavailable"
        a.send_message(mto=room_jid(room, "bob"), mbody="and you?", mtype="chat")
        mine = await wait_for(errors_a, lambda m: True)
        assert mine["error"]["condition"] == "not-acceptable"
        assert mine.xml.find("{jabber:client}error/{urn:xmpp:blocking:errors}blocked") is not None


async def test_one_person_under_two_nicks_speaks_from_each(server: ServerProcess, make_person: MakePerson) -> None:
    """Two clients of one person joined under two nicks: what each sends comes from its own nick
    (XEP-0045 §7.4), to its reflection and to the others, and so does a correction of it and
    the history a later joiner gets, its chat states and relayed payloads; both nicks are
    occupants of their own."""
    alice, bob, carol = await make_person("alice"), await make_person("bob"), await make_person("carol")
    room = await make_room(alice, "Two clients", members=(bob, carol))
    async with (
        connected(server, alice.username, alice.password, plugins=MUC_PLUGINS, resource="laptop") as laptop,
        connected(server, alice.username, alice.password, plugins=MUC_PLUGINS, resource="phone") as phone,
        connected(server, bob.username, bob.password, plugins=MUC_PLUGINS) as b,
    ):
        for client, nick in ((laptop, "alice"), (phone, "alice-phone")):
            own, *_ = await client.plugin["xep_0045"].join_muc_wait(room_jid(room), nick, timeout=TIMEOUT)
            assert own["from"] == room_jid(room, nick) and 110 in codes(own)
        _, _, occupants, _ = await b.plugin["xep_0045"].join_muc_wait(room_jid(room), "bob", timeout=TIMEOUT)
        assert {p["from"].resource for p in occupants} == {"alice", "alice-phone", "bob"}  # bob: his own

        queues = {client: watch(client, "groupchat_message") for client in (laptop, phone, b)}
        for sender, nick, stanza_id in ((phone, "alice-phone", "p-1"), (laptop, "alice", "l-1")):
            message = sender.make_message(mto=room_jid(room), mbody=f"sent as {nick}", mtype="groupchat")
            message["id"] = stanza_id
            message.send()
            for client, queue in queues.items():  # the reflection and the others' copies
                got = await wait_for(queue, lambda m, nick=nick: m["body"] == f"sent as {nick}")
                assert (got["from"], got["id"]) == (room_jid(room, nick), stanza_id), client.boundjid

        raw = every_message(b)  # body-less ones too: after the laptop spoke, the phone's come from its nick
        for stanza_id, part in (("p-2", f"<composing xmlns='{CHATSTATES}'/>"), ("p-3", RECEIPT)):
            quiet = phone.make_message(mto=room_jid(room), mtype="groupchat")
            quiet["id"] = stanza_id
            quiet.append(ET.fromstring(part))
            quiet.send()
            tag = ET.fromstring(part).tag
            got = await wait_for(raw, lambda m, tag=tag: m.xml.find(tag) is not None)
            assert got["from"] == room_jid(room, "alice-phone"), tag

        fix = phone.make_message(mto=room_jid(room), mbody="sent as alice-phone, fixed", mtype="groupchat")
        fix.append(ET.fromstring("<replace xmlns='urn:xmpp:message-correct:0' id='p-1'/>"))
        fix.send()
        fixed = await wait_for(queues[b], lambda m: m["body"] == "sent as alice-phone, fixed")
        assert fixed["from"] == room_jid(room, "alice-phone")  # a correction only from the sender's JID counts

        async with connected(server, carol.username, carol.password, plugins=MUC_PLUGINS) as c:
            joined = await c.plugin["xep_0045"].join_muc_wait(room_jid(room), "carol", maxstanzas=10, timeout=TIMEOUT)
            history = {m["body"]: m["from"] for m in joined[3]}
            assert history == {
                "sent as alice-phone, fixed": room_jid(room, "alice-phone"),
                "sent as alice": room_jid(room, "alice"),
            }
