"""Presence: the most available session wins; the last one leaving records when the user was seen."""

from __future__ import annotations

import pytest

from roost.core.events import PresenceChanged, ResourcePresenceChanged
from roost.model.errors import BadRequest
from roost.model.presence import WEB_RESOURCE, Presence, ResourcePresence, Show
from tests.unit.support import Core, FakeSession


def _shows(session: FakeSession) -> list[tuple[Show, str]]:
    return [(e.presence.show, e.presence.status) for e in session.of_type(PresenceChanged)]


async def test_the_most_available_session_wins(core: Core) -> None:
    amy = await core.user("amy")
    phone, laptop = FakeSession(amy.id), FakeSession(amy.id)

    assert (await core.presence.set(phone, Show.AWAY, "on the bus")).show is Show.AWAY
    assert await core.presence.set(laptop, Show.DND, "focus") == Presence(amy.id, Show.DND, "focus")
    assert (await core.presence.set(phone, Show.CHAT, "talk to me")).show is Show.CHAT
    assert (await core.presence.set(phone, Show.XA, "")).show is Show.DND
    assert (await core.presence.set(laptop, Show.AVAILABLE, "")).show is Show.AVAILABLE
    assert core.presence.of(amy.id) == Presence(amy.id, Show.AVAILABLE, "")


async def test_everyone_connected_hears_of_changes_only(core: Core) -> None:
    amy, bob = await core.user("amy"), await core.user("bob")
    watcher = core.connect(bob)
    phone, laptop = FakeSession(amy.id), FakeSession(amy.id)

    await core.presence.set(phone, Show.AVAILABLE, "hi")
    await core.presence.set(laptop, Show.AWAY, "")  # less available: amy's presence is unchanged
    await core.presence.set(phone, Show.AVAILABLE, "hi")
    await core.presence.set(phone, Show.AVAILABLE, "lunch")

    assert _shows(watcher) == [(Show.AVAILABLE, "hi"), (Show.AVAILABLE, "lunch")]


async def test_unavailable_after_the_last_session_ends(core: Core) -> None:
    amy, bob = await core.user("amy"), await core.user("bob")
    watcher = core.connect(bob)
    phone, laptop = FakeSession(amy.id), FakeSession(amy.id)
    await core.presence.set(phone, Show.AVAILABLE)
    await core.presence.set(laptop, Show.DND)

    core.clock.advance(60)
    after_phone = await core.presence.session_ended(phone)
    core.clock.advance(60)
    gone = await core.presence.session_ended(laptop)

    assert after_phone.show is Show.DND
    assert gone == Presence(amy.id, Show.UNAVAILABLE, "", last_seen_at=core.clock.now())
    assert core.presence.of(amy.id) is None
    assert core.presence.online() == []
    stored = await core.stores.users.get(amy.id)
    assert stored is not None
    assert stored.last_seen_at == core.clock.now()
    assert [show for show, _ in _shows(watcher)] == [Show.AVAILABLE, Show.DND, Show.UNAVAILABLE]


async def test_a_session_that_never_set_presence_ends_quietly(core: Core) -> None:
    amy, bob = await core.user("amy"), await core.user("bob")
    watcher = core.connect(bob)

    result = await core.presence.session_ended(FakeSession(amy.id))

    assert result.show is Show.UNAVAILABLE
    assert watcher.events == []
    stored = await core.stores.users.get(amy.id)
    assert stored is not None
    assert stored.last_seen_at is None


async def test_online_lists_each_user_once(core: Core) -> None:
    amy, bob = await core.user("amy"), await core.user("bob")
    await core.presence.set(FakeSession(amy.id), Show.AWAY)
    await core.presence.set(FakeSession(amy.id), Show.CHAT)
    await core.presence.set(FakeSession(bob.id), Show.XA)

    assert sorted((p.user_id, p.show) for p in core.presence.online()) == [(amy.id, Show.CHAT), (bob.id, Show.XA)]


async def test_presence_is_checked(core: Core) -> None:
    amy = await core.user("amy")
    session = FakeSession(amy.id)
    with pytest.raises(BadRequest):
        await core.presence.set(session, Show.UNAVAILABLE)
    with pytest.raises(BadRequest):
        await core.presence.set(session, Show.AVAILABLE, "x" * 501)
    assert (await core.presence.set(session, Show.AVAILABLE, "x" * 500)).status == "x" * 500


def _resources(session: FakeSession) -> list[tuple[str, Show, int]]:
    return [
        (e.presence.resource, e.presence.show, e.presence.priority) for e in session.of_type(ResourcePresenceChanged)
    ]


async def test_each_resource_is_told_and_the_web_tabs_are_one_resource(core: Core) -> None:
    amy, bob = await core.user("amy"), await core.user("bob")
    watcher = core.connect(bob)
    tab1, tab2, phone = FakeSession(amy.id), FakeSession(amy.id), FakeSession(amy.id)

    await core.presence.set(tab1, Show.AVAILABLE)
    await core.presence.set(tab2, Show.AVAILABLE)  # the same web resource, unchanged
    await core.presence.set(phone, Show.AWAY, "out", resource="phone", priority=-1)
    await core.presence.session_ended(tab1)  # tab2 still shows the web resource
    await core.presence.session_ended(phone)
    await core.presence.session_ended(tab2)

    assert _resources(watcher) == [
        (WEB_RESOURCE, Show.AVAILABLE, 0),
        ("phone", Show.AWAY, -1),
        ("phone", Show.UNAVAILABLE, 0),
        (WEB_RESOURCE, Show.UNAVAILABLE, 0),
    ]
    assert core.presence.resources(amy.id) == []


async def test_resources_are_listed_and_priorities_bounded(core: Core) -> None:
    amy = await core.user("amy")
    desk, phone = FakeSession(amy.id), FakeSession(amy.id)
    await core.presence.set(desk, Show.DND, "busy", resource="desk", priority=5)
    await core.presence.set(phone, Show.AVAILABLE, resource="phone")

    assert core.presence.resources(amy.id) == [
        ResourcePresence(amy.id, "desk", Show.DND, "busy", 5),
        ResourcePresence(amy.id, "phone", Show.AVAILABLE, "", 0),
    ]
    assert {(p.user_id, p.resource) for p in core.presence.online_resources()} == {(amy.id, "desk"), (amy.id, "phone")}
    with pytest.raises(BadRequest):
        await core.presence.set(desk, Show.AVAILABLE, resource="desk", priority=128)
