"""RFC 6121 §2 roster management with the shared roster: versions, sets and removals with
pushes to every interested resource, the error cases of §2.3.3 and §2.5.3."""

from __future__ import annotations

import asyncio
import secrets

import pytest
from slixmpp.exceptions import IqError

from tests.conftest import MakePerson
from tests.support.client import Person
from tests.support.roster import ROSTER, jid, next_push, presence_from, pushes, send_presence
from tests.support.server import ServerProcess
from tests.support.xmpp import connected, send_iq


def item(contact: str, name: str = "", *groups: str, subscription: str = "") -> str:
    attrs = f" jid='{contact}'" + (f" name='{name}'" if name else "")
    attrs += f" subscription='{subscription}'" if subscription else ""
    return f"<item{attrs}>" + "".join(f"<group>{g}</group>" for g in groups) + "</item>"


def roster_set(*items: str) -> str:
    return f"<query xmlns='{ROSTER}'>" + "".join(items) + "</query>"


async def refused(client: object, payload: str, to: str | None = None) -> str:
    with pytest.raises(IqError) as failure:
        await send_iq(client, "set", payload, to=to)  # type: ignore[arg-type]
    return str(failure.value.iq["error"]["condition"])


async def test_versions_and_an_unchanged_roster_is_an_empty_result(
    server: ServerProcess, make_person: MakePerson
) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    async with connected(server, alice.username, alice.password) as client:
        assert "rosterver" in client.features
        full = await send_iq(client, "get", f"<query xmlns='{ROSTER}'/>")
        query = full.xml.find(f"{{{ROSTER}}}query")
        version = query.get("ver")
        assert version
        assert jid(bob) in {each.get("jid") for each in query}
        same = await send_iq(client, "get", f"<query xmlns='{ROSTER}' ver='{version}'/>")
        assert same.xml.find(f"{{{ROSTER}}}query") is None
        older = await send_iq(client, "get", f"<query xmlns='{ROSTER}' ver='not-this-one'/>")
        assert older.xml.find(f"{{{ROSTER}}}query").get("ver") == version


async def test_renaming_a_colleague_is_pushed_to_every_interested_resource(
    server: ServerProcess, make_person: MakePerson
) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    async with (
        connected(server, alice.username, alice.password, resource="laptop") as laptop,
        connected(server, alice.username, alice.password, resource="phone") as phone,
        connected(server, alice.username, alice.password, resource="bot", send_presence=False) as bot,
    ):
        on_laptop, on_phone, on_bot = pushes(laptop), pushes(phone), pushes(bot)
        await send_iq(laptop, "set", roster_set(item(jid(bob), "Bobby", "Friends", "Ops")))

        for queue in (on_laptop, on_phone):
            pushed = await next_push(queue, jid(bob))
            assert (pushed.get("name"), pushed.get("subscription")) == ("Bobby", "both")
            assert [g.text for g in pushed] == ["Friends", "Ops"]
            assert pushed.get("ver")
        await asyncio.sleep(0.3)
        assert on_bot.empty()  # never asked for the roster: not an interested resource
        roster = {c["contact"]: c for c in await alice.get("/api/v1/roster")}
        assert roster[bob.username]["name"] == "Bobby"
        assert roster[bob.username]["subscription"] == "both"
        assert "Bobby" not in {c["name"] for c in await bob.get("/api/v1/roster")}


async def test_a_colleague_made_or_disabled_while_connected_is_pushed(
    server: ServerProcess, make_person: MakePerson, admin: Person
) -> None:
    """The shared roster follows the directory live: a new account is pushed as a colleague
    (subscription both, the organisation's group), a disabled one as a removal; the push's
    version makes the next roster get answer with the whole roster."""
    alice = await make_person("alice")
    async with connected(server, alice.username, alice.password) as client:
        queue = pushes(client)
        newbie = await make_person("newbie")
        added = await next_push(queue, jid(newbie))
        assert (added.get("name"), added.get("subscription")) == (newbie.username.title(), "both")
        assert [g.text for g in added] == ["Colleagues"]
        full = await send_iq(client, "get", f"<query xmlns='{ROSTER}' ver='{added.get('ver')}'/>")
        assert jid(newbie) in {each.get("jid") for each in full.xml.find(f"{{{ROSTER}}}query")}

        await admin.http.patch(f"/api/v1/admin/users/{newbie.username}", json={"is_disabled": True})
        removed = await next_push(queue, jid(newbie))
        assert removed.get("subscription") == "remove"
        full = await send_iq(client, "get", f"<query xmlns='{ROSTER}'/>")
        assert jid(newbie) not in {each.get("jid") for each in full.xml.find(f"{{{ROSTER}}}query")}


