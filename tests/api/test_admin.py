"""The admin API and CLI over a real server: accounts, flags, the last admin, CSV import, and live revocation."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import MakePerson
from tests.support.client import Events, Person, assert_error, closed, open_events
from tests.support.server import ServerProcess

ADMIN_USERS = "/api/v1/admin/users"


def unique(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(4)}"


async def login(server: ServerProcess, username: str, password: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        return await http.post("/api/v1/login", json={"username": username, "password": password})


async def events_of(server: ServerProcess, someone: Person) -> Events:
    return await open_events(server.ws_url, str(someone.http.headers["Authorization"]).split()[1])


async def admin_view(admin: Person, username: str) -> dict[str, Any]:
    found = [u for u in await admin.get(ADMIN_USERS, params={"q": username}) if u["username"] == username]
    assert len(found) == 1, found
    return found[0]  # type: ignore[no-any-return]


async def test_non_admins_get_403_on_every_admin_route(server: ServerProcess, make_person: MakePerson) -> None:
    alice = await make_person("alice")
    calls: list[tuple[str, str, dict[str, Any]]] = [
        ("GET", ADMIN_USERS, {}),
        ("POST", ADMIN_USERS, {"json": {"username": "sneaky", "password": "long-enough-1"}}),
        ("PATCH", f"{ADMIN_USERS}/{alice.username}", {"json": {"is_admin": True}}),
        ("PUT", f"{ADMIN_USERS}/admin/password", {"json": {"password": "taken-over-1"}}),
        ("DELETE", f"{ADMIN_USERS}/admin", {}),
        ("POST", f"{ADMIN_USERS}/import", {"content": "username\nsneaky\n", "headers": {"content-type": "text/csv"}}),
        ("GET", "/api/v1/admin/groups", {}),
        ("POST", "/api/v1/admin/groups", {"json": {"name": "cabal"}}),
        ("PUT", f"/api/v1/admin/groups/cabal/members/{alice.username}", {}),
        ("DELETE", f"/api/v1/admin/groups/cabal/members/{alice.username}", {}),
        ("DELETE", "/api/v1/admin/groups/cabal", {}),
    ]
    for method, path, kwargs in calls:
        assert_error(await alice.http.request(method, path, **kwargs), 403, "admin.required")
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as anonymous:
        assert_error(await anonymous.get(ADMIN_USERS), 401, "auth.required")
    assert (await alice.get("/api/v1/me"))["is_admin"] is False


async def test_an_added_user_gets_a_generated_password_that_works(server: ServerProcess, admin: Person) -> None:
    username = unique("newcomer")
    created = await admin.post(ADMIN_USERS, {"username": username, "display_name": "New Comer", "title": "Intern"}, 201)
    assert created["user"]["username"] == username
    assert created["user"]["title"] == "Intern"
    generated = created["generated_password"]
    assert isinstance(generated, str) and len(generated) >= 12
    response = await login(server, username, generated)
    assert response.status_code == 200, response.text
    assert response.json()["user"]["id"] == created["user"]["id"]

    chosen = await admin.post(ADMIN_USERS, {"username": unique("chosen"), "password": "chosen-password-1"}, 201)
    assert chosen["generated_password"] is None
    taken = await admin.http.post(ADMIN_USERS, json={"username": username.upper(), "password": "long-enough-1"})
    assert_error(taken, 409, "user.exists")  # user ids are case-insensitive
    short = await admin.http.post(ADMIN_USERS, json={"username": unique("short"), "password": "short"})
    assert_error(short, 400, "password.short")


async def test_disabling_closes_the_live_websocket_at_once_and_ends_every_token(
    server: ServerProcess, admin: Person, make_person: MakePerson
) -> None:
    bob = await make_person("bob")
    events = await events_of(server, bob)
    try:
        disabled = await admin.http.patch(f"{ADMIN_USERS}/{bob.username}", json={"is_disabled": True})
        assert disabled.status_code == 200, disabled.text
        assert disabled.json()["is_disabled"] is True
        frames, code = await closed(events)
    finally:
        await events.close()
    assert code == 4403
    # "account disabled" comes from the disabling request itself, not from the periodic sweep ("logged out")
    assert [f["reason"] for f in frames if f["type"] == "closing"] == ["account disabled"]
    assert_error(await bob.http.get("/api/v1/me"), 401, "auth.required")
    assert_error(await login(server, bob.username, bob.password), 401, "auth.failed")
    assert (await admin_view(admin, bob.username))["is_disabled"] is True
    people = await admin.get("/api/v1/people", params={"q": bob.username})
    assert bob.username not in [p["username"] for p in people["items"]]
    assert_error(await admin.http.patch(f"{ADMIN_USERS}/admin", json={"is_disabled": True}), 400, "admin.self")

    enabled = await admin.http.patch(f"{ADMIN_USERS}/{bob.username}", json={"is_disabled": False})
    assert enabled.json()["is_disabled"] is False
    assert (await login(server, bob.username, bob.password)).status_code == 200
    assert_error(await bob.http.get("/api/v1/me"), 401, "auth.required")  # old tokens stay revoked


async def test_admin_rights_are_given_and_taken_and_a_deleted_user_is_gone(
    server: ServerProcess, admin: Person, make_person: MakePerson
) -> None:
    carol = await make_person("carol")
    made = await admin.http.patch(f"{ADMIN_USERS}/{carol.username}", json={"is_admin": True})
    assert made.status_code == 200 and made.json()["is_admin"] is True
    assert carol.username in [u["username"] for u in await carol.get(ADMIN_USERS, params={"q": carol.username})]
    unmade = await admin.http.patch(f"{ADMIN_USERS}/{carol.username}", json={"is_admin": False})
    assert unmade.json()["is_admin"] is False
    assert_error(await carol.http.get(ADMIN_USERS), 403, "admin.required")

    deleted = await admin.http.delete(f"{ADMIN_USERS}/{carol.username}")
    assert deleted.status_code == 200, deleted.text
    assert_error(await carol.http.get("/api/v1/me"), 401, "auth.required")
    assert_error(await admin.http.get(f"/api/v1/people/{carol.user_id}"), 404, "user.not_found")
    assert_error(await login(server, carol.username, carol.password), 401, "auth.failed")


async def leave_one_admin(admin: Person) -> None:
    """Take admin rights from everyone but `admin` (earlier tests of the module may have given some)."""
    for user in await admin.get(ADMIN_USERS, params={"limit": "500"}):
        if user["is_admin"] and user["username"] != "admin":
            response = await admin.http.patch(f"{ADMIN_USERS}/{user['username']}", json={"is_admin": False})
            assert response.status_code == 200, response.text


async def test_the_last_admin_cannot_be_demoted_or_deleted(server: ServerProcess, admin: Person) -> None:
    await leave_one_admin(admin)
    demoted = await admin.http.patch(f"{ADMIN_USERS}/admin", json={"is_admin": False})
    assert_error(demoted, 400, "user.last_admin")
    assert_error(await admin.http.delete(f"{ADMIN_USERS}/admin"), 400, "admin.self")

    result = await asyncio.to_thread(server.roost, "user", "delete", "admin")  # the CLI acts as no one
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "last admin" in result.stderr
    assert "Traceback" not in result.stderr
    assert (await admin.get("/api/v1/me"))["is_admin"] is True


async def test_a_disabled_admin_can_be_demoted_and_deleted(admin: Person, make_person: MakePerson) -> None:
    await leave_one_admin(admin)
    erin = await make_person("erin")
    await admin.http.patch(f"{ADMIN_USERS}/{erin.username}", json={"is_admin": True})
    await admin.http.patch(f"{ADMIN_USERS}/{erin.username}", json={"is_disabled": True})
    # a disabled admin does not count as one: the active admin remains whatever happens to erin
    demoted = await admin.http.patch(f"{ADMIN_USERS}/{erin.username}", json={"is_admin": False})
    assert demoted.status_code == 200, demoted.text
    await admin.http.patch(f"{ADMIN_USERS}/{erin.username}", json={"is_admin": True})
    deleted = await admin.http.delete(f"{ADMIN_USERS}/{erin.username}")
    assert deleted.status_code == 200, deleted.text
    assert_error(await admin.http.patch(f"{ADMIN_USERS}/admin", json={"is_admin": False}), 400, "user.last_admin")


async def test_csv_import_creates_the_good_rows_and_reports_each_bad_one(server: ServerProcess, admin: Person) -> None:
    first, second, short = unique("csv-first"), unique("csv-second"), unique("csv-short")
    rows = [
        "username,password,display_name,title,department",
        f"{first},first-password-1,Ann Example,Engineer,R&D",
        f"{second},,Generated Person,,",
        ",no-username-here-1,,,",
        "bad user,long-enough-password,,,",
        f"{first.upper()},duplicate-password-1,,,",
        f"{short},short,,,",
    ]
    response = await admin.http.post(
        f"{ADMIN_USERS}/import", content="\n".join(rows) + "\n", headers={"content-type": "text/csv"}
    )
    assert response.status_code == 200, response.text
    results = response.json()
    assert [r["line"] for r in results] == [2, 3, 4, 5, 6, 7]
    assert [r["error"] is None for r in results] == [True, True, False, False, False, False]
    assert all(r["error"] for r in results[2:]), results
    assert results[0]["generated_password"] is None
    assert isinstance(results[1]["generated_password"], str)
    assert [r["generated_password"] for r in results[2:]] == [None] * 4
    assert (await admin_view(admin, first))["title"] == "Engineer"
    assert (await login(server, second, results[1]["generated_password"])).status_code == 200
    assert (await admin.get(ADMIN_USERS, params={"q": short})) == []

    for bad in ("name,password\nx,y\n", "username,shoe_size\nx,44\n", ""):
        refused = await admin.http.post(f"{ADMIN_USERS}/import", content=bad, headers={"content-type": "text/csv"})
        assert refused.status_code in (400, 422), refused.text
        assert refused.json()["error"]["code"]


async def test_cli_disable_closes_the_live_websocket_within_seconds(
    server: ServerProcess, make_person: MakePerson
) -> None:
    dave = await make_person("dave")
    events = await events_of(server, dave)
    try:
        result = await asyncio.to_thread(server.roost, "user", "disable", dave.username)  # another process
        assert result.returncode == 0, result.stderr
        frames, code = await closed(events, timeout=10)  # the server sweeps for revoked logins every 2 s
    finally:
        await events.close()
    assert code == 4403
    assert [f for f in frames if f["type"] == "closing"], frames
    assert_error(await dave.http.get("/api/v1/me"), 401, "auth.required")


async def _user_update(events: Events, username: str, timeout: float = 10) -> dict[str, Any]:
    """The next user.updated about `username` (other frames kept)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        frame = await events.until("user.updated", timeout=max(deadline - asyncio.get_running_loop().time(), 0.01))
        if frame["user"]["username"] == username:
            return frame["user"]  # type: ignore[no-any-return]


