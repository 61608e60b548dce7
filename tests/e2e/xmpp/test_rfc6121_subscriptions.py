"""RFC 6121 §3 presence subscriptions without the shared roster: request, approval, denial,
cancellation and unsubscription, pending requests kept for an offline contact, and removal
of an item cancelling both ways (the state tables of Appendix A)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from tests.conftest import MakePerson
from tests.support.roster import ROSTER, jid, manual, next_push, presence_from, pushes, send_presence
from tests.support.server import ServerProcess
from tests.support.xmpp import send_iq


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A server without the shared roster: rosters hold only what people add."""
    proc = ServerProcess(tmp_path_factory.mktemp("roost"), extra_env={"ROOST_SHARED_ROSTER": "false"})
    proc.init()
    proc.start()
    yield proc
    if proc.process is not None:
        proc.stop()


async def test_a_request_approved_lets_the_requester_see_presence_one_way(
    server: ServerProcess, make_person: MakePerson
) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    async with manual(server, alice) as a, manual(server, bob) as b:
        a_pushes, b_pushes = pushes(a), pushes(b)
        send_presence(a, jid(bob), "subscribe")
        asked = await next_push(a_pushes, jid(bob))
        assert (asked.get("subscription"), asked.get("ask")) == ("none", "subscribe")
        await presence_from(b, jid(alice), "subscribe")
        assert b_pushes.empty()  # a request is no roster item (pending in)

        send_presence(b, jid(alice), "subscribed")
        approved = await next_push(b_pushes, jid(alice))
        assert approved.get("subscription") == "from"
        now_to = await next_push(a_pushes, jid(bob))
        assert (now_to.get("subscription"), now_to.get("ask")) == ("to", None)
        await presence_from(a, jid(bob), "subscribed")
        await presence_from(a, jid(bob, "tests"))  # bob's presence, from his resource

        b.send_presence(pshow="dnd", pstatus="busy")
        seen = await presence_from(a, jid(bob, "tests"))
        assert (seen["show"], seen["status"]) == ("dnd", "busy")
        a.send_presence(pshow="away")
        await asyncio.sleep(0.3)
        assert not [p for p in list(b.presences._queue) if p["from"].bare == jid(alice)]  # type: ignore[attr-defined]


async def test_a_request_waits_for_an_offline_contact_and_a_denial_clears_ask(
    server: ServerProcess, make_person: MakePerson
) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    async with manual(server, alice) as a:
        a_pushes = pushes(a)
        send_presence(a, jid(bob), "subscribe")
        await next_push(a_pushes, jid(bob))
        async with manual(server, bob) as b:
            await presence_from(b, jid(alice), "subscribe")  # delivered at bob's initial presence
            send_presence(b, jid(alice), "unsubscribed")
            denied = await next_push(a_pushes, jid(bob))
            assert (denied.get("subscription"), denied.get("ask")) == ("none", None)
            await presence_from(a, jid(bob), "unsubscribed")
        async with manual(server, bob) as b:  # answered: not asked again
            await asyncio.sleep(0.5)
            assert not [p for p in list(b.presences._queue) if p["type"] == "subscribe"]  # type: ignore[attr-defined]


async def test_mutual_subscription_then_unsubscribe_and_removal(server: ServerProcess, make_person: MakePerson) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    async with manual(server, alice) as a, manual(server, bob) as b:
        a_pushes, b_pushes = pushes(a), pushes(b)
        send_presence(a, jid(bob), "subscribe")
        await presence_from(b, jid(alice), "subscribe")
        send_presence(b, jid(alice), "subscribed")
        send_presence(b, jid(alice), "subscribe")  # bob asks back: alice's 'to' does not show him yet
        await presence_from(a, jid(bob), "subscribe")
        send_presence(a, jid(bob), "subscribed")
        await presence_from(b, jid(alice), "subscribed")
        both = await next_push(a_pushes, jid(bob))
        while both.get("subscription") != "both":
            both = await next_push(a_pushes, jid(bob))

        send_presence(a, jid(bob), "unsubscribe")  # alice stops seeing bob
        await presence_from(a, jid(bob, "tests"), "unavailable")
        await presence_from(b, jid(alice), "unsubscribe")
        now_to = await next_push(b_pushes, jid(alice))
        while now_to.get("subscription") != "to":
            now_to = await next_push(b_pushes, jid(alice))

        await send_iq(a, "set", f"<query xmlns='{ROSTER}'><item jid='{jid(bob)}' subscription='remove'/></query>")
        removed = await next_push(a_pushes, jid(bob))
        while removed.get("subscription") != "remove":
            removed = await next_push(a_pushes, jid(bob))
        await presence_from(b, jid(alice), "unsubscribed")  # bob's 'to' is cancelled
        none = await next_push(b_pushes, jid(alice))
        while none.get("subscription") != "none":
            none = await next_push(b_pushes, jid(alice))
        await presence_from(b, jid(alice, "tests"), "unavailable")


async def test_an_approval_without_a_request_changes_nothing(server: ServerProcess, make_person: MakePerson) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    async with manual(server, alice) as a, manual(server, bob) as b:
        send_presence(b, jid(alice), "subscribed")  # no pre-approval (RFC 6121 §3.4 is optional)
        await asyncio.sleep(0.5)
        assert not [p for p in list(a.presences._queue) if p["type"] == "subscribed"]  # type: ignore[attr-defined]
        roster = await alice.get("/api/v1/roster")
        assert roster == []


async def test_directed_presence_and_its_end_reach_someone_not_subscribed(
    server: ServerProcess, make_person: MakePerson
) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    async with manual(server, bob) as b:
        async with manual(server, alice, "desk") as a:
            directed = a.make_presence(pto=jid(bob, "tests"), pshow="chat", pstatus="ping me")
            directed.send()
            seen = await presence_from(b, jid(alice, "desk"))
            assert (seen["show"], seen["status"]) == ("chat", "ping me")
        await presence_from(b, jid(alice, "desk"), "unavailable")  # the stream ended (§4.6.3)


async def test_probes_reveal_presence_only_to_subscribers(server: ServerProcess, make_person: MakePerson) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    async with manual(server, alice) as a, manual(server, bob) as b:
        send_presence(a, jid(bob), "probe")
        await asyncio.sleep(0.5)
        assert not [p for p in list(a.presences._queue) if p["from"].bare == jid(bob)]  # type: ignore[attr-defined]
        send_presence(a, jid(bob), "subscribe")
        await presence_from(b, jid(alice), "subscribe")
        send_presence(b, jid(alice), "subscribed")
        await presence_from(a, jid(bob, "tests"))
        send_presence(a, jid(bob), "probe")
        await presence_from(a, jid(bob, "tests"))
    async with manual(server, alice) as a:
        send_presence(a, jid(bob), "probe")  # bob is offline: unavailable, with when he was last seen
        gone = await presence_from(a, jid(bob), "unavailable")
        assert gone.xml.find("{urn:xmpp:delay}delay") is not None
