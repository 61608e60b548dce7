"""RosterService: roster items, pushes with versions, and subscriptions between accounts (RFC 6121)."""

from __future__ import annotations

from pathlib import Path

import pytest

from roost.app import build_services
from roost.bus.local import LocalBus
from roost.config import Settings
from roost.core.events import ContactChanged, PresenceAccessChanged, SubscriptionSent
from roost.core.services import Services
from roost.model.directory import Subscription, SubscriptionKind
from roost.model.errors import Forbidden, NotFound, TooLarge
from roost.model.users import NewUser, User
from roost.store.sql.stores import SqlStores
from tests.unit.support import FakeClock, FakeSession

K = SubscriptionKind


async def _people(stores: SqlStores, tmp_path: Path, *, shared: bool) -> tuple[Services, list[User]]:
    services = build_services(Settings(data_dir=tmp_path, shared_roster=shared), stores, LocalBus(), FakeClock())
    people = [await services.accounts.create(NewUser(n), "password-1") for n in ("amy", "bob")]
    return services, people


async def test_a_subscription_from_request_to_removal(stores: SqlStores, tmp_path: Path) -> None:
    services, (amy, bob) = await _people(stores, tmp_path, shared=False)
    amy_session, bob_session = FakeSession(amy.id), FakeSession(bob.id)
    for session in (amy_session, bob_session):
        services.router.register(session)
    roster = services.roster

    await roster.send(amy, "bob", K.SUBSCRIBE)
    assert await roster.requests(bob) == ["amy"]
    await roster.send(bob, "amy", K.SUBSCRIBED)
    assert await roster.requests(bob) == []
    items, version = await roster.items(amy)
    assert [(c.contact, c.subscription, c.ask) for c in items] == [("bob", Subscription.TO, False)]
    assert amy_session.of_type(ContactChanged)[-1].version == version
    assert [e.kind for e in bob_session.of_type(SubscriptionSent)] == [K.SUBSCRIBE]
    assert amy_session.of_type(PresenceAccessChanged) == [PresenceAccessChanged(amy.id, bob.id, granted=True)]
    assert await services.directory.presence_audience(bob.id) == frozenset({bob.id, amy.id})

    await roster.remove_item(amy, "bob")
    assert (await roster.items(amy))[0] == []
    assert [(c.contact, c.subscription) for c in (await roster.items(bob))[0]] == [("amy", Subscription.NONE)]
    assert amy_session.of_type(PresenceAccessChanged)[-1].granted is False
    with pytest.raises(NotFound):
        await roster.remove_item(amy, "bob")


async def test_the_shared_roster_keeps_colleagues(stores: SqlStores, tmp_path: Path) -> None:
    services, (amy, bob) = await _people(stores, tmp_path, shared=True)
    session = FakeSession(amy.id)
    services.router.register(session)
    roster = services.roster

    renamed = await roster.set_item(amy, "bob", "Bobby", ("Friends",))
    assert (renamed.name, renamed.subscription, renamed.groups) == ("Bobby", Subscription.BOTH, ("Friends",))
    with pytest.raises(Forbidden):
        await roster.remove_item(amy, "bob")
    with pytest.raises(Forbidden):
        await roster.set_item(amy, "amy", "Me", ())
    with pytest.raises(TooLarge):
        await roster.set_item(amy, "bob", "B" * 201, ())
    await roster.send(amy, "bob", K.SUBSCRIBE)
    assert session.of_type(SubscriptionSent) == [SubscriptionSent(bob.id, amy.id, K.SUBSCRIBED)]
    with pytest.raises(NotFound):
        await roster.send(amy, "friend@example.org", K.SUBSCRIBE)
