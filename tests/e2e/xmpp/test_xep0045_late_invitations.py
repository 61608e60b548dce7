"""XEP-0045 invitations to a room the admin CLI made: the server learns of it at its next look
at the CLI's changes (`database.follow_seconds`, long here), so a login before that look is
invited at its offline delivery, and a later login must not be invited again when the change
then arrives live."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Iterator
from typing import Any

import pytest
from slixmpp import JID

from tests.conftest import MakePerson
from tests.support.client import Person
from tests.support.muc import MUC_PLUGINS
from tests.support.roster import next_push, pushes
from tests.support.server import ServerProcess
from tests.support.xmpp import TIMEOUT, connected

FOLLOW_SECONDS = 4.0


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    proc = ServerProcess(
        tmp_path_factory.mktemp("roost-late-invites"), extra_env={"ROOST_DATABASE__FOLLOW_SECONDS": str(FOLLOW_SECONDS)}
    )
    proc.init()
    proc.start()
    yield proc
    proc.stop()


async def test_a_room_the_cli_made_is_not_invited_to_twice(
    server: ServerProcess, make_person: MakePerson, admin: Person
) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    loop = asyncio.get_running_loop()
    async with connected(server, alice.username, alice.password) as a:
        # The server just looked at the CLI's changes when Alice sees the CLI's new colleague:
        # its next look is FOLLOW_SECONDS later.
        queue = pushes(a)
        newcomer = f"cli-{secrets.token_hex(3)}"
        made = await asyncio.to_thread(server.roost, "user", "add", newcomer, "--password-stdin", stdin="pass-12345\n")
        assert made.returncode == 0, made.stderr
        await next_push(queue, f"{newcomer}@localhost", timeout=FOLLOW_SECONDS + TIMEOUT)
        looked = loop.time()
    group = f"Late {secrets.token_hex(2)}"
    tool = await asyncio.to_thread(server.roost, "group", "add", group, "--owner", bob.username)
    assert tool.returncode == 0, tool.stderr
    room = next(g for g in await admin.get("/api/v1/admin/groups") if g["name"] == group)
    room_jid = JID(f"{room['default_room_id']}@conference.localhost")

    first = await _invitations(server, bob, until=lambda got: room_jid in got, deadline=loop.time() + TIMEOUT)
    assert first == [room_jid]  # from the log, at offline delivery
    if loop.time() >= looked + FOLLOW_SECONDS:
        pytest.skip("the machine was too slow: the server's next look came before the second login")
    # The second login stays past the server's next look, which tells live streams of the room.
    second = await _invitations(server, bob, until=lambda got: False, deadline=looked + FOLLOW_SECONDS + 2.0)
    assert second == []


async def _invitations(server: ServerProcess, someone: Person, *, until: Any, deadline: float) -> list[JID]:
    """The rooms one login of `someone` is invited to, until `until(rooms)` or the deadline."""
    loop = asyncio.get_running_loop()
    async with connected(server, someone.username, someone.password, plugins=MUC_PLUGINS, send_presence=False) as c:
        rooms: list[JID] = []
        c.add_event_handler("groupchat_invite", lambda m: rooms.append(m["from"]))
        c.send_presence()
        while not until(rooms) and loop.time() < deadline:
            await asyncio.sleep(0.05)
    return rooms
