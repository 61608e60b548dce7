"""Accounts and logins: passwords checked, admins kept, sessions throttled, revoked and expired."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from argon2 import PasswordHasher

from roost.core.accounts import passwords
from roost.core.accounts.service import AccountsService
from roost.core.auth.service import AuthService
from roost.core.auth.throttle import Throttle
from roost.model.errors import BadRequest, Conflict, NotAuthorized, NotFound, RateLimited
from roost.model.users import NewUser
from tests.unit.support import Core

PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def cheap_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    """The same argon2id calls at tiny cost: these tests check rules (test_passwords the real ones)."""
    monkeypatch.setattr(passwords._Argon2, "hasher", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1))


@pytest.fixture
def accounts(core: Core) -> AccountsService:
    return AccountsService(core.stores.users, core.stores.tokens, core.router, core.clock, password_min=8)


@pytest.fixture
def auth(core: Core, accounts: AccountsService) -> AuthService:
    throttle = Throttle(core.clock, free=2, max_delay=30)
    return AuthService(
        accounts,
        core.stores.tokens,
        core.router,
        core.clock,
        account_throttle=throttle,
        address_throttle=Throttle(core.clock, free=100),
        session_lifetime=timedelta(days=1),
    )


async def test_create_normalises_and_checks(core: Core, accounts: AccountsService) -> None:
    user = await accounts.create(NewUser(" Amy ", display_name=" Amy A. ", title="CTO"), PASSWORD)

    assert (user.username, user.display_name, user.title) == ("amy", "Amy A.", "CTO")
    assert (await accounts.by_username("AMY")).id == user.id
    with pytest.raises(Conflict):
        await core.user("amy")
    with pytest.raises(BadRequest):
        await accounts.create(NewUser("bad name"), PASSWORD)
    with pytest.raises(BadRequest):
        await accounts.create(NewUser("bob"), "short")
    with pytest.raises(BadRequest):
        await accounts.create(NewUser("bob", title="tab\there"), PASSWORD)


async def test_password_check_tells_nothing_about_which_part_was_wrong(accounts: AccountsService) -> None:
    amy = await accounts.create(NewUser("amy"), PASSWORD)

    assert (await accounts.check_password("Amy", PASSWORD)).id == amy.id
    with pytest.raises(NotAuthorized) as wrong_password:
        await accounts.check_password("amy", "wrong password")
    with pytest.raises(NotAuthorized) as unknown_user:
        await accounts.check_password("bad name", PASSWORD)
    assert (wrong_password.value.code, wrong_password.value.message) == (
        unknown_user.value.code,
        unknown_user.value.message,
    )
    await accounts.set_disabled(amy.id, True)
    with pytest.raises(NotAuthorized):
        await accounts.check_password("amy", PASSWORD)


async def test_the_last_admin_cannot_be_removed(core: Core, accounts: AccountsService) -> None:
    root = await core.user("root", is_admin=True)
    other = await core.user("other")

    for attempt in (accounts.set_admin(root.id, False), accounts.delete(root.id)):
        with pytest.raises(BadRequest) as caught:
            await attempt
        assert caught.value.code == "user.last_admin"
    await accounts.set_admin(other.id, True)
    await accounts.set_admin(root.id, False)
    assert await core.stores.users.count_admins() == 1


async def test_login_is_throttled_per_account(core: Core, accounts: AccountsService, auth: AuthService) -> None:
    await accounts.create(NewUser("amy"), PASSWORD)
    for _ in range(2):
        with pytest.raises(NotAuthorized):
            await auth.login("amy", "wrong password", "10.0.0.1")

    with pytest.raises(RateLimited) as caught:
        await auth.login("AMY", PASSWORD, "10.0.0.2")
    assert caught.value.retry_after == pytest.approx(1.0)

    core.clock.advance(1.0)
    user, issued = await auth.login("amy", PASSWORD, "10.0.0.2")
    assert user.username == "amy"
    assert issued.csrf and issued.secret


async def test_sessions_resolve_until_revoked_or_expired(
    core: Core, accounts: AccountsService, auth: AuthService
) -> None:
    await accounts.create(NewUser("amy"), PASSWORD)
    user, first = await auth.login("amy", PASSWORD, "10.0.0.1")
    session = core.connect(user)
    session.token_id = first.info.id

    assert (await auth.resolve(first.secret))[0].id == user.id
    await auth.revoke(user, first.info.id)
    await auth.sweep_revoked()
    with pytest.raises(NotAuthorized):
        await auth.resolve(first.secret)

    _, second = await auth.login("amy", PASSWORD, "10.0.0.1")
    core.clock.advance(timedelta(days=1).total_seconds())
    with pytest.raises(NotAuthorized):
        await auth.resolve(second.secret)
    with pytest.raises(NotAuthorized):
        await auth.resolve("never issued")


async def test_lookup_is_cached_and_forgets_accounts_changed_here(core: Core, accounts: AccountsService) -> None:
    amy = await accounts.create(NewUser("amy"), PASSWORD)
    assert (await accounts.lookup("AMY")).id == amy.id
    await core.stores.users.update(amy.id, display_name="Changed elsewhere")
    assert (await accounts.lookup("amy")).display_name == "amy"  # another process's change: within the cache's time

    core.clock.advance(6)
    assert (await accounts.lookup("amy")).display_name == "amy"  # aged: served while it is read again behind
    for _ in range(500):  # the refresh reads the store in its thread
        if (await accounts.lookup("amy")).display_name != "amy":
            break
        await asyncio.sleep(0.01)
    assert (await accounts.lookup("amy")).display_name == "Changed elsewhere"
    core.clock.advance(31)  # past the stale limit: read before it is returned
    await core.stores.users.update(amy.id, display_name="Changed again")
    assert (await accounts.lookup("amy")).display_name == "Changed again"
    await accounts.set_disabled(amy.id, True)
    assert (await accounts.lookup("amy")).is_disabled
    await accounts.update_profile(amy.id, display_name="Amy Pond")
    assert (await accounts.lookup("amy")).display_name == "Amy Pond"
    with pytest.raises(NotFound):
        await accounts.lookup("nobody")
