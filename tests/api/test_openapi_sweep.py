"""A property-based sweep of the whole OpenAPI surface: no request, valid or not, gets a 5xx.

Schemathesis generates valid and invalid requests for every operation of the
real server's schema and sends them with an admin's bearer token, so the deep
endpoints are reached too. A wrong request must get a 4xx with a JSON error,
never a crash. Bounded (few examples per operation) and deterministic
(derandomized Hypothesis, no example database), so a failure reproduces.

Schemathesis' own pytest plugin (`schemathesis.pytest.from_fixture`) does not
run under pytest 9 yet, so this drives `APIOperation.as_strategy` directly.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.core.result import Ok

from tests.conftest import server_of_its_own
from tests.support.server import ADMIN_PASSWORD, ServerProcess

MAX_EXAMPLES = 4  # per operation and mode, derandomised: 58 s of one test process at 10, 36 s at 6 (CI's 10 minutes)
SWEEPER = "sweeper"
SWEEPER_PASSWORD = "sweeper-password-1"
PEER = "sweep-peer"
# Operations that end the caller's own session run with a throwaway token,
# so the sweep keeps its own token for everything else.
SELF_REVOKING = {("POST", "/api/v1/logout"), ("DELETE", "/api/v1/sessions/{token_id}")}
SWEEP_SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    print_blob=False,
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A server of this module's own: its generated logins fail by the dozen (the server throttles 127.0.0.1 then)."""
    yield from server_of_its_own(tmp_path_factory)


