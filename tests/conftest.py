"""Shared fixtures: a real server per test package (or module), and people made through the admin API."""

from __future__ import annotations

import itertools
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.client import Events, Person, open_events, person
from tests.support.server import ADMIN_PASSWORD, ServerProcess

POSTGRES_URL = os.environ.get("ROOST_TEST_POSTGRES", "")
_names = itertools.count(1)

MakePerson = Callable[..., Awaitable[Person]]
Connect = Callable[[Person], Awaitable[Events]]


def database_params() -> list[object]:
    params: list[object] = ["sqlite"]
    params.append(
        pytest.param("postgresql", marks=pytest.mark.skipif(not POSTGRES_URL, reason="ROOST_TEST_POSTGRES not set"))
    )
    return params


def server_of_its_own(tmp_path_factory: pytest.TempPathFactory, **options: Any) -> Iterator[ServerProcess]:
    """A server on SQLite for one fixture's scope: started, yielded, stopped."""
    proc = ServerProcess(tmp_path_factory.mktemp("roost"), **options)
    proc.init()
    proc.start()
    yield proc
    if proc.process is not None:
        proc.stop()


@pytest.fixture(scope="package")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A server on SQLite, shared by the tests of one package in a test process (each test makes
    its own people, as colleagues of a real server do). A start costs seconds of CPU: once per
    module was a third of the suite's time. A module whose tests fail logins on purpose (the
    server throttles 127.0.0.1 then) or read the whole server log has one of its own
    (`server_of_its_own`)."""
    yield from server_of_its_own(tmp_path_factory)


@pytest.fixture(scope="module")
def admin_token(server: ServerProcess) -> str:
    """One login per module: every login costs a deliberately slow password hash."""
    with httpx.Client(base_url=server.url, timeout=30) as http:
        response = http.post("/api/v1/login", json={"username": "admin", "password": ADMIN_PASSWORD})
        assert response.status_code == 200, response.text
        csrf = response.json()["csrf_token"]
        made = http.post("/api/v1/tokens", json={"name": "tests"}, headers={"X-CSRF-Token": csrf})
        assert made.status_code == 201, made.text
        return str(made.json()["secret"])


@pytest.fixture
async def admin(server: ServerProcess, admin_token: str) -> AsyncIterator[Person]:
    http = httpx.AsyncClient(base_url=server.url, headers={"Authorization": f"Bearer {admin_token}"}, timeout=30)
    boss = Person(http, 1, "admin", ADMIN_PASSWORD)
    yield boss
    await boss.close()


@pytest.fixture
async def make_person(server: ServerProcess, admin: Person) -> AsyncIterator[MakePerson]:
    made: list[Person] = []

    async def make(prefix: str = "user", **fields: object) -> Person:
        username = f"{prefix}{next(_names)}-{os.getpid()}"
        password = "password-" + username
        body = {"username": username, "password": password, "display_name": username.title(), **fields}
        created = await admin.post("/api/v1/admin/users", body, 201)
        someone = await person(server.url, username, password, created["user"]["id"])
        made.append(someone)
        return someone

    yield make
    for someone in made:
        await someone.close()


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


@pytest.fixture
async def connect(server: ServerProcess) -> AsyncIterator[Connect]:
    """Open a person's event WebSocket; every one opened is closed after the test."""
    opened: list[Events] = []

    async def open_for(someone: Person) -> Events:
        events = await open_events(server.ws_url, str(someone.http.headers["Authorization"]).split()[1])
        opened.append(events)
        return events

    yield open_for
    for events in opened:
        await events.close()
