"""PepService rules: owners publish, readers follow the access model, preconditions, notifications."""

from __future__ import annotations

import pytest

from roost.core.conversations.relay import RelayService
from roost.core.events import PayloadRelayed, PepChanged
from roost.core.pep.private import PrivateStorageService
from roost.core.pep.service import PepLimits, PepService
from roost.model.errors import BadRequest, Conflict, Forbidden, NotFound, TooLarge
from roost.model.messages import Payload
from roost.model.pep import Access, NodeOptions, SendLast
from tests.unit.support import Core


def pep(core: Core, watchers: frozenset[int] | None = None, **limits: int) -> PepService:
    async def audience(_owner: int) -> frozenset[int] | None:
        return watchers

    return PepService(core.stores.pep, core.router, core.ids, core.clock, audience, PepLimits(**limits))


async def test_the_owner_publishes_and_readers_follow_the_access_model(core: Core) -> None:
    amy, bob, cat = await core.user("amy"), await core.user("bob"), await core.user("cat")
    service = pep(core, watchers=frozenset([bob.id]))
    bobs, cats, amys = core.connect(bob), core.connect(cat), core.connect(amy)
    await service.publish(amy.id, "tune", "t1", "<tune/>")  # presence access by default: amy's watchers
    assert [i.item_id for i in await service.items(bob.id, amy.id, "tune")] == ["t1"]
    with pytest.raises(NotFound):
        await service.items(cat.id, amy.id, "tune")
    assert [e.change for e in bobs.of_type(PepChanged)] == ["published"]
    assert cats.of_type(PepChanged) == [] and len(amys.of_type(PepChanged)) == 1
    await service.publish(amy.id, "open", None, "<x/>", NodeOptions(access=Access.OPEN))
    assert len(await service.items(cat.id, amy.id, "open")) == 1
    await service.publish(amy.id, "mine", "a", "<x/>", NodeOptions(access=Access.WHITELIST))
    with pytest.raises(NotFound):
        await service.items(bob.id, amy.id, "mine")
    assert [e.node for e in bobs.of_type(PepChanged)] == ["tune", "open"]


async def test_preconditions_configuration_and_deletion(core: Core) -> None:
    amy = await core.user("amy")
    service = pep(core)
    await service.publish(amy.id, "devices", "current", "<list/>", NodeOptions(access=Access.OPEN))
    with pytest.raises(Conflict) as failed:
        await service.publish(amy.id, "devices", "current", "<list/>", NodeOptions(access=Access.PRESENCE))
    assert failed.value.code == "pep.precondition"
    await service.configure(amy.id, "devices", NodeOptions(access=Access.PRESENCE, max_items=5))
    await service.publish(amy.id, "devices", "other", "<list/>", NodeOptions(access=Access.PRESENCE))
    assert len(await service.items(amy.id, amy.id, "devices")) == 2
    with pytest.raises(Conflict):
        await service.create(amy.id, "devices")
    with pytest.raises(BadRequest):
        await service.configure(amy.id, "devices", NodeOptions(max_items=0))
    await service.delete(amy.id, "devices")
    with pytest.raises(NotFound):
        await service.delete(amy.id, "devices")
    with pytest.raises(NotFound):
        await service.retract(amy.id, "devices", "current")


async def test_retraction_notifies_unless_told_not_to(core: Core) -> None:
    amy = await core.user("amy")
    service, session = pep(core), core.connect(amy)
    await service.publish(amy.id, "n", "a", "<x/>", NodeOptions(max_items=3))
    await service.publish(amy.id, "n", "b", "<x/>")
    await service.retract(amy.id, "n", "a")
    await service.retract(amy.id, "n", "b", notify=False)
    assert [(e.change, e.item_id) for e in session.of_type(PepChanged)][-1] == ("retracted", "a")
    with pytest.raises(NotFound):
        await service.retract(amy.id, "n", "a")


async def test_limits_and_last_items(core: Core) -> None:
    amy, bob = await core.user("amy"), await core.user("bob")
    service = pep(core, nodes_per_person=2, payload_max_chars=10)
    with pytest.raises(TooLarge):
        await service.publish(amy.id, "n", "a", "<x>much too long</x>")
    with pytest.raises(BadRequest):
        await service.publish(amy.id, "", "a", "<x/>")
    await service.publish(amy.id, "one", "a", "<x/>")
    await service.publish(amy.id, "two", "a", "<x/>", NodeOptions(send_last=SendLast.NEVER))
    with pytest.raises(Forbidden):
        await service.publish(amy.id, "three", "a", "<x/>")
    await service.publish(bob.id, "one", "b", "<y/>")
    found = await service.last_items(bob.id, frozenset(["one", "two"]))
    assert sorted((i.owner_id, i.node) for i in found) == [(amy.id, "one"), (bob.id, "one")]  # "two": never


async def test_private_storage_and_relay_and_encrypted_payloads(core: Core) -> None:
    amy, bob = await core.user("amy"), await core.user("bob")
    private = PrivateStorageService(core.stores.private, payload_max_chars=20)
    await private.put(amy.id, "{urn:a}a", "<a xmlns='urn:a'/>")
    assert await private.get(amy.id, "{urn:a}a") == "<a xmlns='urn:a'/>"
    with pytest.raises(TooLarge):
        await private.put(amy.id, "{urn:a}a", "x" * 21)
    with pytest.raises(BadRequest):
        await private.get(amy.id, "")
    direct = await core.conversations.open_direct(amy, bob.id)
    bobs = core.connect(bob)
    relay = RelayService(core.conversations, payload_max_chars=100)
    await relay.relay(amy, PayloadRelayed(direct.id, amy.id, "<received/>", "chat", None, None, None))
    assert len(bobs.of_type(PayloadRelayed)) == 1
    with pytest.raises(NotFound):
        await relay.relay(bob, PayloadRelayed(direct.id, amy.id, "<x/>", "chat", None, None, None))
    stored = await core.archive.send(amy, direct.id, "", payload=Payload("<encrypted/>", "omemo"))
    assert (stored.message.body, stored.message.encryption) == ("", "omemo")
    with pytest.raises(BadRequest):
        await core.archive.send(amy, direct.id, "", payload=Payload("<receipt/>", None))