async def test_a_colleague_added_or_disabled_with_the_cli_is_pushed(
    server: ServerProcess, make_person: MakePerson
) -> None:
    """The CLI is another process: the server follows its account changes (every `database.follow_seconds`)."""
    alice = await make_person("alice")
    newcomer = f"cli-{secrets.token_hex(3)}"
    async with connected(server, alice.username, alice.password) as client:
        queue = pushes(client)
        made = await asyncio.to_thread(
            server.roost, "user", "add", newcomer, "--name", "Cli Newcomer", "--password-stdin", stdin="cli-pass-1234\n"
        )
        assert made.returncode == 0, made.stderr
        added = await next_push(queue, f"{newcomer}@localhost")
        assert (added.get("name"), added.get("subscription")) == ("Cli Newcomer", "both")
        # Groups made and changed with the CLI regroup the colleague in everyone's roster.
        group = f"Ops {secrets.token_hex(2)}"
        for command in (
            ("group", "add", group, "--owner", alice.username, "--no-room"),
            ("group", "member", group, newcomer),
        ):
            done = await asyncio.to_thread(server.roost, *command)
            assert done.returncode == 0, done.stderr
        regrouped = await next_push(queue, f"{newcomer}@localhost")
        assert [g.text for g in regrouped.findall(f"{{{ROSTER}}}group")] == [group]
        removed = await asyncio.to_thread(server.roost, "group", "remove", group, newcomer)
        assert removed.returncode == 0, removed.stderr
        back = await next_push(queue, f"{newcomer}@localhost")
        assert [g.text for g in back.findall(f"{{{ROSTER}}}group")] == ["Colleagues"]  # the organisation
        disabled = await asyncio.to_thread(server.roost, "user", "disable", newcomer)
        assert disabled.returncode == 0, disabled.stderr
        assert (await next_push(queue, f"{newcomer}@localhost")).get("subscription") == "remove"


async def test_a_deleted_group_regroups_its_members_in_every_roster(
    server: ServerProcess, make_person: MakePerson, admin: Person
) -> None:
    """Each member's item is pushed to every interested stream, read once per member for all
    of them: the shared item, or the hand-made one of that stream's owner."""
    alice, carol = await make_person("alice"), await make_person("carol")
    members = [await make_person("member") for _ in range(3)]
    group = f"Doomed {secrets.token_hex(2)}"
    await admin.post("/api/v1/admin/groups", {"name": group}, 201)
    async with (
        connected(server, alice.username, alice.password) as a,
        connected(server, carol.username, carol.password) as c,
    ):
        on_alice, on_carol = pushes(a), pushes(c)
        await send_iq(a, "get", f"<query xmlns='{ROSTER}'/>")
        await send_iq(c, "set", roster_set(item(jid(members[0]), "My Mentor", "Mine")))
        await next_push(on_carol, jid(members[0]))
        for member in members:
            added = await admin.http.put(f"/api/v1/admin/groups/{group}/members/{member.username}")
            assert added.status_code in (200, 204), added.text
        for member in members:
            for queue in (on_alice, on_carol):
                joined = await next_push(queue, jid(member))
                expected = ["Mine"] if queue is on_carol and member is members[0] else [group]
                assert [g.text for g in joined.findall(f"{{{ROSTER}}}group")] == expected
        deleted = await admin.http.delete(f"/api/v1/admin/groups/{group}")
        assert deleted.status_code in (200, 204), deleted.text
        for queue, owner in ((on_alice, alice), (on_carol, carol)):
            for member in members:
                pushed = await next_push(queue, jid(member))
                own = owner is carol and member is members[0]
                assert pushed.get("name") == ("My Mentor" if own else member.username.title())
                assert [g.text for g in pushed.findall(f"{{{ROSTER}}}group")] == (["Mine"] if own else ["Colleagues"])


async def test_colleagues_cannot_be_removed_but_other_addresses_can(
    server: ServerProcess, make_person: MakePerson
) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    async with connected(server, alice.username, alice.password) as client:
        queue = pushes(client)
        assert await refused(client, roster_set(item(jid(bob), subscription="remove"))) == "not-allowed"

        await send_iq(client, "set", roster_set(item("friend@example.org", "Friend")))
        added = await next_push(queue, "friend@example.org")
        assert (added.get("subscription"), added.get("name"), added.get("ask")) == ("none", "Friend", None)
        await send_iq(client, "set", roster_set(item("friend@example.org", subscription="remove")))
        removed = await next_push(queue, "friend@example.org")
        assert removed.get("subscription") == "remove"
        assert removed.get("ver") != added.get("ver")
        gone = await refused(client, roster_set(item("friend@example.org", subscription="remove")))
        assert gone == "item-not-found"


async def test_the_error_cases_of_a_roster_set(server: ServerProcess, make_person: MakePerson) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    async with connected(server, alice.username, alice.password) as client:
        assert await refused(client, roster_set(item(jid(bob)), item("x@example.org"))) == "bad-request"
        assert await refused(client, roster_set()) == "bad-request"
        assert await refused(client, roster_set(item(jid(alice), "Me"))) == "not-allowed"
        assert await refused(client, roster_set(item(jid(bob), "B", "Ops", "Ops"))) == "bad-request"
        assert await refused(client, roster_set(item(jid(bob), "B", ""))) == "not-acceptable"
        assert await refused(client, roster_set(item(jid(bob), "B" * 201))) == "not-acceptable"
        assert await refused(client, roster_set(item(jid(bob), "Bob")), to=jid(bob)) == "forbidden"
        with pytest.raises(IqError) as failure:
            await send_iq(client, "get", f"<query xmlns='{ROSTER}'/>", to=jid(bob))
        assert failure.value.iq["error"]["condition"] == "forbidden"


async def test_subscription_requests_between_colleagues_are_approved_at_once(
    server: ServerProcess, make_person: MakePerson
) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    async with connected(server, alice.username, alice.password) as client:
        send_presence(client, jid(bob), "subscribe")
        await presence_from(client, jid(bob), "subscribed")
        send_presence(client, "nobody-here@localhost", "subscribe")
        await presence_from(client, "nobody-here@localhost", "unsubscribed")
