"""A client that stops reading is dropped; the server's memory for it stays bounded."""

from __future__ import annotations

import asyncio
import base64
import os
from collections.abc import Iterator

import httpx
import pytest
import websockets

from tests.support.client import open_events, person
from tests.support.server import ADMIN_PASSWORD, ServerProcess, server_with

SENDS_MAX = 300  # 30 MB: far past what loopback socket buffers hold


@pytest.fixture(scope="module")
def small_queue_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    with server_with(tmp_path_factory.mktemp("slow"), ROOST_LIMITS__WS_QUEUE_MAX="10") as proc:
        yield proc


async def _sessions(server: ServerProcess) -> float:
    async with httpx.AsyncClient(base_url=server.url) as http:
        text = (await http.get("/metrics")).text
    return next(float(line.split()[1]) for line in text.splitlines() if line.startswith("roost_sessions "))


async def test_reader_that_stalls_is_dropped_and_others_are_served(small_queue_server: ServerProcess) -> None:
    server = small_queue_server
    admin = await person(server.url, "admin", ADMIN_PASSWORD, 1)
    made = await admin.post("/api/v1/admin/users", {"username": "sleepy", "password": "sleepy-password"}, 201)
    sleepy = await person(server.url, "sleepy", "sleepy-password", made["user"]["id"])
    conversation = await admin.direct(sleepy)
    token = sleepy.http.headers["Authorization"].split()[1]
    # max_queue=1: the client library stops reading from the socket once one frame waits.
    stalled = await websockets.connect(
        server.ws_url, additional_headers={"Authorization": f"Bearer {token}"}, max_queue=1, max_size=None
    )
    watcher = await open_events(server.ws_url, token)  # the same person's other device, reading

    for sent in range(SENDS_MAX):
        body = base64.b64encode(os.urandom(75_000)).decode()  # random: compression cannot shrink it
        await admin.send(conversation, body)
        frame = await watcher.until("message.created")
        assert frame["message"]["body"] == body
        if sent % 10 == 9 and await _sessions(server) < 2:
            break  # the server let go of the stalled one

    code = None
    try:
        async with asyncio.timeout(30):
            async for _ in stalled:
                pass
    except websockets.ConnectionClosed:
        pass
    code = stalled.close_code
    assert code in (4008, 1006), code  # told why, or cut off when it could not even take that

    fresh = await admin.send(conversation, "still here?")
    frame = await watcher.until("message.created")
    assert frame["message"]["id"] == fresh["id"]
    await watcher.close()
    async with httpx.AsyncClient(base_url=server.url) as http:
        assert (await http.get("/healthz")).status_code == 200
    await admin.close()
    await sleepy.close()
