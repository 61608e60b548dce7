"""DirectoryStore contract: organisation groups and hand-made roster items."""

from __future__ import annotations

import pytest

from roost.model.directory import Contact, Group, Subscription
from roost.model.errors import Conflict, NotFound
from roost.store.sql.stores import SqlStores
from tests.store.builders import World


async def test_groups_with_members_by_name(world: World, stores: SqlStores) -> None:
    amy, bob = await world.user("amy"), await world.user("bob")
    ops = await stores.directory.create_group("Ops", "on call", 42)
    dev = await stores.directory.create_group("Dev", "", None)

    await stores.directory.set_group_member(ops.id, bob.id, present=True)
    await stores.directory.set_group_member(ops.id, amy.id, present=True)
    await stores.directory.set_group_member(ops.id, amy.id, present=True)
    await stores.directory.set_group_member(dev.id, bob.id, present=True)
    await stores.directory.set_group_member(dev.id, bob.id, present=False)
    await stores.directory.set_group_member(dev.id, amy.id, present=False)

    assert await stores.directory.groups() == [
        Group(dev.id, "Dev", "", None, ()),
        Group(ops.id, "Ops", "on call", 42, tuple(sorted((amy.id, bob.id)))),
    ]
    assert await stores.directory.group_by_name("Ops") == Group(
        ops.id, "Ops", "on call", 42, tuple(sorted((amy.id, bob.id)))
    )


async def test_group_names_are_unique_and_deleted_groups_are_gone(world: World, stores: SqlStores) -> None:
    amy = await world.user("amy")
    ops = await stores.directory.create_group("Ops", "", None)
    await stores.directory.set_group_member(ops.id, amy.id, present=True)
    with pytest.raises(Conflict):
        await stores.directory.create_group("Ops", "again", None)

    await stores.directory.delete_group(ops.id)

    assert await stores.directory.groups() == []
    with pytest.raises(NotFound):
        await stores.directory.group_by_name("Ops")


async def test_contacts_are_put_replaced_and_deleted(world: World, stores: SqlStores) -> None:
    amy, bob = await world.user("amy"), await world.user("bob")
    friend = Contact(amy.id, "friend@example.org", "Friend", Subscription.TO, True, ("Pals", "Ünï"), False)
    colleague = Contact(amy.id, "bob", "Bob", Subscription.BOTH, False, (), False)

    await stores.directory.put_contact(friend)
    await stores.directory.put_contact(colleague)
    renamed = Contact(amy.id, "bob", "Bobby", Subscription.FROM, False, ("Work",), False)
    await stores.directory.put_contact(renamed)

    assert await stores.directory.contacts(amy.id) == [renamed, friend]
    assert await stores.directory.contacts(bob.id) == []
    assert await stores.directory.delete_contact(amy.id, "bob") is True
    assert await stores.directory.delete_contact(amy.id, "bob") is False
    assert await stores.directory.contacts(amy.id) == [friend]


async def test_followed_are_the_local_accounts_a_roster_subscribes_to(world: World, stores: SqlStores) -> None:
    amy, bob, cy, dee = [await world.user(n) for n in ("amy", "bob", "cy", "dee")]
    for contact, subscription in (("bob", Subscription.TO), ("cy", Subscription.BOTH), ("dee", Subscription.FROM)):
        await stores.directory.put_contact(Contact(amy.id, contact, "", subscription, False, (), False))
    await stores.directory.put_contact(Contact(amy.id, "friend@example.org", "", Subscription.BOTH, False, (), False))

    assert sorted(await stores.directory.followed(amy.id)) == sorted([bob.id, cy.id])
    assert await stores.directory.followed(dee.id) == []


async def test_subscription_requests_are_kept_once_and_answered(world: World, stores: SqlStores) -> None:
    amy, bob = await world.user("amy"), await world.user("bob")
    await stores.directory.set_subscription_request(amy.id, "cy", present=True)
    await stores.directory.set_subscription_request(amy.id, "bob", present=True)
    await stores.directory.set_subscription_request(amy.id, "bob", present=True)
    await stores.directory.set_subscription_request(bob.id, "friend@example.org", present=True)

    assert await stores.directory.subscription_requests(amy.id) == ["bob", "cy"]
    await stores.directory.set_subscription_request(amy.id, "bob", present=False)
    await stores.directory.set_subscription_request(amy.id, "nobody", present=False)
    assert await stores.directory.subscription_requests(amy.id) == ["cy"]
    assert await stores.directory.subscription_requests(bob.id) == ["friend@example.org"]
