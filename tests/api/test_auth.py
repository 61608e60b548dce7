"""Logins, cookies with CSRF tokens, bearer tokens, sessions and the login throttle, over a real server.

Failed logins count against the client's address, so each test that fails logins
connects from its own loopback address (127.0.0.x) and leaves the fixtures'
address (127.0.0.1) alone.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from tests.conftest import MakePerson, server_of_its_own
from tests.support.client import Person, assert_error, closed, open_events
from tests.support.server import ServerProcess

LOGIN = "/api/v1/login"
MAX_DELAY = 30  # throttle_max_delay_seconds: a wait never grows past it


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A server of this module's own: it fails logins on purpose (the server throttles by account and address)."""
    yield from server_of_its_own(tmp_path_factory)


@asynccontextmanager
async def client(server: ServerProcess, address: str = "127.0.0.1", **kwargs: Any) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client whose connections come from this loopback address."""
    transport = httpx.AsyncHTTPTransport(local_address=address)
    async with httpx.AsyncClient(base_url=server.url, transport=transport, timeout=30, **kwargs) as http:
        yield http


def credentials(someone: Person, password: str | None = None) -> dict[str, str]:
    return {"username": someone.username, "password": someone.password if password is None else password}


async def test_a_cookie_session_from_login_to_logout(server: ServerProcess, make_person: MakePerson) -> None:
    alice = await make_person("alice")
    async with client(server) as browser:
        login = await browser.post(LOGIN, json=credentials(alice))
        assert login.status_code == 200, login.text
        body = login.json()
        assert body["user"]["id"] == alice.user_id
        assert isinstance(body["session_id"], int)
        csrf = body["csrf_token"]
        cookie = login.headers["set-cookie"]
        attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")}
        assert cookie.startswith("roost_session=")
        assert {"httponly", "samesite", "path"} <= attributes
        assert "samesite=strict" in cookie.lower().replace(" ", "")
        assert csrf and csrf not in cookie
        session_cookie = browser.cookies["roost_session"]

        me = await browser.get("/api/v1/me")  # a GET needs the cookie alone
        assert me.status_code == 200 and me.json()["username"] == alice.username
        missing = await browser.post("/api/v1/tokens", json={"name": "no csrf"})
        assert_error(missing, 403, "auth.csrf")
        wrong = await browser.post("/api/v1/tokens", json={"name": "bad csrf"}, headers={"X-CSRF-Token": "0" * 64})
        assert_error(wrong, 403, "auth.csrf")
        clipped = await browser.patch("/api/v1/me", json={"title": "Tester"}, headers={"X-CSRF-Token": csrf[:-1]})
        assert_error(clipped, 403, "auth.csrf")
        made = await browser.post("/api/v1/tokens", json={"name": "with csrf"}, headers={"X-CSRF-Token": csrf})
        assert made.status_code == 201, made.text
        renamed = await browser.patch("/api/v1/me", json={"title": "Tester"}, headers={"X-CSRF-Token": csrf})
        assert renamed.status_code == 200 and renamed.json()["title"] == "Tester"
        names = [t["name"] for t in (await browser.get("/api/v1/sessions")).json()]
        assert "with csrf" in names and "no csrf" not in names and "bad csrf" not in names

        out = await browser.post("/api/v1/logout", headers={"X-CSRF-Token": csrf})
        assert out.status_code == 200, out.text
        assert out.headers["set-cookie"].startswith("roost_session=")
        assert "roost_session" not in browser.cookies
    async with client(server, cookies={"roost_session": session_cookie}) as replay:
        assert_error(await replay.get("/api/v1/me"), 401, "auth.required")
    assert body["session_id"] not in [t["id"] for t in await alice.get("/api/v1/sessions")]


async def test_an_api_token_works_until_revoked_and_revoking_closes_its_websocket(
    server: ServerProcess, admin: Person, make_person: MakePerson
) -> None:
    alice = await make_person("alice")
    made = await alice.post("/api/v1/tokens", {"name": "deploy bot"}, 201)
    assert made["secret"] and made["token"]["kind"] == "api"
    token_id = made["token"]["id"]
    async with client(server, headers={"Authorization": f"Bearer {made['secret']}"}) as bot:
        me = await bot.get("/api/v1/me")
        assert me.status_code == 200 and me.json()["id"] == alice.user_id
        listed = (await bot.get("/api/v1/sessions")).json()
    assert [t["id"] for t in listed if t["current"]] == [token_id]
    assert {"session", "api"} <= {t["kind"] for t in listed}  # the fixture's login session and tokens
    assert all("secret" not in t for t in listed)
    own = await alice.get("/api/v1/sessions")
    assert [t["name"] for t in own if t["current"]] == ["tests"]  # the fixture's token, from its own view

    bot_events = await open_events(server.ws_url, made["secret"])
    laptop = await open_events(server.ws_url, str(alice.http.headers["Authorization"]).split()[1])
    try:
        assert_error(await admin.http.delete(f"/api/v1/sessions/{token_id}"), 404, "token.not_found")  # not his
        revoked = await alice.http.delete(f"/api/v1/sessions/{token_id}")
        assert revoked.status_code == 200, revoked.text
        frames, code = await closed(bot_events)
        assert code == 4403
        assert [f for f in frames if f["type"] == "closing"], frames
        async with client(server, headers={"Authorization": f"Bearer {made['secret']}"}) as bot:
            assert_error(await bot.get("/api/v1/me"), 401, "auth.required")
        assert token_id not in [t["id"] for t in await alice.get("/api/v1/sessions")]
        assert (await laptop.command(type="ping"))["pong"] is True  # her other session lives on
        assert_error(await alice.http.delete(f"/api/v1/sessions/{token_id}"), 404, "token.not_found")
    finally:
        await laptop.close()
        await bot_events.close()


async def test_a_wrong_password_gets_401_and_the_same_error_as_an_unknown_user(server: ServerProcess) -> None:
    async with client(server, "127.0.0.21") as http:
        wrong = await http.post(LOGIN, json={"username": "admin", "password": "not-the-password"})
        ghost = await http.post(LOGIN, json={"username": "nobody-at-all", "password": "not-the-password"})
        assert assert_error(wrong, 401, "auth.failed") == assert_error(ghost, 401, "auth.failed")
        assert "set-cookie" not in wrong.headers


async def test_failed_logins_slow_down_the_account_then_the_address_but_lock_no_one_out(
    server: ServerProcess, make_person: MakePerson
) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    async with client(server, "127.0.0.22") as http:
        for _ in range(5):  # ROOST_AUTH__THROTTLE_FREE_FAILURES=5 in tests
            assert_error(await http.post(LOGIN, json=credentials(alice, "guess")), 401, "auth.failed")
        throttled = await http.post(LOGIN, json=credentials(alice))  # even the right password must wait
        assert_error(throttled, 429, "auth.throttled")
        assert 1 <= int(throttled.headers["Retry-After"]) <= MAX_DELAY
        bob_in = await http.post(LOGIN, json=credentials(bob))  # alice's throttle is not bob's
        assert bob_in.status_code == 200, bob_in.text

        for number in range(15):  # now the address's own 20 free failures run out
            ghost = {"username": f"ghost-{number}", "password": "guess"}
            assert_error(await http.post(LOGIN, json=ghost), 401, "auth.failed")
        throttled = await http.post(LOGIN, json=credentials(bob))
        assert_error(throttled, 429, "auth.throttled")
        retry_after = int(throttled.headers["Retry-After"])
        assert 1 <= retry_after <= MAX_DELAY
        spoofed = await http.post(LOGIN, json=credentials(bob), headers={"X-Forwarded-For": "10.1.2.3"})
        assert_error(spoofed, 429, "auth.throttled")  # no proxy configured: the header is not trusted
        async with client(server, "127.0.0.23") as elsewhere:
            assert (await elsewhere.post(LOGIN, json=credentials(bob))).status_code == 200

        await asyncio.sleep(retry_after)  # the waits are over: a slow-down, not a lock-out
        allowed = await http.post(LOGIN, json=credentials(alice))
        assert allowed.status_code == 200, allowed.text


async def test_changing_ones_password_checks_the_current_one_as_a_login_does(
    server: ServerProcess, make_person: MakePerson
) -> None:
    """A stolen session guessing the current password is slowed down like failed logins (per
    account and per address), and the right one changes it."""
    alice, bob = await make_person("alice"), await make_person("bob")
    change = "/api/v1/me/password"
    async with client(server, "127.0.0.24", headers={"Authorization": alice.http.headers["Authorization"]}) as thief:
        for _ in range(5):  # ROOST_AUTH__THROTTLE_FREE_FAILURES=5 in tests
            guess = {"current_password": "guess", "new_password": "taken-over-1234"}
            assert_error(await thief.put(change, json=guess), 401, "auth.failed")
        right = {"current_password": alice.password, "new_password": "taken-over-1234"}
        throttled = await thief.put(change, json=right)  # even the right one must wait now
        assert_error(throttled, 429, "auth.throttled")
        assert 1 <= int(throttled.headers["Retry-After"]) <= MAX_DELAY
    async with client(server, "127.0.0.25") as http:
        assert_error(await http.post(LOGIN, json=credentials(alice)), 429, "auth.throttled")  # the same account
        new = {"current_password": bob.password, "new_password": "bobs-new-password-1"}
        assert (await bob.http.put(change, json=new)).status_code == 200
        assert_error(await http.post(LOGIN, json=credentials(bob)), 401, "auth.failed")
        assert (await http.post(LOGIN, json=credentials(bob, "bobs-new-password-1"))).status_code == 200


async def test_a_disabled_user_cannot_log_in(server: ServerProcess, admin: Person, make_person: MakePerson) -> None:
    alice = await make_person("alice")
    response = await admin.http.patch(f"/api/v1/admin/users/{alice.username}", json={"is_disabled": True})
    assert response.status_code == 200, response.text
    async with client(server, "127.0.0.24") as http:
        assert_error(await http.post(LOGIN, json=credentials(alice)), 401, "auth.failed")
    assert_error(await alice.http.get("/api/v1/me"), 401, "auth.required")