async def test_cli_account_changes_reach_open_directories_within_seconds(
    server: ServerProcess, admin: Person, make_person: MakePerson
) -> None:
    """The CLI runs in its own process: the server follows its notes (every 2 s), once each."""
    watcher = await make_person("watcher")
    events = await events_of(server, watcher)
    newcomer = unique("cli-new")
    try:
        added = await asyncio.to_thread(
            server.roost, "user", "add", newcomer, "--name", "New Comer", "--password-stdin", stdin="cli-password-1\n"
        )
        assert added.returncode == 0, added.stderr
        created = await _user_update(events, newcomer)
        assert (created["display_name"], created["is_disabled"]) == ("New Comer", False)
        for command, disabled in (("disable", True), ("enable", False)):
            result = await asyncio.to_thread(server.roost, "user", command, newcomer)
            assert result.returncode == 0, result.stderr
            assert (await _user_update(events, newcomer))["is_disabled"] is disabled
        # a change made through this server is told once, not again when the server reads its note
        await admin.http.patch(f"{ADMIN_USERS}/{newcomer}", json={"is_admin": True})
        assert (await _user_update(events, newcomer))["is_admin"] is True
        with contextlib.suppress(TimeoutError):
            again = await _user_update(events, newcomer, timeout=4.5)
            raise AssertionError(f"told twice: {again}")
    finally:
        await events.close()


