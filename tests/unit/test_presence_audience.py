"""Without the shared roster, presence goes only to those subscribed to it (RFC 6121 'to'/'both')."""

from __future__ import annotations

from pathlib import Path

from roost.app import build_services
from roost.bus.local import LocalBus
from roost.config import Settings
from roost.core.events import PresenceChanged
from roost.model.directory import Contact, Subscription
from roost.model.presence import Show
from roost.model.users import NewUser
from roost.store.sql.stores import SqlStores
from tests.unit.support import FakeClock, FakeSession


async def test_presence_reaches_only_subscribers_without_shared_roster(stores: SqlStores, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, shared_roster=False)
    services = build_services(settings, stores, LocalBus(), FakeClock())
    amy, bob, cy = [await services.accounts.create(NewUser(n), "password-1") for n in ("amy", "bob", "cy")]
    await stores.directory.put_contact(Contact(bob.id, "amy", "Amy", Subscription.TO, False, (), False))
    await stores.directory.put_contact(Contact(cy.id, "amy", "Amy", Subscription.FROM, False, (), False))
    sessions = {u.id: FakeSession(u.id) for u in (amy, bob, cy)}
    for session in sessions.values():
        services.router.register(session)

    await services.presence.set(sessions[amy.id], Show.DND, "in a meeting")

    assert [e.presence.show for e in sessions[bob.id].of_type(PresenceChanged)] == [Show.DND]
    assert sessions[cy.id].of_type(PresenceChanged) == []  # 'from': cy lets amy see cy, not the reverse
    assert len(sessions[amy.id].of_type(PresenceChanged)) == 1  # amy's own devices


async def test_shared_roster_shows_presence_to_everyone(stores: SqlStores, tmp_path: Path) -> None:
    services = build_services(Settings(data_dir=tmp_path), stores, LocalBus(), FakeClock())
    amy = await services.accounts.create(NewUser("amy"), "password-1")
    bob = await services.accounts.create(NewUser("bob"), "password-1")
    watcher = FakeSession(bob.id)
    services.router.register(watcher)

    await services.presence.set(FakeSession(amy.id), Show.AWAY)

    assert [e.presence.show for e in watcher.of_type(PresenceChanged)] == [Show.AWAY]


async def test_who_a_user_sees_is_the_inverse_of_who_sees_them(stores: SqlStores, tmp_path: Path) -> None:
    services = build_services(Settings(data_dir=tmp_path, shared_roster=False), stores, LocalBus(), FakeClock())
    amy, bob, cy = [await services.accounts.create(NewUser(n), "password-1") for n in ("amy", "bob", "cy")]
    await stores.directory.put_contact(Contact(bob.id, "amy", "Amy", Subscription.TO, False, (), False))
    await stores.directory.put_contact(Contact(bob.id, "cy", "Cy", Subscription.FROM, False, (), False))

    assert await services.directory.visible_to(bob.id) == frozenset({bob.id, amy.id})
    assert await services.directory.visible_to(amy.id) == frozenset({amy.id})
    for user in (amy, cy):
        audience = await services.directory.presence_audience(user.id)
        assert audience is not None and (bob.id in audience) == (user is amy)


async def test_with_the_shared_roster_everyone_sees_everyone(stores: SqlStores, tmp_path: Path) -> None:
    services = build_services(Settings(data_dir=tmp_path), stores, LocalBus(), FakeClock())
    amy = await services.accounts.create(NewUser("amy"), "password-1")
    assert await services.directory.visible_to(amy.id) is None
