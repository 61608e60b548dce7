"""Small API clients for tests: a logged-in person over HTTP and the event WebSocket."""

from __future__ import annotations

import asyncio
import json
import secrets
from dataclasses import dataclass, field
from typing import Any

import httpx
import websockets
from websockets.asyncio.client import ClientConnection


@dataclass
class Person:
    """One user with a bearer token (a bot's way in) and a user id."""

    http: httpx.AsyncClient
    user_id: int
    username: str
    password: str

    async def get(self, path: str, **kwargs: Any) -> Any:
        response = await self.http.get(path, **kwargs)
        assert response.status_code == 200, response.text
        return response.json()

    async def post(self, path: str, body: Any = None, expect: int = 200) -> Any:
        response = await self.http.post(path, json=body)
        assert response.status_code == expect, response.text
        return response.json()

    async def send(self, conversation_id: str, body: str, **extra: Any) -> dict[str, Any]:
        return await self.post(f"/api/v1/conversations/{conversation_id}/messages", {"body": body, **extra}, 201)  # type: ignore[no-any-return]

    async def direct(self, other: Person) -> str:
        return (await self.post("/api/v1/directs", {"user_id": other.user_id}))["id"]  # type: ignore[no-any-return]

    async def close(self) -> None:
        await self.http.aclose()


@dataclass
class Events:
    """The event WebSocket of one person, with a bounded wait for each expected frame."""

    ws: ClientConnection
    frames: list[dict[str, Any]] = field(default_factory=list)

    async def next(self, timeout: float = 10) -> dict[str, Any]:
        return json.loads(await asyncio.wait_for(self.ws.recv(), timeout))  # type: ignore[no-any-return]

    async def until(self, kind: str, timeout: float = 10, **match: Any) -> dict[str, Any]:
        """The next frame of this type whose top-level fields match; other frames are kept."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            left = deadline - asyncio.get_running_loop().time()
            frame = await self.next(max(left, 0.01))
            self.frames.append(frame)
            if frame.get("type") == kind and all(frame.get(k) == v for k, v in match.items()):
                return frame

    async def answers(self, count: int) -> list[dict[str, Any]]:
        """The next `count` answers to commands (acks and errors), skipping other frames."""
        answers: list[dict[str, Any]] = []
        while len(answers) < count:
            frame = await self.next()
            if frame["type"] in ("ack", "error"):
                answers.append(frame)
        return answers

    async def command(self, **command: Any) -> dict[str, Any]:
        command.setdefault("client_id", secrets.token_hex(6))
        await self.ws.send(json.dumps(command))
        return await self.until("ack", client_id=command["client_id"])

    async def close(self) -> None:
        await self.ws.close()


async def open_events(url: str, token: str, since: str | None = None) -> Events:
    target = url if since is None else f"{url}?since={since}"
    ws = await websockets.connect(target, additional_headers={"Authorization": f"Bearer {token}"}, open_timeout=10)
    events = Events(ws)
    hello = await events.next()
    assert hello["type"] == "hello", hello
    events.frames.append(hello)
    return events


async def login_token(base_url: str, username: str, password: str) -> str:
    """Log in with the password, then make a personal API token (the bot's way)."""
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
        response = await http.post("/api/v1/login", json={"username": username, "password": password})
        assert response.status_code == 200, response.text
        csrf = response.json()["csrf_token"]
        made = await http.post("/api/v1/tokens", json={"name": "tests"}, headers={"X-CSRF-Token": csrf})
        assert made.status_code == 201, made.text
        return made.json()["secret"]  # type: ignore[no-any-return]


async def person(base_url: str, username: str, password: str, user_id: int) -> Person:
    token = await login_token(base_url, username, password)
    http = httpx.AsyncClient(base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    return Person(http, user_id, username, password)


def assert_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """The response is this 4xx with a JSON error body of this code; returns the error."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    error: dict[str, Any] = response.json()["error"]
    assert error["code"] == code, error
    assert error["message"]
    return error


async def closed(events: Events, timeout: float = 10) -> tuple[list[dict[str, Any]], int | None]:
    """The frames a WebSocket gets until the server closes it, and the close code (bounded wait)."""
    frames: list[dict[str, Any]] = []

    async def drain() -> None:
        while True:
            try:
                frames.append(json.loads(await events.ws.recv()))
            except websockets.ConnectionClosed:
                return

    await asyncio.wait_for(drain(), timeout)
    return frames, events.ws.close_code
