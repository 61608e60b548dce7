"""Kill -9 mid-stream, many times, and count: every acknowledged message survives, exactly once.

Four people in two direct conversations send over the WebSocket from two
devices each, several commands in flight per device, as fast as the acks come
back. After a few hundred acks the server gets SIGKILL while sends are still
in flight; it restarts on the same data, and the full history of each
conversation (paged with `before`) must hold every acknowledged message once,
under the id its ack carried. The clients then re-send what was never
acknowledged: a message that was committed but not acked comes back as the
stored one (deduplicated in the database), so in the end every client id is
stored exactly once. Three kill cycles per database.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import urllib.parse
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
import websockets
from psycopg import sql
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from tests.conftest import POSTGRES_URL, database_params
from tests.support.client import login_token
from tests.support.server import ADMIN_PASSWORD, ServerProcess, server_with

CYCLES = 3
DEVICES = 2  # WebSocket connections per person
LANES = 4  # commands each connection keeps in flight
ACKS_PER_CYCLE = 400
SEND_SECONDS = 2.0  # ...or this long, whichever comes first
ACK_TIMEOUT = 15.0
RESEND_ACKED_SAMPLE = 20


@contextlib.contextmanager
def fresh_database(kind: str) -> Iterator[str]:
    """'' for the default SQLite in the data folder, or the URL of a new PostgreSQL database."""
    if kind == "sqlite":
        yield ""
        return
    name = f"roost_{secrets.token_hex(6)}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield urllib.parse.urlsplit(POSTGRES_URL)._replace(path=f"/{name}").geturl()
    finally:
        with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@dataclass(frozen=True)
class Account:
    username: str
    user_id: int
    token: str

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


async def make_accounts(server: ServerProcess, count: int) -> list[Account]:
    admin_token = await login_token(server.url, "admin", ADMIN_PASSWORD)
    accounts = []
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        for n in range(count):
            username, password = f"sender{n}", f"password-sender{n}"
            body = {"username": username, "password": password}
            made = await http.post("/api/v1/admin/users", json=body, headers={"Authorization": f"Bearer {admin_token}"})
            assert made.status_code == 201, made.text
            token = await login_token(server.url, username, password)
            accounts.append(Account(username, made.json()["user"]["id"], token))
    return accounts


async def open_direct(server: ServerProcess, me: Account, other: Account) -> str:
    async with httpx.AsyncClient(base_url=server.url, headers=me.headers(), timeout=30) as http:
        response = await http.post("/api/v1/directs", json={"user_id": other.user_id})
        assert response.status_code == 200, response.text
        return response.json()["id"]  # type: ignore[no-any-return]


async def full_history(server: ServerProcess, account: Account, conversation_id: str) -> list[dict[str, Any]]:
    """Every message of a conversation, oldest first, paged backwards with `before`."""
    messages: list[dict[str, Any]] = []
    before: str | None = None
    async with httpx.AsyncClient(base_url=server.url, headers=account.headers(), timeout=30) as http:
        for _ in range(10_000):
            params: dict[str, Any] = {"limit": 200} | ({"before": before} if before else {})
            response = await http.get(f"/api/v1/conversations/{conversation_id}/messages", params=params)
            assert response.status_code == 200, response.text
            page = response.json()
            messages = page["messages"] + messages
            if not page["has_before"] or not page["messages"]:
                return messages
            before = page["messages"][0]["id"]
    raise AssertionError("history paging did not end")


class Device:
    """One WebSocket connection: sends commands, matches acks (and errors) to them by client id."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.pending: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self.closed = False
        self.closing: dict[str, Any] | None = None  # the server's {"type": "closing"} frame, if one came
        self.reader = asyncio.create_task(self._read())

    @classmethod
    async def connect(cls, server: ServerProcess, account: Account) -> Device:
        ws = await websockets.connect(
            server.ws_url, additional_headers=account.headers(), open_timeout=10, max_size=None
        )
        hello = json.loads(await asyncio.wait_for(ws.recv(), 10))
        assert hello["type"] == "hello", hello
        return cls(ws)

    async def _read(self) -> None:
        try:
            async for raw in self.ws:
                frame = json.loads(raw)
                if frame.get("type") == "closing":
                    self.closing = frame
                elif frame.get("type") in ("ack", "error"):
                    future = self.pending.pop(frame.get("client_id"), None)
                    if future is not None and not future.done():
                        future.set_result(frame)
        except ConnectionClosed:
            pass
        finally:
            self.closed = True
            for future in self.pending.values():
                if not future.done():
                    future.set_exception(ConnectionError("connection closed"))
            self.pending.clear()

    async def send(self, conversation_id: str, client_id: str) -> dict[str, Any]:
        """Send one message; the ack (or error) frame, or ConnectionError if the server went away."""
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.pending[client_id] = future
        if self.closed:
            raise ConnectionError("connection closed")
        command = {
            "type": "send",
            "client_id": client_id,
            "conversation_id": conversation_id,
            "body": body_of(client_id),
        }
        try:
            await self.ws.send(json.dumps(command))
        except ConnectionClosed as error:
            raise ConnectionError("connection closed") from error
        return await asyncio.wait_for(future, ACK_TIMEOUT)

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.ws.close(), 5)
        with contextlib.suppress(Exception, asyncio.CancelledError):
            await asyncio.wait_for(self.reader, 5)


