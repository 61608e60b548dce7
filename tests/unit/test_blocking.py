"""Blocking in the core: the blocklist's rules, direct messages and presence both ways, push registrations."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from roost.app import build_services
from roost.bus.local import LocalBus
from roost.config import Settings
from roost.core.events import BlocklistChanged, PresenceChanged, ReactionsChanged
from roost.core.services import Services
from roost.model.conversations import NewRoom
from roost.model.errors import BadRequest, Forbidden, NotFound, RateLimited
from roost.model.presence import Show
from roost.model.users import NewUser, User
from roost.store.sql.stores import SqlStores
from tests.unit.support import FakeClock, FakeSession


@pytest.fixture
async def world(stores: SqlStores, tmp_path: Path) -> tuple[Services, list[User], FakeClock]:
    clock = FakeClock()
    settings = Settings(data_dir=tmp_path, limits={"blocklist_max": 2}, xmpp={"push_registrations_max": 2})
    services = build_services(settings, stores, LocalBus(), clock)
    people = [await services.accounts.create(NewUser(name), "password-1") for name in ("amy", "bob", "cy")]
    return services, people, clock


async def test_blocklist_rules(world: tuple[Services, list[User], FakeClock]) -> None:
    services, (amy, bob, cy), _ = world
    blocking = services.blocking
    assert await blocking.block(amy, [bob.id, bob.id]) == [bob.id]
    assert await blocking.block(amy, [bob.id]) == []
    assert [u.username for u in await blocking.blocked(amy)] == ["bob"]
    with pytest.raises(BadRequest, match="yourself"):
        await blocking.block(amy, [amy.id])
    with pytest.raises(NotFound):
        await blocking.block(amy, [999])
    with pytest.raises(BadRequest):
        await blocking.block(amy, [])
    await blocking.block(amy, [cy.id])
    dee = await services.accounts.create(NewUser("dee"), "password-1")
    with pytest.raises(BadRequest, match="at most 2"):
        await blocking.block(amy, [dee.id])
    assert await blocking.unblock(amy, [bob.id]) == [bob.id]
    assert await blocking.unblock(amy, None) == [cy.id]
    assert await blocking.blocked(amy) == []


async def test_direct_messages_are_refused_both_ways_but_not_in_rooms(
    world: tuple[Services, list[User], FakeClock],
) -> None:
    services, (amy, bob, cy), _ = world
    direct = await services.conversations.open_direct(amy, bob.id)
    room = await services.conversations.create_room(amy, NewRoom("two of us"), [bob.id])
    await services.blocking.block(amy, [bob.id])
    with pytest.raises(Forbidden) as blocked:
        await services.archive.send(bob, direct.id, "hello?")
    assert blocked.value.code == "block.blocked"
    with pytest.raises(Forbidden) as blocking:
        await services.archive.send(amy, direct.id, "hm")
    assert blocking.value.code == "block.blocking"
    await services.archive.send(bob, room.id, "rooms are not blocked")
    other = await services.conversations.open_direct(amy, cy.id)
    await services.archive.send(cy, other.id, "others still write")
    await services.blocking.unblock(amy, [bob.id])
    await services.archive.send(bob, direct.id, "thanks")


async def test_presence_is_hidden_both_ways(world: tuple[Services, list[User], FakeClock]) -> None:
    services, (amy, bob, cy), _ = world
    sessions = {user.id: FakeSession(user.id) for user in (amy, bob, cy)}
    for session in sessions.values():
        services.router.register(session)
    await services.presence.set(sessions[amy.id], Show.AVAILABLE)
    await services.presence.set(sessions[bob.id], Show.AWAY)
    for session in sessions.values():
        session.events.clear()

    await services.blocking.block(amy, [bob.id])

    assert [(e.presence.user_id, e.presence.show) for e in sessions[bob.id].of_type(PresenceChanged)] == [
        (amy.id, Show.UNAVAILABLE)
    ]
    assert [(e.presence.user_id, e.presence.show) for e in sessions[amy.id].of_type(PresenceChanged)] == [
        (bob.id, Show.UNAVAILABLE)
    ]
    assert [e.user_ids for e in sessions[amy.id].of_type(BlocklistChanged)] == [(bob.id,)]
    assert sessions[bob.id].of_type(BlocklistChanged) == []  # nothing tells bob
    await services.presence.set(sessions[amy.id], Show.DND)
    assert [e.presence.show for e in sessions[bob.id].of_type(PresenceChanged)] == [Show.UNAVAILABLE]
    assert Show.DND in [e.presence.show for e in sessions[cy.id].of_type(PresenceChanged)]
    assert {p.user_id for p in await services.presence.visible_to(bob.id)} == {bob.id}
    await services.blocking.block(bob, [amy.id])  # both ways now
    await services.blocking.unblock(amy, None)
    assert sessions[bob.id].of_type(PresenceChanged)[-1].presence.show is Show.UNAVAILABLE  # bob still blocks amy
    await services.blocking.unblock(bob, None)
    assert sessions[bob.id].of_type(PresenceChanged)[-1].presence.show is Show.DND
    assert sessions[amy.id].of_type(PresenceChanged)[-1].presence.show is Show.AWAY


async def _blocked_elsewhere(
    world: tuple[Services, list[User], FakeClock], stores: SqlStores
) -> tuple[Services, User, User, int, FakeClock]:
    """Bob has written to Amy (the blocklists are cached); then Amy blocks Bob from another process."""
    services, (amy, bob, _), clock = world
    direct = await services.conversations.open_direct(amy, bob.id)
    await services.archive.send(bob, direct.id, "cached: no block")
    await stores.blocks.block(amy.id, [bob.id], clock.now())
    return services, amy, bob, direct.id, clock


async def test_blocks_made_elsewhere_show_up_after_the_cache_time(
    world: tuple[Services, list[User], FakeClock], stores: SqlStores
) -> None:
    services, amy, bob, direct_id, clock = await _blocked_elsewhere(world, stores)
    clock.advance(10)
    await services.archive.send(bob, direct_id, "aged: served while all blocks are read again behind it")
    for _ in range(500):  # the refresh reads the store in its thread
        if amy.id in await services.blocking.lists.blockers_of(bob.id):
            break
        await asyncio.sleep(0.01)
    with pytest.raises(Forbidden):
        await services.archive.send(bob, direct_id, "now blocked")


async def test_blocks_older_than_the_stale_limit_are_read_before_a_send(
    world: tuple[Services, list[User], FakeClock], stores: SqlStores
) -> None:
    services, _, bob, direct_id, clock = await _blocked_elsewhere(world, stores)
    clock.advance(31)
    with pytest.raises(Forbidden):
        await services.archive.send(bob, direct_id, "blocked")


async def test_set_reactions_replaces_the_set_in_one_event(world: tuple[Services, list[User], FakeClock]) -> None:
    services, (amy, bob, _), _ = world
    direct = await services.conversations.open_direct(amy, bob.id)
    sent = (await services.archive.send(amy, direct.id, "hi")).message
    watcher = FakeSession(amy.id)
    services.router.register(watcher)
    await services.archive.set_reactions(bob, sent.id, ["👍", "🎉", "👍"])
    changed = await services.archive.set_reactions(bob, sent.id, ["🎉", "🚀"])
    assert sorted(r.emoji for r in changed.reactions) == ["🎉", "🚀"]
    assert [e.user_id for e in watcher.of_type(ReactionsChanged)] == [bob.id, bob.id]
    assert (await services.archive.set_reactions(bob, sent.id, ["🎉", "🚀"])) == changed
    assert len(watcher.of_type(ReactionsChanged)) == 2  # no change, no event
    with pytest.raises(BadRequest):
        await services.archive.set_reactions(bob, sent.id, [f"e{i}" for i in range(21)])
    with pytest.raises(BadRequest):
        await services.archive.set_reactions(bob, sent.id, ["two words"])


async def test_push_registrations(world: tuple[Services, list[User], FakeClock]) -> None:
    services, (amy, _, _), _ = world
    push = services.push
    await push.enable(amy, "push.example", "n1", resource="phone", options=[("secret", "s")])
    await push.enable(amy, "push.example", "n2", resource="tablet", options=[])
    await push.enable(amy, "push.example", "n1", resource="phone", options=[("secret", "t")])  # replaced
    with pytest.raises(RateLimited):
        await push.enable(amy, "push.example", "n3", resource="phone", options=[])
    with pytest.raises(BadRequest):
        await push.enable(amy, "push.example", "", resource="phone", options=[])
    assert [(r.node, r.options) for r in await push.registrations(amy)] == [("n1", (("secret", "t"),)), ("n2", ())]
    assert await push.disable(amy, "push.example") == 2