@dataclass
class Sweeper:
    """The sweep's own admin account and its dedicated API token."""

    http: httpx.Client
    token: str
    token_id: int
    session: requests.Session = field(default_factory=requests.Session)

    def headers(self, token: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {token or self.token}"}

    def throwaway(self) -> tuple[str, int]:
        made = self.http.post("/api/v1/tokens", json={"name": "throwaway"}, headers=self.headers())
        assert made.status_code == 201, made.text
        return made.json()["secret"], made.json()["token"]["id"]

    def call(self, case: schemathesis.Case[Any]) -> Any:
        """Send the case; the session-ending operations get a throwaway token."""
        token = None
        if (case.method.upper(), case.path) in SELF_REVOKING:
            token, token_id = self.throwaway()
            if case.path_parameters.get("token_id") == self.token_id:
                case.path_parameters["token_id"] = token_id
        return case.call(session=self.session, headers=self.headers(token), timeout=30)


def _login_token(http: httpx.Client, username: str, password: str) -> tuple[str, int]:
    login = http.post("/api/v1/login", json={"username": username, "password": password})
    assert login.status_code == 200, login.text
    csrf = login.json()["csrf_token"]
    made = http.post("/api/v1/tokens", json={"name": "sweep"}, headers={"X-CSRF-Token": csrf})
    assert made.status_code == 201, made.text
    http.cookies.clear()
    return made.json()["secret"], made.json()["token"]["id"]


@pytest.fixture(scope="module")
def sweeper(server: ServerProcess) -> Iterator[Sweeper]:
    with httpx.Client(base_url=server.url, timeout=30) as http:
        admin_token, _ = _login_token(http, "admin", ADMIN_PASSWORD)
        admin = {"Authorization": f"Bearer {admin_token}"}
        for username in (SWEEPER, PEER):
            body = {"username": username, "password": SWEEPER_PASSWORD, "is_admin": username == SWEEPER}
            created = http.post("/api/v1/admin/users", json=body, headers=admin)
            assert created.status_code == 201, created.text
        token, token_id = _login_token(http, SWEEPER, SWEEPER_PASSWORD)
        yield Sweeper(http, token, token_id)


def _real_objects(sweeper: Sweeper) -> dict[str, Any]:
    """A room with a message, another member and a group: path values that reach past the 404s."""
    http, headers = sweeper.http, sweeper.headers()
    peer = http.get("/api/v1/people", params={"q": PEER}, headers=headers).json()["items"][0]
    room = http.post("/api/v1/rooms", json={"name": "sweep", "member_ids": [peer["id"]]}, headers=headers)
    assert room.status_code == 201, room.text
    room_id = room.json()["id"]
    sent = http.post(f"/api/v1/conversations/{room_id}/messages", json={"body": "sweep me"}, headers=headers)
    assert sent.status_code == 201, sent.text
    group = http.post("/api/v1/admin/groups", json={"name": "sweep-group"}, headers=headers)
    assert group.status_code == 201, group.text
    return {
        "conversation_id": room_id,
        "message_id": sent.json()["id"],
        "user_id": peer["id"],
        "username": PEER,
        "group": "sweep-group",
    }


def _problem(response: Any) -> str | None:
    """What is wrong with a response: a 5xx, or an error without the JSON error body."""
    if response.status_code >= 500:
        return "server error"
    if response.status_code >= 400 and response.request.method != "HEAD":  # a HEAD answer has no body
        try:
            error = response.json()["error"]
        except (ValueError, KeyError, TypeError):
            return "error without a JSON error body"
        if not (isinstance(error, dict) and error.get("code") and error.get("message")):
            return "error body without code and message"
    return None


def _sweep(operation: Any, mode: GenerationMode, sweeper: Sweeper, path: dict[str, Any] | None = None) -> list[str]:
    """Run one operation in one mode; describe the first case of each kind of problem found."""
    found: dict[tuple[str, int], str] = {}

    @SWEEP_SETTINGS
    @given(case=operation.as_strategy(generation_mode=mode, path_parameters=path))
    def run(case: schemathesis.Case[Any]) -> None:
        response = sweeper.call(case)
        problem = _problem(response)
        if problem is not None and (problem, response.status_code) not in found:
            found[problem, response.status_code] = (
                f"{operation.label} [{mode.value}] -> {response.status_code} {problem}: "
                + case.as_curl_command(headers={"Authorization": "Bearer <token>"})
            )

    try:
        run()
    except Unsatisfiable:
        # An operation without parameters or body has nothing to make invalid.
        assert mode is GenerationMode.NEGATIVE, operation.label
    return list(found.values())


@pytest.mark.timeout(900)  # ~60 s alone; several times that on a loaded machine
def test_no_request_gets_a_server_error(server: ServerProcess, sweeper: Sweeper) -> None:
    schema = schemathesis.openapi.from_url(f"{server.url}/api/openapi.json", timeout=30)
    real = _real_objects(sweeper)
    problems: list[str] = []
    swept = 0
    for result in schema.get_all_operations():
        if not isinstance(result, Ok):
            problems.append(f"the schema is invalid: {result.err()}")
            continue
        operation = result.ok()
        swept += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            problems += _sweep(operation, mode, sweeper)
        # Again with ids of objects that exist, so the service code behind the 404s runs too.
        known = {name: value for name, value in real.items() if f"{{{name}}}" in operation.path}
        if known:
            problems += _sweep(operation, GenerationMode.POSITIVE, sweeper, known)
    assert swept >= 30, f"only {swept} operations in the schema"
    assert sweeper.http.get("/api/v1/me", headers=sweeper.headers()).status_code == 200, "the sweep lost its token"
    assert not problems, "problems:\n" + "\n".join(problems) + "\n\n" + server.log_tail()


@pytest.mark.parametrize(
    ("method", "path", "request_args", "status"),
    [
        ("POST", "/api/v1/rooms", {"json": {"name": "r", "member_ids": [-(10**33)]}}, 422),
        ("POST", "/api/v1/directs", {"json": {"user_id": 2**63}}, 422),
        ("GET", "/api/v1/people/99999999999999999999", {}, 422),
        ("GET", "/api/v1/search", {"params": {"q": "\x00\xeb\U000e5cdf"}}, 400),
        (
            "POST",
            "/api/v1/admin/users/import",
            {"content": "\xa5>\xf2\r\x81", "headers": {"content-type": "text/csv"}},
            400,
        ),
        (
            "POST",
            "/api/v1/admin/users/import",
            {"content": "username\n" + "x" * 200_000, "headers": {"content-type": "text/csv"}},
            400,
        ),
        ("GET", "/api/v1/people", {"params": {"cursor": "a\x00b"}}, 200),  # 500 on PostgreSQL before
        ("GET", "/api/v1/admin/users", {"params": {"cursor": "a\x00b"}}, 200),
        ("POST", "/api/v1/tokens", {"json": {"name": "n\x00"}}, 400),  # 503 on PostgreSQL before
    ],
)
def test_inputs_that_once_got_a_server_error(
    sweeper: Sweeper, method: str, path: str, request_args: dict[str, Any], status: int
) -> None:
    """What the sweep (and a PostgreSQL run of it) found, kept as fixed cases."""
    args = dict(request_args)
    headers = {**sweeper.headers(), **args.pop("headers", {})}
    response = sweeper.http.request(method, path, headers=headers, **args)
    assert response.status_code == status, response.text
    assert _problem(response) is None, response.text
