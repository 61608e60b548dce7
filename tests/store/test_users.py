"""UserStore contract: accounts, directory search, credentials, deletion."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from roost.model.auth import TokenKind
from roost.model.errors import Conflict
from roost.model.users import NewUser
from roost.store.sql.stores import SqlStores
from tests.store.builders import NOW, World, credentials


async def test_create_then_get_by_id_and_username(stores: SqlStores) -> None:
    new = NewUser("alice", display_name="Alice A.", title="Engineer", department="R&D", is_admin=True)

    created = await stores.users.create(new, credentials(), NOW)

    assert created.username == "alice"
    assert (created.display_name, created.title, created.department) == ("Alice A.", "Engineer", "R&D")
    assert created.is_admin is True
    assert created.is_disabled is False
    assert created.created_at == NOW
    assert created.created_at.utcoffset() is not None
    assert await stores.users.get(created.id) == created
    assert await stores.users.get_by_username("alice") == created
    assert await stores.users.get(created.id + 1000) is None
    assert await stores.users.get_by_username("nobody") is None


async def test_get_login_reads_the_user_and_their_credentials_at_once(world: World, stores: SqlStores) -> None:
    amy, gone = await world.user("amy3"), await world.user("gone3")
    await stores.users.mark_deleted(gone.id)

    found = await stores.users.get_login("amy3")

    assert found is not None
    assert found[0] == amy
    assert found[1] == await stores.users.get_credentials(amy.id)
    assert await stores.users.get_login("gone3") is None
    assert await stores.users.get_login("nobody") is None


async def test_the_hot_reads_give_what_the_engine_reads_give(world: World, stores: SqlStores) -> None:
    """On SQLite, logins and users by id are read on their own connection (engine.py `hot`): same values."""
    if stores.db.hot is None:
        pytest.skip("the hot-read connection is for SQLite files")
    await world.user("plain4")
    await world.user("boss4", display_name="Böss Ünïcode", title="CTO", department="R&D", is_admin=True)
    seen = await world.user("seen4")
    await stores.users.update(seen.id, last_seen_at=NOW, avatar_sha1="a" * 40, is_disabled=True)
    names = ["plain4", "boss4", "seen4", "nobody4"]

    ids = [seen.id, seen.id - 1, seen.id + 1000]
    hot = [await stores.users.get_login(name) for name in names]
    hot_by_id = [await stores.users.get(user_id) for user_id in ids]
    stores.db.hot, kept = None, stores.db.hot
    try:
        engine = [await stores.users.get_login(name) for name in names]
        engine_by_id = [await stores.users.get(user_id) for user_id in ids]
    finally:
        stores.db.hot = kept

    assert hot == engine
    assert hot_by_id == engine_by_id
    seen_login = hot[2]
    assert hot_by_id[2] is None and seen_login is not None and hot_by_id[0] == seen_login[0]
    assert hot[2] is not None and hot[2][0].last_seen_at == NOW and hot[2][0].is_disabled
    assert hot[3] is None


async def test_display_name_defaults_to_username(world: World) -> None:
    bob = await world.user("bob")
    assert bob.display_name == "bob"


async def test_taken_username_is_a_conflict(world: World) -> None:
    await world.user("carol")
    with pytest.raises(Conflict) as caught:
        await world.user("carol")
    assert caught.value.code == "user.exists"


async def test_same_username_created_twice_at_once_makes_one_user(stores: SqlStores) -> None:
    results = await asyncio.gather(
        stores.users.create(NewUser("dave"), credentials(1), NOW),
        stores.users.create(NewUser("dave"), credentials(2), NOW),
        return_exceptions=True,
    )
    conflicts = [r for r in results if isinstance(r, Conflict)]
    assert len(conflicts) == 1
    assert len(await stores.users.search("dave", after=None, limit=10, include_disabled=True)) == 1


async def test_get_many_returns_only_existing(world: World, stores: SqlStores) -> None:
    a, b = await world.user("a1"), await world.user("b1")
    found = await stores.users.get_many([a.id, b.id, b.id + 1000])
    assert sorted(u.id for u in found) == [a.id, b.id]
    assert await stores.users.get_many([]) == []


async def test_get_many_by_username_leaves_out_unknown_and_deleted(world: World, stores: SqlStores) -> None:
    a, b, gone = await world.user("a2"), await world.user("b2"), await world.user("gone2")
    await stores.users.mark_deleted(gone.id)
    names = ["a2", "b2", "gone2", "nobody"] + [f"x{i}" for i in range(1200)]  # more than one IN list
    found = await stores.users.get_many_by_username(names)
    assert sorted(u.id for u in found) == [a.id, b.id]
    assert await stores.users.get_many_by_username([]) == []


async def test_search_matches_fields_case_insensitively_in_username_order(world: World, stores: SqlStores) -> None:
    await world.user("zed", display_name="Zed Deploy")
    await world.user("amy", title="Head of DEPLOYMENTS")
    await world.user("kim", department="deploy team")
    await world.user("deployer")
    await world.user("other", display_name="Nobody")

    found = await stores.users.search("Deploy", after=None, limit=10, include_disabled=False)

    assert [u.username for u in found] == ["amy", "deployer", "kim", "zed"]


async def test_search_pages_with_username_cursor(world: World, stores: SqlStores) -> None:
    for name in ("u05", "u01", "u04", "u02", "u03"):
        await world.user(name)
    search = stores.users.search

    first = await search("u0", after=None, limit=2, include_disabled=False)
    second = await search("u0", after=first[-1].username, limit=2, include_disabled=False)
    third = await search("u0", after=second[-1].username, limit=2, include_disabled=False)
    everyone = await search("", after=None, limit=100, include_disabled=False)

    assert [u.username for u in first + second + third] == ["u01", "u02", "u03", "u04", "u05"]
    assert len(third) == 1
    assert [u.username for u in everyone] == ["u01", "u02", "u03", "u04", "u05"]


async def test_search_treats_like_wildcards_literally(world: World, stores: SqlStores) -> None:
    await world.user("percent", display_name="100% sure")
    await world.user("under", display_name="snake_case")
    await world.user("slash", display_name="back\\slash")
    await world.user("plain", display_name="100 sure snakeXcase backslash")
    search = stores.users.search

    assert [u.username for u in await search("0%", after=None, limit=10, include_disabled=False)] == ["percent"]
    assert [u.username for u in await search("e_c", after=None, limit=10, include_disabled=False)] == ["under"]
    assert [u.username for u in await search("k\\s", after=None, limit=10, include_disabled=False)] == ["slash"]
    for odd in ("'", '"', "%", "_", "\\", "*", "[a]", "\x00"):
        await search(odd, after=None, limit=10, include_disabled=False)


async def test_search_folds_case_beyond_ascii(world: World, stores: SqlStores) -> None:
    await world.user("emile", display_name="Émile Zola")
    await world.user("olga", display_name="ОЛЬГА")

    assert [u.username for u in await stores.users.search("émile", after=None, limit=5, include_disabled=False)] == [
        "emile"
    ]
    assert [u.username for u in await stores.users.search("Ольга", after=None, limit=5, include_disabled=False)] == [
        "olga"
    ]


async def test_disabled_users_are_found_only_when_asked(world: World, stores: SqlStores) -> None:
    eve = await world.user("eve")
    await stores.users.update(eve.id, is_disabled=True)

    assert await stores.users.search("eve", after=None, limit=5, include_disabled=False) == []
    found = await stores.users.search("eve", after=None, limit=5, include_disabled=True)
    assert [(u.username, u.is_disabled) for u in found] == [("eve", True)]
    assert eve.id not in await stores.users.active_ids()


async def test_update_changes_fields_and_returns_the_user(world: World, stores: SqlStores) -> None:
    fay = await world.user("fay")

    updated = await stores.users.update(fay.id, display_name="Fay F.", title="CTO", last_seen_at=NOW)

    assert updated is not None
    assert (updated.display_name, updated.title, updated.last_seen_at) == ("Fay F.", "CTO", NOW)
    assert await stores.users.get(fay.id) == updated
    assert await stores.users.update(fay.id + 1000, title="x") is None


async def test_credentials_round_trip_byte_for_byte(world: World, stores: SqlStores) -> None:
    gus = await world.user("gus")

    assert await stores.users.get_credentials(gus.id) == credentials()
    await stores.users.set_credentials(gus.id, credentials(7))
    stored = await stores.users.get_credentials(gus.id)

    assert stored == credentials(7)
    assert stored is not None
    assert isinstance(stored.scram_sha256.stored_key, bytes)
    assert stored.scram_sha1.iterations == 4096
    assert stored.scram_sha256.iterations == 10000
    assert await stores.users.get_credentials(gus.id + 1000) is None


async def test_count_admins_counts_enabled_admins(world: World, stores: SqlStores) -> None:
    await world.user("root1", is_admin=True)
    root2 = await world.user("root2", is_admin=True)
    await world.user("pleb")
    assert await stores.users.count_admins() == 2
    await stores.users.update(root2.id, is_disabled=True)
    assert await stores.users.count_admins() == 1


async def test_mark_deleted_removes_every_way_in_but_keeps_the_name(world: World, stores: SqlStores) -> None:
    hal, ivy = await world.user("hal", is_admin=True), await world.user("ivy")
    room = await world.room(ivy, hal)
    await stores.tokens.create(
        user_id=hal.id, kind=TokenKind.API, name="t", secret_hash=b"h" * 32, now=NOW, expires_at=None
    )

    await stores.users.mark_deleted(hal.id)

    assert await stores.users.get(hal.id) is None
    assert await stores.users.get_by_username("hal") is None
    assert await stores.users.get_credentials(hal.id) is None
    assert await stores.tokens.list_for(hal.id) == []
    assert await stores.tokens.find(b"h" * 32) is None
    assert [m.user_id for m in await stores.conversations.members(room.id)] == [ivy.id]
    assert hal.id not in await stores.users.active_ids()
    assert await stores.users.search("hal", after=None, limit=5, include_disabled=True) == []
    assert await stores.users.count_admins() == 0
    assert [u.username for u in await stores.users.get_many([hal.id])] == ["hal"]  # history still names them


async def test_disabled_among_names_the_disabled_and_deleted_ones(world: World, stores: SqlStores) -> None:
    amy, bob, cat = await world.user("amy"), await world.user("bob"), await world.user("cat")
    await stores.users.update(bob.id, is_disabled=True)
    await stores.users.mark_deleted(cat.id)
    assert await stores.users.disabled_among([amy.id, bob.id, cat.id, 999_999]) == {bob.id, cat.id}
    assert await stores.users.disabled_among([]) == set()


async def test_the_log_of_account_changes_is_read_in_order_and_forgotten_by_age(stores: SqlStores) -> None:
    users = stores.users
    start = await users.last_change_id()
    old, now = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 3, tzinfo=UTC)
    await users.note_changes([7], "created", "cli-1", old)
    await users.note_changes([7], "disabled", "server-1", now)
    await users.note_changes([8], "renamed", "cli-1", now)
    changes = await users.changes_after(start, 10)
    assert [(c.user_id, c.change, c.origin) for c in changes] == [
        (7, "created", "cli-1"),
        (7, "disabled", "server-1"),
        (8, "renamed", "cli-1"),
    ]
    assert [c.id for c in await users.changes_after(changes[0].id, 1)] == [changes[1].id]
    assert await users.last_change_id() == changes[-1].id
    await users.forget_changes(datetime(2026, 1, 2, tzinfo=UTC))
    assert [c.change for c in await users.changes_after(start, 10)] == ["disabled", "renamed"]
    # the newest note stays however old: ids never start again below what servers have read
    await users.forget_changes(datetime(2027, 1, 1, tzinfo=UTC))
    assert [c.id for c in await users.changes_after(start, 10)] == [changes[-1].id]
    await users.note_changes([9], "created", "cli-2", now)
    assert (await users.changes_after(changes[-1].id, 10))[0].user_id == 9
