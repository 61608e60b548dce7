"""Everyone sends at once to a server whose caches are cold and whose read pool is busy.

A WebSocket command starts straight from the connection, outside any asyncio task
(`api/ws.py`), until it first has to wait. SQLAlchemy waits for a pooled connection under
`asyncio.timeout`, which works inside a task only: the commands that found the read pool
busy failed ("command failed") and their connections were closed with an internal error,
as happened in a benchmark that restarted a server and had 100 clients send at once.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import pytest

from tests.support.client import Events, open_events, person
from tests.support.server import ADMIN_PASSWORD, ServerProcess, server_with

PEOPLE = 16


@pytest.fixture(scope="module")
def one_reader_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """One pooled read connection: a second read at the same moment has to wait for it."""
    with server_with(tmp_path_factory.mktemp("cold"), ROOST_DATABASE__POOL_SIZE="1") as proc:
        yield proc


async def test_a_burst_of_first_messages_after_a_restart_is_acknowledged(one_reader_server: ServerProcess) -> None:
    server = one_reader_server
    admin = await person(server.url, "admin", ADMIN_PASSWORD, 1)
    people = []
    for n in range(PEOPLE):
        made = await admin.post(
            "/api/v1/admin/users", {"username": f"burst{n}", "password": f"burst-password-{n}"}, 201
        )
        people.append(await person(server.url, f"burst{n}", f"burst-password-{n}", made["user"]["id"]))
    pairs = [(people[n], people[n + 1]) for n in range(0, PEOPLE, 2)]
    conversations = [await a.direct(b) for a, b in pairs]
    server.stop()
    server.start()  # every cache cold: each first send reads its conversation's members

    tokens = [p.http.headers["Authorization"].split()[1] for p in people]
    sockets: list[Events] = await asyncio.gather(*(open_events(server.ws_url, token) for token in tokens))
    commands = [
        {"type": "send", "client_id": f"burst-{n}", "conversation_id": conversations[n // 2], "body": f"hello {n}"}
        for n in range(PEOPLE)
    ]
    await asyncio.gather(*(ws.ws.send(json.dumps(command)) for ws, command in zip(sockets, commands, strict=True)))
    answers = await asyncio.gather(*(ws.until("ack", timeout=20) for ws in sockets))

    assert [a["client_id"] for a in answers] == [c["client_id"] for c in commands]
    assert "command failed" not in server.log_tail()
    for n, (a, _) in enumerate(pairs):
        history = await a.get(f"/api/v1/conversations/{conversations[n]}/messages")
        assert sorted(m["body"] for m in history["messages"]) == [f"hello {2 * n}", f"hello {2 * n + 1}"]
    for ws in sockets:
        await ws.close()
    for p in (admin, *people):
        await p.close()
