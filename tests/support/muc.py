"""Helpers for the XEP-0045 end-to-end tests: rooms made through the web API, bounded waits."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from slixmpp import JID

from tests.support.client import Person
from tests.support.server import ServerProcess
from tests.support.xmpp import TIMEOUT, Client, connected

MUC_PLUGINS = ("xep_0030", "xep_0199", "xep_0045")
SERVICE = JID("conference.localhost")


def room_jid(room: dict[str, Any], nick: str = "") -> JID:
    return JID(f"{room['id']}@conference.localhost" + (f"/{nick}" if nick else ""))


async def make_room(
    owner: Person, name: str, *, visibility: str = "invite", members: tuple[Person, ...] = (), topic: str = ""
) -> dict[str, Any]:
    body = {"name": name, "visibility": visibility, "topic": topic, "member_ids": [m.user_id for m in members]}
    return await owner.post("/api/v1/rooms", body, 201)  # type: ignore[no-any-return]


async def wait_for(queue: asyncio.Queue[Any], match: Any, timeout: float = TIMEOUT) -> Any:
    """The next item of the queue for which `match(item)` holds (others are dropped); bounded."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        item = await asyncio.wait_for(queue.get(), max(deadline - asyncio.get_running_loop().time(), 0.01))
        if match(item):
            return item


async def eventually(check: Any, timeout: float = TIMEOUT) -> Any:
    """Poll an async `check()` until it returns something truthy; bounded."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = await check()
        if value or asyncio.get_running_loop().time() > deadline:
            return value
        await asyncio.sleep(0.05)


async def member_ids(person: Person, room: dict[str, Any]) -> set[int]:
    return {int(m["user_id"]) for m in await person.get(f"/api/v1/conversations/{room['id']}/members")}


def codes(presence: Any) -> set[int]:
    return set(presence["muc"]["status_codes"])


def watch(client: Any, event: str = "groupchat_presence") -> asyncio.Queue[Any]:
    """A queue of every `event` the client gets from now on (slixmpp's MUC presences skip "presence")."""
    queue: asyncio.Queue[Any] = asyncio.Queue()
    client.add_event_handler(event, queue.put_nowait)
    return queue


@asynccontextmanager
async def joined_pair(
    server: ServerProcess, first: Person, second: Person, room: dict[str, Any]
) -> AsyncIterator[tuple[Client, Client]]:
    """Both people connected over XMPP and joined to the room, nicks their user ids without the test suffix."""
    async with (
        connected(server, first.username, first.password, plugins=MUC_PLUGINS) as a,
        connected(server, second.username, second.password, plugins=MUC_PLUGINS) as b,
    ):
        for client, person in ((a, first), (b, second)):
            nick = person.username.rstrip("0123456789-").removesuffix("-")
            await client.plugin["xep_0045"].join_muc_wait(room_jid(room), nick, maxstanzas=0, timeout=TIMEOUT)
        yield a, b
