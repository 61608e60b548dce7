"""PepStore and PrivateStore contracts: nodes, items kept to a maximum, newest items by node name."""

from __future__ import annotations

from datetime import timedelta

from roost.model.pep import Access, NodeConfig, PepItem, PepNode, SendLast
from roost.store.sql.stores import SqlStores
from tests.store.builders import NOW, World


def item(world: World, owner: int, node: str, item_id: str, payload: str = "<x/>") -> PepItem:
    return PepItem(owner, node, item_id, payload, world.next_id(), NOW + timedelta(seconds=1))


async def test_publish_makes_the_node_and_keeps_the_newest_items(stores: SqlStores, world: World) -> None:
    amy = await world.user("amy")
    node = PepNode(amy.id, "urn:xmpp:bookmarks:1", NodeConfig(access=Access.WHITELIST, max_items=2))
    for name in ("a", "b", "c"):
        await stores.pep.publish(node, item(world, amy.id, node.name, name))
    assert await stores.pep.node(amy.id, node.name) == node
    kept = await stores.pep.items(amy.id, node.name, limit=10)
    assert [i.item_id for i in kept] == ["b", "c"]
    await stores.pep.publish(node, item(world, amy.id, node.name, "b", "<y/>"))  # same id: replaced, now newest
    kept = await stores.pep.items(amy.id, node.name, limit=10)
    assert [(i.item_id, i.payload) for i in kept] == [("c", "<x/>"), ("b", "<y/>")]
    assert [i.item_id for i in await stores.pep.items(amy.id, node.name, limit=1)] == ["b"]
    assert [i.item_id for i in await stores.pep.items(amy.id, node.name, ids=("c", "zz"), limit=10)] == ["c"]


async def test_configure_retract_and_delete(stores: SqlStores, world: World) -> None:
    amy = await world.user("amy")
    node = PepNode(amy.id, "n", NodeConfig(max_items=10))
    for name in ("a", "b", "c"):
        await stores.pep.publish(node, item(world, amy.id, "n", name))
    assert await stores.pep.retract(amy.id, "n", "b")
    assert not await stores.pep.retract(amy.id, "n", "b")
    smaller = PepNode(amy.id, "n", NodeConfig(max_items=1, send_last=SendLast.NEVER, notify_retract=False))
    assert await stores.pep.put_node(smaller, NOW) == smaller
    assert [i.item_id for i in await stores.pep.items(amy.id, "n", limit=10)] == ["c"]
    assert await stores.pep.nodes(amy.id) == [smaller]
    assert await stores.pep.delete_node(amy.id, "n")
    assert await stores.pep.node(amy.id, "n") is None
    assert await stores.pep.items(amy.id, "n", limit=10) == []
    assert not await stores.pep.delete_node(amy.id, "n")


async def test_items_that_are_not_persistent_keep_only_the_last(stores: SqlStores, world: World) -> None:
    amy = await world.user("amy")
    node = PepNode(amy.id, "n", NodeConfig(persist_items=False, max_items=5))
    for name in ("a", "b"):
        await stores.pep.publish(node, item(world, amy.id, "n", name))
    assert [i.item_id for i in await stores.pep.items(amy.id, "n", limit=10)] == ["b"]


async def test_last_items_of_everyone_by_node_name(stores: SqlStores, world: World) -> None:
    amy, bob = await world.user("amy"), await world.user("bob")
    devices = "eu.siacs.conversations.axolotl.devicelist"
    for owner in (amy, bob):
        node = PepNode(owner.id, devices, NodeConfig(access=Access.OPEN, max_items=5))
        await stores.pep.publish(node, item(world, owner.id, devices, "old"))
        await stores.pep.publish(node, item(world, owner.id, devices, "current"))
    await stores.pep.publish(PepNode(amy.id, "other", NodeConfig()), item(world, amy.id, "other", "x"))
    found = await stores.pep.last_items([devices])
    assert sorted((node.owner_id, i.item_id) for node, i in found) == [(amy.id, "current"), (bob.id, "current")]
    assert all(node.config.access is Access.OPEN for node, _ in found)
    assert await stores.pep.last_items([]) == []


async def test_private_xml_by_key(stores: SqlStores, world: World) -> None:
    amy, bob = await world.user("amy"), await world.user("bob")
    assert await stores.private.get(amy.id, "{storage:bookmarks}storage") is None
    await stores.private.put(amy.id, "{storage:bookmarks}storage", "<storage xmlns='storage:bookmarks'/>")
    await stores.private.put(amy.id, "{storage:bookmarks}storage", "<storage xmlns='storage:bookmarks'>2</storage>")
    assert (
        await stores.private.get(amy.id, "{storage:bookmarks}storage")
        == "<storage xmlns='storage:bookmarks'>2</storage>"
    )
    assert await stores.private.get(bob.id, "{storage:bookmarks}storage") is None