def body_of(client_id: str) -> str:
    return f"message {client_id}"


@dataclass
class Ledger:
    """What the clients know: every client id they sent, and the acks they got."""

    conversation_of: dict[Account, str]
    sent: dict[str, Account] = field(default_factory=dict)  # client id -> sender
    acked: dict[str, str] = field(default_factory=dict)  # client id -> message id from the ack
    errors: list[dict[str, Any]] = field(default_factory=list)
    in_flight_at_kill: list[int] = field(default_factory=list)
    committed_unacked: int = 0
    counter: int = 0

    def new_client_id(self, account: Account, cycle: int) -> str:
        self.counter += 1
        client_id = f"{account.username}-c{cycle}-{self.counter}"
        self.sent[client_id] = account
        return client_id

    def unacked(self) -> list[str]:
        return [c for c in self.sent if c not in self.acked]

    def record(self, client_id: str, frame: dict[str, Any]) -> None:
        if frame["type"] != "ack":
            self.errors.append(frame)
            return
        message_id = frame["message"]["id"]
        assert self.acked.setdefault(client_id, message_id) == message_id, f"{client_id} acked with two ids"
        assert frame["message"]["client_id"] == client_id, frame


async def pump(device: Device, account: Account, ledger: Ledger, cycle: int, stop: asyncio.Event) -> None:
    """Send, wait for the ack, send the next: until told to stop or the server goes away."""
    conversation_id = ledger.conversation_of[account]
    while not stop.is_set():
        client_id = ledger.new_client_id(account, cycle)
        try:
            frame = await device.send(conversation_id, client_id)
        except (ConnectionError, TimeoutError):
            return
        ledger.record(client_id, frame)


async def send_until_killed(server: ServerProcess, accounts: list[Account], ledger: Ledger, cycle: int) -> None:
    devices = [await Device.connect(server, a) for a in accounts for _ in range(DEVICES)]
    owners = [a for a in accounts for _ in range(DEVICES)]
    stop = asyncio.Event()
    acked_before = len(ledger.acked)
    lanes = [
        asyncio.create_task(pump(device, owner, ledger, cycle, stop))
        for device, owner in zip(devices, owners, strict=True)
        for _ in range(LANES)
    ]
    loop = asyncio.get_running_loop()
    deadline = loop.time() + SEND_SECONDS
    while len(ledger.acked) - acked_before < ACKS_PER_CYCLE and loop.time() < deadline:
        assert not all(lane.done() for lane in lanes), f"every sender stopped: {server.log_tail()}"
        await asyncio.sleep(0.005)
    ledger.in_flight_at_kill.append(sum(len(d.pending) for d in devices))
    server.kill()  # SIGKILL, with commands in flight
    stop.set()
    done, not_done = await asyncio.wait(lanes, timeout=ACK_TIMEOUT + 5)
    assert not not_done, "senders did not notice the server died"
    for lane in done:
        lane.result()
    for device in devices:
        await device.close()


