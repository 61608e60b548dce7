"""BlockStore contract: who blocks whom, in both directions."""

from __future__ import annotations

from datetime import timedelta

from roost.store.sql.stores import SqlStores
from tests.store.builders import NOW, World


async def test_block_lists_and_unblocks(world: World, stores: SqlStores) -> None:
    amy, bob, cat = await world.user("amy"), await world.user("bob"), await world.user("cat")
    blocks = stores.blocks

    assert await blocks.block(amy.id, [bob.id, bob.id], NOW) == [bob.id]
    assert await blocks.block(amy.id, [bob.id, cat.id], NOW + timedelta(seconds=1)) == [cat.id]
    assert await blocks.block(cat.id, [bob.id], NOW) == [bob.id]

    assert await blocks.blocked_by(amy.id) == [bob.id, cat.id]  # oldest block first
    assert await blocks.blockers_of(bob.id) == sorted([amy.id, cat.id])
    assert await blocks.blocked_by(bob.id) == []
    assert sorted(await blocks.all_blocks()) == sorted([(amy.id, bob.id), (amy.id, cat.id), (cat.id, bob.id)])

    assert await blocks.unblock(amy.id, [bob.id, 999]) == [bob.id]
    assert await blocks.unblock(amy.id, [bob.id]) == []
    assert await blocks.blocked_by(amy.id) == [cat.id]
    assert await blocks.unblock(cat.id, None) == [bob.id]
    assert await blocks.blockers_of(bob.id) == []
    assert await blocks.unblock(amy.id, None) == [cat.id]
    assert await blocks.blocked_by(amy.id) == []
