"""Bad input over real sockets: a clear 4xx JSON error, never a 500 or a traceback, and the server keeps serving."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import websockets
from websockets.exceptions import ConnectionClosed
from websockets.typing import Origin

from tests.conftest import server_of_its_own
from tests.support.client import Person, open_events
from tests.support.server import ADMIN_PASSWORD, ServerProcess

INT64_MAX = 2**63 - 1
TOO_BIG = "99999999999999999999"  # 20 digits: beyond any 64-bit id
JUST_TOO_BIG = str(INT64_MAX + 1)  # 19 digits, one past the largest id


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A server of this module's own: it reads the whole server log for errors."""
    yield from server_of_its_own(tmp_path_factory)


def token_of(someone: Person) -> str:
    return str(someone.http.headers["Authorization"]).split()[1]


def assert_error(response: httpx.Response, status: int, code: str | None = None, case: object = "") -> None:
    """A JSON error body of the documented shape, with no server internals in it."""
    assert response.status_code == status, (case, response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/json"), (case, response.headers)
    error = response.json()["error"]
    assert isinstance(error["code"], str) and error["code"], case
    assert isinstance(error["message"], str) and error["message"], case
    if code is not None:
        assert error["code"] == code, (case, error)
    for leak in ("Traceback", 'File "', "sqlalchemy", "OverflowError"):
        assert leak not in response.text, (case, response.text)


@pytest.fixture
async def room(admin: Person) -> dict[str, Any]:
    made = await admin.post("/api/v1/rooms", {"name": "bad input"}, 201)
    return made  # type: ignore[no-any-return]


async def test_malformed_json_wrong_types_unknown_and_missing_fields_get_422(
    admin: Person, room: dict[str, Any]
) -> None:
    rid = room["id"]
    raw_cases: list[tuple[str, str, bytes]] = [
        ("POST", "/api/v1/rooms", b'{"name": '),
        ("POST", "/api/v1/rooms", b"not json at all"),
        ("POST", "/api/v1/rooms", b'{"name": "\\ud800"}'),  # a lone surrogate is not a string
        ("POST", "/api/v1/tokens", b""),
        ("POST", f"/api/v1/conversations/{rid}/messages", b"[1, 2, 3]"),
        ("POST", f"/api/v1/conversations/{rid}/messages", b"null"),
    ]
    for method, path, content in raw_cases:
        response = await admin.http.request(method, path, content=content, headers={"content-type": "application/json"})
        assert_error(response, 422, "request.invalid", case=content)
    not_utf8 = await admin.http.post(
        "/api/v1/rooms", content=b'{"name": "\xff\xfe"}', headers={"content-type": "application/json"}
    )
    assert_error(not_utf8, 400 if not_utf8.status_code == 400 else 422)  # FastAPI: "error parsing the body"
    json_cases: list[tuple[str, str, object]] = [
        ("POST", "/api/v1/rooms", {"name": 5}),
        ("POST", "/api/v1/rooms", {"name": "x", "visibility": "secret"}),
        ("POST", "/api/v1/rooms", {"name": "x", "colour": "red"}),
        ("POST", "/api/v1/rooms", {}),
        ("POST", "/api/v1/rooms", {"name": "x", "member_ids": "everyone"}),
        ("POST", f"/api/v1/conversations/{rid}/messages", {"body": ["x"]}),
        ("POST", f"/api/v1/conversations/{rid}/messages", {"body": "x", "attachments": "all"}),
        ("POST", f"/api/v1/conversations/{rid}/messages", {"body": "x", "reply_to": "abc"}),
        ("POST", f"/api/v1/conversations/{rid}/messages", {"body": "x", "client_id": ""}),
        ("PUT", f"/api/v1/conversations/{rid}/read", {"message_id": "-1"}),
        ("PUT", f"/api/v1/conversations/{rid}/read", {}),
        ("PUT", f"/api/v1/conversations/{rid}/typing", {"active": "very"}),
        ("PATCH", f"/api/v1/rooms/{rid}", {"is_archived": {"yes": 1}}),
        ("PATCH", f"/api/v1/rooms/{rid}", {"owner": 1}),
        ("POST", "/api/v1/login", {"username": "admin"}),
        ("POST", "/api/v1/login", {"username": "admin", "password": ADMIN_PASSWORD, "remember": True}),
        ("POST", "/api/v1/admin/users", {"username": "x" * 65, "password": "long-enough-1"}),
        ("PATCH", "/api/v1/admin/users/admin", {"is_admin": "maybe"}),
    ]
    for method, path, body in json_cases:
        response = await admin.http.request(method, path, json=body)
        assert_error(response, 422, "request.invalid", case=(method, path, body))
    # An empty body is fine with files attached; without, the core names the problem.
    empty = await admin.http.post(f"/api/v1/conversations/{rid}/messages", json={"body": ""})
    assert_error(empty, 400, "message.empty")


async def test_body_over_one_mebibyte_gets_413_json(admin: Person, room: dict[str, Any]) -> None:
    path = f"/api/v1/conversations/{room['id']}/messages"
    big = json.dumps({"body": "x" * (1024 * 1024)}).encode()
    declared = await admin.http.post(path, content=big, headers={"content-type": "application/json"})
    assert_error(declared, 413, "request.too_large")

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: the size is counted as it streams
        for start in range(0, len(big), 64 * 1024):
            yield big[start : start + 64 * 1024]

    streamed = await admin.http.post(path, content=chunks(), headers={"content-type": "application/json"})
    assert_error(streamed, 413)
    history = await admin.get(path)
    assert history["messages"] == []


async def test_unknown_ids_get_404_json(admin: Person, room: dict[str, Any]) -> None:
    unknown = "1234567890123"
    cases = [
        ("GET", f"/api/v1/conversations/{unknown}", None),
        ("GET", f"/api/v1/conversations/{unknown}/messages", None),
        ("GET", f"/api/v1/conversations/{unknown}/members", None),
        ("POST", f"/api/v1/conversations/{unknown}/messages", {"body": "hello?"}),
        ("PUT", f"/api/v1/conversations/{unknown}/read", {"message_id": "1"}),
        ("PATCH", f"/api/v1/rooms/{unknown}", {"name": "renamed"}),
        ("PUT", f"/api/v1/rooms/{unknown}/members/me", None),
        ("GET", f"/api/v1/messages/{unknown}", None),
        ("PATCH", f"/api/v1/messages/{unknown}", {"body": "edit"}),
        ("DELETE", f"/api/v1/messages/{unknown}", None),
        ("POST", f"/api/v1/messages/{unknown}/reactions", {"emoji": "ok"}),
        ("GET", f"/api/v1/messages/{unknown}/versions", None),
        ("GET", "/api/v1/people/987654", None),
        ("DELETE", "/api/v1/sessions/987654", None),
        ("POST", "/api/v1/directs", {"user_id": 987654}),
        ("POST", f"/api/v1/rooms/{room['id']}/members", {"user_ids": [987654]}),
        ("POST", f"/api/v1/conversations/{room['id']}/messages", {"body": "re", "reply_to": unknown}),
        ("PATCH", "/api/v1/admin/users/nobody-here", {"is_disabled": True}),
        ("DELETE", "/api/v1/admin/users/nobody-here", None),
    ]
    for method, path, body in cases:
        response = await admin.http.request(method, path, json=body)
        assert_error(response, 404, case=(method, path))


async def test_ids_that_are_not_numbers_or_out_of_range_get_422(admin: Person, room: dict[str, Any]) -> None:
    rid = room["id"]
    paths = [
        ("GET", "/api/v1/conversations/abc"),
        ("GET", "/api/v1/conversations/1.5"),
        ("GET", "/api/v1/conversations/-1"),
        ("GET", f"/api/v1/conversations/{TOO_BIG}"),
        ("GET", "/api/v1/messages/abc"),
        ("GET", f"/api/v1/messages/{JUST_TOO_BIG}"),
        ("GET", "/api/v1/people/abc"),
        ("GET", f"/api/v1/people/{TOO_BIG}"),
        ("DELETE", "/api/v1/sessions/abc"),
        ("DELETE", f"/api/v1/sessions/{TOO_BIG}"),
        ("DELETE", f"/api/v1/rooms/{rid}/members/abc"),
        ("DELETE", f"/api/v1/rooms/{rid}/members/{TOO_BIG}"),
        ("GET", f"/api/v1/conversations/{rid}/messages?before=abc"),
        ("GET", f"/api/v1/conversations/{rid}/messages?before={TOO_BIG}"),
        ("GET", f"/api/v1/conversations/{rid}/messages?after={JUST_TOO_BIG}"),
        ("GET", f"/api/v1/conversations/{rid}/messages?limit=0"),
        ("GET", f"/api/v1/events?since={JUST_TOO_BIG}"),
        ("GET", f"/api/v1/search?q=x&conversation_id={JUST_TOO_BIG}"),
        ("GET", f"/api/v1/search?q=x&sender_id={TOO_BIG}"),
        ("GET", "/api/v1/people?limit=100000"),
    ]
    for method, path in paths:
        assert_error(await admin.http.request(method, path), 422, "request.invalid", case=path)
    bodies = [
        ("PUT", f"/api/v1/rooms/{rid}/members/{TOO_BIG}/role", {"role": "admin"}),
        ("POST", "/api/v1/directs", {"user_id": int(TOO_BIG)}),
        ("POST", "/api/v1/rooms", {"name": "big", "member_ids": [int(TOO_BIG)]}),
        ("POST", f"/api/v1/rooms/{rid}/members", {"user_ids": [int(TOO_BIG)]}),
        ("PUT", f"/api/v1/conversations/{rid}/read", {"message_id": JUST_TOO_BIG}),
        ("POST", f"/api/v1/conversations/{rid}/messages", {"body": "x", "reply_to": int(TOO_BIG) ** 2}),
    ]
    for method, path, body in bodies:
        assert_error(await admin.http.request(method, path, json=body), 422, "request.invalid", case=(path, body))


async def test_bogus_routes_and_methods_get_json_errors(admin: Person) -> None:
    for path in ("/api/v1/nope", "/api/v2/rooms", "/nope", "/api/v1/rooms/1/nope", "/api/v1/../../etc/passwd"):
        assert_error(await admin.http.get(path), 404, case=path)
    assert_error(await admin.http.delete("/api/v1/people"), 405)
    assert_error(await admin.http.put("/api/v1/login", json={}), 405)


async def test_websocket_bad_commands_get_error_frames_and_the_connection_stays_usable(
    server: ServerProcess, admin: Person, room: dict[str, Any]
) -> None:
    events = await open_events(server.ws_url, token_of(admin))
    rid = room["id"]
    bad: list[tuple[str, str | None]] = [
        ("this is not json", None),
        ('{"type": "send", "client_id": "c-trunc"', None),
        ("[]", None),
        ("null", None),
        ('{"client_id": "c-notype"}', "c-notype"),
        ('{"type": "teleport", "client_id": "c-unknown"}', "c-unknown"),
        ('{"type": "send", "client_id": "c-missing"}', "c-missing"),
        ('{"type": "ping", "client_id": "c-extra", "extra": 1}', "c-extra"),
        ('{"type": "ping", "client_id": 5}', None),
        ('{"type": "typing", "client_id": "c-type", "conversation_id": "' + rid + '", "active": "very"}', "c-type"),
        ('{"type": "send", "client_id": "c-empty", "conversation_id": "' + rid + '", "body": ""}', "c-empty"),
        ('{"type": "send", "client_id": "c-huge", "conversation_id": "' + JUST_TOO_BIG + '", "body": "x"}', "c-huge"),
        ('{"type": "send", "client_id": "c-huger", "conversation_id": ' + TOO_BIG + ', "body": "x"}', "c-huger"),
        ('{"type": "read", "client_id": "c-read", "conversation_id": "' + rid + '", "message_id": -5}', "c-read"),
        ('{"type": "presence", "client_id": "c-show", "show": "invisible"}', "c-show"),
        ('{"type": "presence", "client_id": "c-off", "show": "unavailable"}', "c-off"),
        ('{"type": "typing", "client_id": "c-nf", "conversation_id": "1234567890123"}', "c-nf"),
    ]
    try:
        for text, client_id in bad:
            await events.ws.send(text)
            frame = await events.until("error")
            assert frame["client_id"] == client_id, (text, frame)
            assert frame["error"]["code"] and frame["error"]["message"], frame
            assert frame["error"]["code"] != "server.error", (text, frame)
            assert (await events.command(type="ping"))["pong"] is True
        await events.ws.send(b'{"type": "ping"}')  # commands are text frames
        frame = await events.until("error")
        assert frame["error"]["code"] != "server.error"
        sent = await events.command(type="send", conversation_id=rid, body="still here", client_id="after-bad")
        assert sent["message"]["body"] == "still here"
    finally:
        await events.close()


async def _refused(ws: websockets.ClientConnection) -> tuple[dict[str, Any], int | None]:
    first = json.loads(await ws.recv())
    with pytest.raises(ConnectionClosed):
        await ws.recv()
    return first, ws.close_code


async def test_websocket_without_valid_credentials_gets_error_frame_and_4401(server: ServerProcess) -> None:
    for headers in ({}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic YWRtaW46eA=="}):
        async with websockets.connect(server.ws_url, additional_headers=headers, open_timeout=10) as ws:
            frame, code = await _refused(ws)
        assert frame["type"] == "error", frame
        assert frame["error"]["code"] == "auth.required"
        assert code == 4401


async def test_websocket_with_cookie_from_a_foreign_origin_is_refused(server: ServerProcess) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        login = await http.post("/api/v1/login", json={"username": "admin", "password": ADMIN_PASSWORD})
        assert login.status_code == 200
        cookie = f"roost_session={login.cookies['roost_session']}"
    async with websockets.connect(
        server.ws_url, additional_headers={"Cookie": cookie}, origin=Origin("https://evil.example"), open_timeout=10
    ) as ws:
        frame, code = await _refused(ws)
    assert frame["error"]["code"] == "auth.origin"
    assert code == 4401
    async with websockets.connect(
        server.ws_url, additional_headers={"Cookie": cookie}, origin=Origin(server.url), open_timeout=10
    ) as ws:
        hello = json.loads(await ws.recv())
    assert hello["type"] == "hello"
    assert hello["user"]["username"] == "admin"


async def test_websocket_since_out_of_range_is_ignored_not_a_crash(server: ServerProcess, admin: Person) -> None:
    for since in (JUST_TOO_BIG, TOO_BIG, "-1", "abc"):
        events = await open_events(server.ws_url, token_of(admin), since=since)
        try:
            assert (await events.command(type="ping"))["pong"] is True
        finally:
            await events.close()


async def test_server_still_serves_normal_requests_after_all_the_bad_input(
    server: ServerProcess, admin: Person, room: dict[str, Any]
) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        assert (await http.get("/healthz")).json() == {"status": "ok"}
    sent = await admin.send(room["id"], "all good")
    history = await admin.get(f"/api/v1/conversations/{room['id']}/messages")
    assert [m["id"] for m in history["messages"]] == [sent["id"]]
    log = (server.root / "server.log").read_text(errors="replace").splitlines()
    errors = [line for line in log if " ERROR " in line]  # a server bug is logged at ERROR with its traceback
    assert errors == [], server.log_tail()
