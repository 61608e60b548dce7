"""XEP-0313 MAM of a room (queries to the room's JID) over real sockets: members only, paging, nicks."""

from __future__ import annotations

import pytest
from slixmpp.exceptions import IqError

from tests.conftest import MakePerson
from tests.e2e.xmpp.test_xep0313_mam import CLIENT, FORWARD, MAM, RSM, listen, mam
from tests.support.muc import MUC_PLUGINS, make_room, room_jid
from tests.support.server import ServerProcess
from tests.support.xmpp import TIMEOUT, connected, send_iq

SID = "urn:xmpp:sid:0"


async def test_members_page_through_a_room_archive(server: ServerProcess, make_person: MakePerson) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    room = await make_room(alice, "Archived talk", members=(bob,))
    for i in range(4):
        await (alice if i % 2 == 0 else bob).send(room["id"], f"m{i}")
    async with connected(server, bob.username, bob.password, plugins=MUC_PLUGINS) as b:
        info = await b.plugin["xep_0030"].get_info(jid=room_jid(room), timeout=TIMEOUT)
        assert MAM in info["disco_info"]["features"]
        await b.plugin["xep_0045"].join_muc_wait(room_jid(room), "B", timeout=TIMEOUT, maxstanzas=0)
        results = listen(b)
        first = await mam(b, results, f"<set xmlns='{RSM}'><max>3</max></set>", to=str(room_jid(room)))
        assert first.bodies == ["m0", "m1", "m2"]
        assert (first.complete, first.rsm("count")) == (False, "4")
        inner = first.results[1].find(f"{{{FORWARD}}}forwarded/{{{CLIENT}}}message")
        assert inner is not None
        assert (inner.get("type"), inner.get("from")) == ("groupchat", str(room_jid(room, "B")))  # joined: nick
        sender = first.results[0].find(f"{{{FORWARD}}}forwarded/{{{CLIENT}}}message")
        assert sender is not None and sender.get("from") == str(room_jid(room, alice.username))
        stanza_id = inner.find(f"{{{SID}}}stanza-id")
        assert stanza_id is not None and stanza_id.get("by") == str(room_jid(room))
        rest = await mam(
            b, results, f"<set xmlns='{RSM}'><after>{first.rsm('last')}</after></set>", to=str(room_jid(room))
        )
        assert (rest.bodies, rest.complete) == (["m3"], True)

        # `with`: an occupant JID (joined here: its nick; else a username), or a person's JID.
        mine = await mam(b, results, to=str(room_jid(room)), **{"with": str(room_jid(room, "B"))})
        assert (mine.bodies, mine.rsm("count")) == (["m1", "m3"], "2")
        by_username = await mam(b, results, to=str(room_jid(room)), **{"with": str(room_jid(room, alice.username))})
        by_person = await mam(b, results, to=str(room_jid(room)), **{"with": f"{alice.username}@localhost"})
        assert by_username.bodies == by_person.bodies == ["m0", "m2"]
        nobody = await mam(b, results, to=str(room_jid(room)), **{"with": str(room_jid(room, "nobody-here"))})
        assert (nobody.bodies, nobody.complete) == ([], True)


async def test_non_members_may_not_read_a_room_archive(server: ServerProcess, make_person: MakePerson) -> None:
    alice, carol = await make_person("alice"), await make_person("carol")
    hidden = await make_room(alice, "Hidden")
    lobby = await make_room(alice, "Lobby", visibility="open")
    await alice.send(lobby["id"], "hello lobby")
    async with connected(server, carol.username, carol.password, plugins=MUC_PLUGINS) as c:
        query = f"<query xmlns='{MAM}'/>"
        for room, condition in ((hidden, "item-not-found"), (lobby, "forbidden")):
            with pytest.raises(IqError) as failure:
                await send_iq(c, "set", query, to=str(room_jid(room)))
            assert failure.value.iq["error"]["condition"] == condition
        results = listen(c)
        await c.plugin["xep_0045"].join_muc_wait(room_jid(lobby), "carol", timeout=TIMEOUT, maxstanzas=0)
        joined = await mam(c, results, to=str(room_jid(lobby)))  # joining an open room makes a member
        assert joined.bodies == ["hello lobby"]
        with_field = "<field var='with'><value>not a jid@@</value></field>"
        filtered = f"<query xmlns='{MAM}'><x xmlns='jabber:x:data' type='submit'>{with_field}</x></query>"
        with pytest.raises(IqError) as failure:
            await send_iq(c, "set", filtered, to=str(room_jid(lobby)))
        assert failure.value.iq["error"]["condition"] == "jid-malformed"


async def test_changes_in_a_room_after_an_entry_are_entries_too(server: ServerProcess, make_person: MakePerson) -> None:
    """Catching up on a room from the last entry had: corrections, retractions and reactions made
    since come as the room sent them live, from the occupant who made them, naming stanza-ids."""
    alice, carol = await make_person("alice"), await make_person("carol")
    room = await make_room(alice, "Changing talk", members=(carol,))
    first = await alice.send(room["id"], "meet at 3pm")
    second = await alice.send(room["id"], "the password is hunter2")
    async with connected(server, carol.username, carol.password, plugins=MUC_PLUGINS) as c:
        results = listen(c)
        to = str(room_jid(room))
        known = await mam(c, results, to=to)
        mark = known.rsm("last")
        assert mark == second["id"]
        assert (
            await alice.http.patch(f"/api/v1/messages/{first['id']}", json={"body": "meet at 4pm"})
        ).status_code == 200
        assert (await alice.http.delete(f"/api/v1/messages/{second['id']}")).status_code == 200
        await carol.post(f"/api/v1/messages/{first['id']}/reactions", {"emoji": "👍"})
        since = await mam(c, results, f"<set xmlns='{RSM}'><after>{mark}</after></set>", to=to)
        inner = [r.find(f"{{{FORWARD}}}forwarded/{{{CLIENT}}}message") for r in since.results]
        assert len(inner) == 3 and all(m is not None and m.get("type") == "groupchat" for m in inner)
        fix, gone, reacted = inner
        assert fix is not None and gone is not None and reacted is not None
        assert fix.findtext(f"{{{CLIENT}}}body") == "meet at 4pm"
        assert fix.get("from") == gone.get("from") == str(room_jid(room, alice.username))
        retract = gone.find("{urn:xmpp:message-retract:1}retract")
        assert retract is not None and retract.get("id") == second["id"]
        emojis = reacted.find("{urn:xmpp:reactions:0}reactions")
        assert emojis is not None and emojis.get("id") == first["id"]
        assert reacted.get("from") == str(room_jid(room, carol.username))
        assert since.complete

        # A room admin removes carol's message: the catch-up has it, from the room (XEP-0425).
        spam = await carol.send(room["id"], "buy now")
        mark = spam["id"]
        removed = await alice.http.delete(f"/api/v1/messages/{spam['id']}", params={"reason": "spam"})
        assert removed.status_code == 200
        later = await mam(c, results, f"<set xmlns='{RSM}'><after>{mark}</after></set>", to=to)
        (moderated,) = [r.find(f"{{{FORWARD}}}forwarded/{{{CLIENT}}}message") for r in later.results]
        assert moderated is not None and moderated.get("from") == to
        retract = moderated.find("{urn:xmpp:message-retract:1}retract")
        assert retract is not None and retract.get("id") == spam["id"]
        assert retract.find("{urn:xmpp:message-moderate:1}moderated") is not None