def check_history(ledger: Ledger, histories: dict[str, list[dict[str, Any]]], *, complete: bool) -> dict[str, str]:
    """Each acked message stored once under its acked id; nothing stored twice. Returns client id -> id."""
    stored = [m for messages in histories.values() for m in messages]
    ids = Counter(m["id"] for m in stored)
    assert not [i for i, n in ids.items() if n > 1], "a message id appears twice in history"
    by_client = Counter((m["sender_id"], m["client_id"]) for m in stored)
    assert not [k for k, n in by_client.items() if n > 1], "a client id is stored twice"
    found = {m["client_id"]: m for m in stored}
    assert all(m["client_id"] in ledger.sent for m in stored), "history holds a message nobody sent"
    for client_id, message in found.items():
        sender = ledger.sent[client_id]
        assert message["sender_id"] == sender.user_id
        assert message["conversation_id"] == ledger.conversation_of[sender]
        assert message["body"] == body_of(client_id)
    missing = [c for c in ledger.acked if c not in found]
    assert not missing, f"{len(missing)} acknowledged messages lost, e.g. {missing[:5]}"
    moved = [c for c, i in ledger.acked.items() if found[c]["id"] != i]
    assert not moved, f"stored under another id than acked: {moved[:5]}"
    if complete:
        assert set(found) == set(ledger.sent), "a re-sent message is still missing"
    return {c: m["id"] for c, m in found.items()}


async def histories_of(server: ServerProcess, ledger: Ledger) -> dict[str, list[dict[str, Any]]]:
    readers = {conversation: account for account, conversation in ledger.conversation_of.items()}
    return {c: await full_history(server, a, c) for c, a in readers.items()}


async def resend(server: ServerProcess, accounts: list[Account], ledger: Ledger, stored: dict[str, str]) -> None:
    """Re-send every unacked client id and a sample of acked ones: each comes back as stored once."""
    committed_unacked = [c for c in ledger.unacked() if c in stored]
    ledger.committed_unacked += len(committed_unacked)
    again = ledger.unacked() + list(ledger.acked)[:RESEND_ACKED_SAMPLE]
    devices = {a: await Device.connect(server, a) for a in accounts}

    async def one(client_id: str) -> None:
        sender = ledger.sent[client_id]
        frame = await devices[sender].send(ledger.conversation_of[sender], client_id)
        assert frame["type"] == "ack", frame
        if client_id in stored:
            assert frame["message"]["id"] == stored[client_id], f"{client_id} stored again instead of deduplicated"
        ledger.record(client_id, frame)

    await asyncio.gather(*(one(c) for c in again))
    for device in devices.values():
        await device.close()


@pytest.fixture(params=database_params())
def database(request: pytest.FixtureRequest) -> Iterator[str]:
    with fresh_database(request.param) as url:
        yield url


@pytest.fixture
async def setup(tmp_path: Path, database: str) -> AsyncIterator[tuple[ServerProcess, list[Account], Ledger]]:
    with server_with(tmp_path / "roost", database) as server:
        accounts = await make_accounts(server, 4)
        first = await open_direct(server, accounts[0], accounts[1])
        second = await open_direct(server, accounts[2], accounts[3])
        conversation_of = dict(zip(accounts, [first, first, second, second], strict=True))
        yield server, accounts, Ledger(conversation_of)


async def test_acknowledged_messages_survive_kill_9_exactly_once(
    setup: tuple[ServerProcess, list[Account], Ledger],
) -> None:
    server, accounts, ledger = setup
    for cycle in range(CYCLES):
        await send_until_killed(server, accounts, ledger, cycle)
        server.start()
        stored = check_history(ledger, await histories_of(server, ledger), complete=False)
        await resend(server, accounts, ledger, stored)
        check_history(ledger, await histories_of(server, ledger), complete=True)

    assert not ledger.errors, f"error frames: {ledger.errors[:3]}"
    assert sum(ledger.in_flight_at_kill) > 0, "no command was in flight at any kill"
    final = await histories_of(server, ledger)
    found = [m for messages in final.values() for m in messages]
    print(
        f"\nkill -9 x{CYCLES}: sent={len(ledger.sent)} acked={len(ledger.acked)} found={len(found)}"
        f" duplicates={len(found) - len({m['id'] for m in found})}"
        f" in_flight_at_kill={ledger.in_flight_at_kill} committed_but_unacked={ledger.committed_unacked}"
    )
