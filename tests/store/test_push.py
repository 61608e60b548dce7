"""PushStore contract: XEP-0357 registrations per person, service and node."""

from __future__ import annotations

from datetime import timedelta

from roost.model.push import PushRegistration
from roost.store.sql.stores import SqlStores
from tests.store.builders import NOW, World


async def test_put_replace_list_and_remove(world: World, stores: SqlStores) -> None:
    amy, bob = await world.user("amy"), await world.user("bob")
    push = stores.push
    first = PushRegistration(amy.id, "push.example", "n1", "phone", (("secret", "s1"),), NOW)
    await push.put(first)
    await push.put(PushRegistration(amy.id, "push.example", "n2", "tablet", (), NOW + timedelta(seconds=1)))
    await push.put(PushRegistration(bob.id, "push.example", "n1", "phone", (), NOW))
    replaced = PushRegistration(amy.id, "push.example", "n1", "laptop", (("secret", "s2"), ("x", "")), NOW)
    await push.put(replaced)

    assert await push.of(amy.id) == [replaced, (await push.of(amy.id))[1]]
    assert [(r.node, r.resource) for r in await push.of(amy.id)] == [("n1", "laptop"), ("n2", "tablet")]
    assert (await push.of(amy.id))[0].options == (("secret", "s2"), ("x", ""))

    assert await push.remove(amy.id, "push.example", "n1") == 1
    assert await push.remove(amy.id, "push.example", "n1") == 0
    assert await push.remove(amy.id, "push.example", None) == 1
    assert await push.of(amy.id) == []
    assert [r.user_id for r in await push.of(bob.id)] == [bob.id]
