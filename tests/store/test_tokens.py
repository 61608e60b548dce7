"""TokenStore contract: sessions and API tokens, found by the hash of their secret."""

from __future__ import annotations

from datetime import timedelta

import pytest

from roost.model.auth import TokenInfo, TokenKind
from roost.model.errors import Conflict
from roost.model.users import User
from roost.store.sql.stores import SqlStores
from tests.store.builders import NOW, World


async def _token(stores: SqlStores, user: User, secret: bytes, kind: TokenKind = TokenKind.SESSION) -> TokenInfo:
    return await stores.tokens.create(
        user_id=user.id, kind=kind, name=f"{kind.value} {secret!r}", secret_hash=secret, now=NOW, expires_at=None
    )


async def test_create_then_find_by_secret_hash(world: World, stores: SqlStores) -> None:
    amy = await world.user("amy")
    expires = NOW + timedelta(days=30)

    created = await stores.tokens.create(
        user_id=amy.id, kind=TokenKind.SESSION, name="Firefox", secret_hash=b"\x00s1", now=NOW, expires_at=expires
    )
    found = await stores.tokens.find(b"\x00s1")

    assert found == created
    assert found is not None
    assert (found.user_id, found.kind, found.name, found.created_at) == (amy.id, TokenKind.SESSION, "Firefox", NOW)
    assert found.expires_at == expires
    assert found.last_used_at is None
    assert await stores.tokens.find(b"\x00s2") is None


async def test_secret_hashes_are_unique(world: World, stores: SqlStores) -> None:
    amy = await world.user("amy")
    await _token(stores, amy, b"same")
    with pytest.raises(Conflict):
        await _token(stores, amy, b"same", TokenKind.API)


async def test_list_for_gives_only_the_users_tokens_in_creation_order(world: World, stores: SqlStores) -> None:
    amy, bob = await world.user("amy"), await world.user("bob")
    first = await _token(stores, amy, b"a1")
    await _token(stores, bob, b"b1")
    second = await _token(stores, amy, b"a2", TokenKind.API)

    assert await stores.tokens.list_for(amy.id) == [first, second]


async def test_existing_keeps_live_tokens_of_enabled_users(world: World, stores: SqlStores) -> None:
    amy, bob = await world.user("amy"), await world.user("bob")
    a1, a2 = await _token(stores, amy, b"a1"), await _token(stores, amy, b"a2")
    b1 = await _token(stores, bob, b"b1")
    await stores.tokens.delete(amy.id, a2.id)
    await stores.users.update(bob.id, is_disabled=True)

    assert await stores.tokens.existing([a1.id, a2.id, b1.id, 999_999]) == {a1.id}
    assert await stores.tokens.existing([]) == set()


async def test_delete_one_token_only_of_its_owner(world: World, stores: SqlStores) -> None:
    amy, bob = await world.user("amy"), await world.user("bob")
    a1, a2 = await _token(stores, amy, b"a1"), await _token(stores, amy, b"a2")

    assert await stores.tokens.delete(bob.id, a1.id) == 0
    assert await stores.tokens.delete(amy.id, a1.id) == 1
    assert await stores.tokens.delete(amy.id, a1.id) == 0
    assert await stores.tokens.find(b"a1") is None
    assert await stores.tokens.list_for(amy.id) == [a2]


async def test_delete_all_tokens_of_a_user(world: World, stores: SqlStores) -> None:
    amy, bob = await world.user("amy"), await world.user("bob")
    await _token(stores, amy, b"a1")
    await _token(stores, amy, b"a2")
    b1 = await _token(stores, bob, b"b1")

    assert await stores.tokens.delete(amy.id) == 2
    assert await stores.tokens.list_for(amy.id) == []
    assert await stores.tokens.list_for(bob.id) == [b1]


async def test_touch_records_last_use(world: World, stores: SqlStores) -> None:
    amy = await world.user("amy")
    token = await _token(stores, amy, b"a1")
    later = NOW + timedelta(minutes=7, microseconds=123)

    await stores.tokens.touch(token.id, later)

    found = await stores.tokens.find(b"a1")
    assert found is not None
    assert found.last_used_at == later