async def test_cli_group_rooms_reach_their_members_live(server: ServerProcess, make_person: MakePerson) -> None:
    """A group made with the CLI shows its room to the owner's open page, someone the CLI puts
    in the group sees the room come, and the server delivers the room's messages to them at
    once (its cache of the room's members is not left stale)."""
    owner, newcomer = await make_person("owner"), await make_person("joiner")
    owner_events, newcomer_events = await events_of(server, owner), await events_of(server, newcomer)
    name = unique("cli-group")
    try:
        made = await asyncio.to_thread(server.roost, "group", "add", name, "--owner", owner.username)
        assert made.returncode == 0, made.stderr
        created = await owner_events.until("conversation.created", timeout=10)
        room_id = created["conversation"]["id"]
        assert created["conversation"]["name"] == name
        await owner.send(room_id, "before the newcomer")  # the server caches the room's members now
        joined = await asyncio.to_thread(server.roost, "group", "member", name, newcomer.username)
        assert joined.returncode == 0, joined.stderr
        added = await newcomer_events.until("member.added", timeout=10, user_id=newcomer.user_id)
        assert added["conversation_id"] == room_id
        await owner_events.until("member.added", timeout=10, user_id=newcomer.user_id)
        await owner.send(room_id, "welcome")
        got = await newcomer_events.until("message.created", timeout=10)
        assert got["message"]["body"] == "welcome"
    finally:
        await owner_events.close()
        await newcomer_events.close()


