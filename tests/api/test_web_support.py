"""What the web client needs from the API: mute, every room for admins, and the CSRF token of a cookie session."""

from __future__ import annotations

import httpx

from tests.conftest import Connect, MakePerson
from tests.support.client import Person, assert_error
from tests.support.server import ServerProcess


async def summary(someone: Person, conversation_id: str) -> dict[str, object]:
    return next(c for c in await someone.get("/api/v1/conversations") if c["id"] == conversation_id)


async def test_mute_is_per_member_and_kept(make_person: MakePerson) -> None:
    alice, bob, eve = await make_person("alice"), await make_person("bob"), await make_person("eve")
    direct = await alice.post("/api/v1/directs", {"user_id": bob.user_id})
    assert (await summary(alice, direct["id"]))["muted"] is False
    muted = await alice.http.put(f"/api/v1/conversations/{direct['id']}/mute", json={"muted": True})
    assert muted.status_code == 200, muted.text
    assert (await summary(alice, direct["id"]))["muted"] is True
    assert (await summary(bob, direct["id"]))["muted"] is False  # only Alice's
    await alice.http.put(f"/api/v1/conversations/{direct['id']}/mute", json={"muted": False})
    assert (await summary(alice, direct["id"]))["muted"] is False

    outsider = await eve.http.put(f"/api/v1/conversations/{direct['id']}/mute", json={"muted": True})
    assert_error(outsider, 404, "conversation.not_found")
    bad = await alice.http.put(f"/api/v1/conversations/{direct['id']}/mute", json={"muted": "loud", "x": 1})
    assert bad.status_code == 422


async def test_a_mute_change_reaches_the_person_s_other_sessions_only(
    make_person: MakePerson, connect: Connect
) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    direct = await alice.post("/api/v1/directs", {"user_id": bob.user_id})
    alice_events, bob_events = await connect(alice), await connect(bob)
    await alice.http.put(f"/api/v1/conversations/{direct['id']}/mute", json={"muted": True})
    frame = await alice_events.until("mute.changed")
    assert frame == {"type": "mute.changed", "conversation_id": direct["id"], "muted": True}
    await alice.http.put(f"/api/v1/conversations/{direct['id']}/mute", json={"muted": False})
    assert (await alice_events.until("mute.changed"))["muted"] is False
    await bob.post(f"/api/v1/conversations/{direct['id']}/messages", {"body": "after"}, 201)
    created = await bob_events.until("message.created")  # Bob's stream went on: no mute frame before it
    assert created["message"]["body"] == "after"
    assert all(f["type"] != "mute.changed" for f in bob_events.frames)


async def test_admins_list_every_room_with_member_counts(admin: Person, make_person: MakePerson) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    body = {"name": f"Hidden {alice.username}", "visibility": "invite", "member_ids": [bob.user_id]}
    hidden = await alice.post("/api/v1/rooms", body, 201)
    listed = await admin.get("/api/v1/admin/rooms", params={"q": alice.username})
    assert [(r["id"], r["visibility"], r["member_count"]) for r in listed] == [(hidden["id"], "invite", 2)]
    assert_error(await alice.http.get("/api/v1/admin/rooms"), 403, "admin.required")


async def test_a_cookie_session_gets_its_csrf_token_back(server: ServerProcess, make_person: MakePerson) -> None:
    carol = await make_person("carol")
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as browser:
        assert_error(await browser.get("/api/v1/csrf"), 401, "auth.required")
        login = await browser.post("/api/v1/login", json={"username": carol.username, "password": carol.password})
        assert browser.cookies.get("roost_signed_in") == "1"
        token = login.json()["csrf_token"]
        answer = await browser.get("/api/v1/csrf", headers={"sec-fetch-site": "same-origin"})
        assert answer.status_code == 200 and answer.json() == {"csrf_token": token}
        cross = await browser.get("/api/v1/csrf", headers={"sec-fetch-site": "cross-site"})
        assert_error(cross, 403, "auth.origin")
        assert "access-control-allow-origin" not in answer.headers
        out = await browser.post("/api/v1/logout", headers={"x-csrf-token": token})
        assert out.status_code == 200 and "roost_signed_in" not in browser.cookies
    assert_error(await carol.http.get("/api/v1/csrf"), 400, "auth.cookie_only")  # a bearer token has no CSRF
