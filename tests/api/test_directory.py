"""The directory over a real server: people search and paging, the shared roster, and live presence."""

from __future__ import annotations

from typing import Any

from tests.conftest import Connect, MakePerson
from tests.support.client import Person


async def search(someone: Person, text: str, **params: Any) -> list[str]:
    page = await someone.get("/api/v1/people", params={"q": text, **params})
    return [p["username"] for p in page["items"]]


async def everyone(someone: Person) -> list[dict[str, Any]]:
    """The whole directory, page by page."""
    people: list[dict[str, Any]] = []
    cursor: str | None = None
    for _ in range(100):  # bounded: far more pages than this server will ever hold
        params = {"limit": "200"} | ({"cursor": cursor} if cursor else {})
        page = await someone.get("/api/v1/people", params=params)
        people += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return people
    raise AssertionError("the directory did not end")


async def test_people_page_with_a_cursor_and_search_name_username_and_title(make_person: MakePerson) -> None:
    keeper = await make_person("pager", title="Orchid Keeper")
    zephyr = await make_person("pager", display_name="Quentin Zephyr")
    plain = await make_person("pager")
    names = sorted(p.username for p in (keeper, zephyr, plain))

    first = await keeper.get("/api/v1/people", params={"q": "pager", "limit": "2"})
    assert [p["username"] for p in first["items"]] == names[:2]
    assert first["next_cursor"]
    second = await keeper.get("/api/v1/people", params={"q": "pager", "limit": "2", "cursor": first["next_cursor"]})
    assert [p["username"] for p in second["items"]] == names[2:]
    assert second["next_cursor"] is None

    assert await search(plain, "orchid") == [keeper.username]  # title
    assert await search(plain, "ORCHID KEEPER") == [keeper.username]  # any case
    assert await search(plain, "zephyr") == [zephyr.username]  # display name
    assert await search(plain, plain.username) == [plain.username]  # user id
    assert await search(plain, "no such person anywhere") == []
    found = (await plain.get("/api/v1/people", params={"q": "orchid"}))["items"][0]
    assert found["title"] == "Orchid Keeper"
    assert found["presence"]["show"] == "unavailable"
    assert (await plain.get(f"/api/v1/people/{keeper.user_id}"))["username"] == keeper.username


async def test_the_shared_roster_lists_every_other_active_colleague(admin: Person, make_person: MakePerson) -> None:
    alice, bob, carol = await make_person("alice"), await make_person("bob"), await make_person("carol")
    disabled = await admin.http.patch(f"/api/v1/admin/users/{carol.username}", json={"is_disabled": True})
    assert disabled.status_code == 200, disabled.text

    roster = await alice.get("/api/v1/roster")
    contacts = {c["contact"]: c for c in roster}
    assert len(contacts) == len(roster)
    active = {p["username"] for p in await everyone(alice)}
    assert carol.username not in active
    assert set(contacts) == active - {alice.username}
    assert {(c["subscription"], c["shared"], c["ask"]) for c in roster} == {("both", True, False)}
    assert contacts[bob.username]["name"] == bob.username.title()
    assert contacts[bob.username]["groups"]
    assert "admin" in contacts
    assert bob.username not in {c["contact"] for c in await bob.get("/api/v1/roster")}


async def test_presence_follows_the_websockets_and_leaves_a_last_seen_time(
    make_person: MakePerson, connect: Connect
) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    watcher = await connect(alice)
    bob_events = await connect(bob)
    online = await watcher.until("presence", user_id=bob.user_id)
    assert (online["show"], online["status"]) == ("available", "")
    assert bob.user_id in [p["user_id"] for p in await alice.get("/api/v1/presence")]

    await bob_events.command(type="presence", show="dnd", status="In a meeting")
    busy = await watcher.until("presence", user_id=bob.user_id)
    assert (busy["show"], busy["status"]) == ("dnd", "In a meeting")
    shown = (await alice.get(f"/api/v1/people/{bob.user_id}"))["presence"]
    assert (shown["show"], shown["status"]) == ("dnd", "In a meeting")

    await bob_events.close()
    offline = await watcher.until("presence", user_id=bob.user_id)
    assert offline["show"] == "unavailable"
    assert offline["last_seen_at"] is not None
    listed = (await alice.get("/api/v1/people", params={"q": bob.username}))["items"]
    assert [p["username"] for p in listed] == [bob.username]
    assert listed[0]["last_seen_at"] is not None
    assert listed[0]["presence"]["show"] == "unavailable"
    assert bob.user_id not in [p["user_id"] for p in await alice.get("/api/v1/presence")]


async def test_a_block_hides_presence_in_the_directory_both_ways(make_person: MakePerson, connect: Connect) -> None:
    """As /presence and XMPP do (XEP-0191): someone blocked, or blocking, sees the other as
    unavailable, with no status and no last seen time, in /people and /people/{id}."""
    alice, bob = await make_person("alice"), await make_person("bob")
    watcher = await connect(bob)
    alice_events = await connect(alice)
    await alice_events.command(type="presence", show="dnd", status="Budget review")
    await watcher.until("presence", user_id=alice.user_id, show="dnd")

    def hidden(entry: dict[str, Any]) -> bool:
        shown = entry["presence"]
        return (shown["show"], shown["status"], shown["last_seen_at"], entry["last_seen_at"]) == (
            "unavailable",
            "",
            None,
            None,
        )

    assert not hidden(await bob.get(f"/api/v1/people/{alice.user_id}"))
    response = await alice.http.put(f"/api/v1/blocks/{bob.user_id}")
    assert response.status_code == 204
    for viewer, other in ((bob, alice), (alice, bob)):
        assert hidden(await viewer.get(f"/api/v1/people/{other.user_id}"))
        listed = (await viewer.get("/api/v1/people", params={"q": other.username}))["items"]
        assert [p["username"] for p in listed] == [other.username] and hidden(listed[0])
    response = await alice.http.delete(f"/api/v1/blocks/{bob.user_id}")
    assert response.status_code == 204
    shown = (await bob.get(f"/api/v1/people/{alice.user_id}"))["presence"]
    assert (shown["show"], shown["status"]) == ("dnd", "Budget review")