async def test_cli_import_creates_users_and_reports_failed_lines(
    server: ServerProcess, admin: Person, tmp_path: Path
) -> None:
    good = unique("cli-import")
    sheet = tmp_path / "people.csv"
    sheet.write_text(f"username,password,title\n{good},cli-password-1,Imported\nbad user,cli-password-2,\n")
    result = await asyncio.to_thread(server.roost, "user", "import", str(sheet))
    assert result.returncode == 1, (result.stdout, result.stderr)  # a failed row makes the exit status 1
    assert f"{good}: created" in result.stdout
    assert "line 3: bad user:" in result.stdout
    assert "1 created, 1 failed" in result.stdout
    assert (await admin_view(admin, good))["title"] == "Imported"
    assert (await login(server, good, "cli-password-1")).status_code == 200


async def test_admins_manage_groups_and_their_members(admin: Person, make_person: MakePerson) -> None:
    """Create, add, remove, delete: someone taken out of a group stays in its room."""
    alice = await make_person("alice")
    name = unique("team")
    await admin.post("/api/v1/admin/groups", {"name": name, "with_room": True}, 201)
    members = f"/api/v1/admin/groups/{name}/members/{alice.username}"
    assert (await admin.http.put(members)).status_code == 200

    def group(groups: list[dict[str, Any]]) -> dict[str, Any]:
        return next(g for g in groups if g["name"] == name)

    listed = group(await admin.get("/api/v1/admin/groups"))
    assert listed["member_ids"] == [alice.user_id]
    assert listed["members"] == [{"id": alice.user_id, "username": alice.username}]
    assert (await admin.http.delete(members)).status_code == 200
    assert_error(await admin.http.delete(members), 404, "group.not_member")  # not in it (any more)
    listed = group(await admin.get("/api/v1/admin/groups"))
    assert listed["member_ids"] == []
    rooms = [c for c in await alice.get("/api/v1/conversations") if c["id"] == listed["default_room_id"]]
    assert len(rooms) == 1  # still in the room
    assert (await admin.http.delete(f"/api/v1/admin/groups/{name}")).status_code == 200
    assert all(g["name"] != name for g in await admin.get("/api/v1/admin/groups"))
    assert_error(await admin.http.delete(f"/api/v1/admin/groups/{name}"), 404, "group.not_found")
    assert_error(await admin.http.delete(f"/api/v1/admin/groups/nope/members/{alice.username}"), 404, "group.not_found")
    slashed = await admin.http.post("/api/v1/admin/groups", json={"name": "a/members/b"})
    assert_error(slashed, 400, "group.name")
