"""Conversation rules: who may see, join, invite, change roles, remove and rename."""

from __future__ import annotations

import asyncio

import pytest

from roost.core.events import ConversationChanged, MembershipChanged, MuteChanged, ReadMarkerMoved, TypingChanged
from roost.model.conversations import ConversationKind, NewRoom, Role, Visibility
from roost.model.errors import BadRequest, Forbidden, NotFound
from tests.unit.support import Core


async def _roles(core: Core, conversation_id: int) -> dict[int, Role]:
    return {m.user_id: m.role for m in await core.stores.conversations.members(conversation_id)}


async def test_creator_owns_a_new_room_and_members_are_told(core: Core) -> None:
    amy, bob = await core.user("amy"), await core.user("bob")
    bob_session = core.connect(bob)

    room = await core.conversations.create_room(amy, NewRoom("  Ops  ", "topic"), [bob.id, amy.id, bob.id])

    assert (room.kind, room.name, room.created_by) == (ConversationKind.ROOM, "Ops", amy.id)
    assert await _roles(core, room.id) == {amy.id: Role.OWNER, bob.id: Role.MEMBER}
    (event,) = bob_session.of_type(ConversationChanged)
    assert (event.conversation.id, event.change) == (room.id, "created")


@pytest.mark.parametrize(("name", "topic"), [("", ""), ("   ", ""), ("x" * 201, ""), ("ok", "t" * 2001)])
async def test_room_names_and_topics_are_checked(core: Core, name: str, topic: str) -> None:
    amy = await core.user("amy")
    with pytest.raises(BadRequest):
        await core.conversations.create_room(amy, NewRoom(name, topic))


async def test_rooms_need_existing_enabled_members(core: Core) -> None:
    amy, off = await core.user("amy"), await core.user("off")
    await core.stores.users.update(off.id, is_disabled=True)
    with pytest.raises(NotFound):
        await core.conversations.create_room(amy, NewRoom("r"), [999_999])
    with pytest.raises(NotFound):
        await core.conversations.create_room(amy, NewRoom("r"), [off.id])


async def test_one_direct_conversation_per_pair(core: Core) -> None:
    amy, bob = await core.user("amy"), await core.user("bob")

    first = await core.conversations.open_direct(amy, bob.id)
    again = await core.conversations.open_direct(bob, amy.id)

    assert first.id == again.id
    assert first.kind is ConversationKind.DIRECT
    assert await _roles(core, first.id) == {amy.id: Role.MEMBER, bob.id: Role.MEMBER}
    with pytest.raises(NotFound):
        await core.conversations.open_direct(amy, 999_999)


async def test_a_direct_conversation_opened_twice_at_once_is_one(core: Core) -> None:
    """The web and an XMPP message may open it at the same moment: both get the one made."""
    amy, bob = await core.user("amy"), await core.user("bob")
    first, second = await asyncio.gather(
        core.conversations.open_direct(amy, bob.id), core.conversations.open_direct(bob, amy.id)
    )
    assert first.id == second.id


async def test_a_direct_conversations_members_are_cached_for_good_a_rooms_for_seconds(core: Core) -> None:
    """A direct conversation's two members never change and it is never archived: the hot
    path of every 1:1 message reads neither again; a room's cache entry expires."""
    amy, bob = await core.user("amy"), await core.user("bob")
    direct = await core.conversations.direct_id(amy, bob.id)
    room = await core.conversations.create_room(amy, NewRoom("Ops", "", Visibility.INVITE), [bob.id])
    for conversation_id in (direct, room.id):
        assert await core.conversations.member_ids(conversation_id) == {amy.id, bob.id}
        await core.stores.conversations.remove_member(conversation_id, bob.id, event_id=core.ids.next_id())

    core.clock.advance(60)

    assert await core.conversations.member_ids(direct) == {amy.id, bob.id}
    assert core.conversations.cached_writable(direct)
    assert await core.conversations.member_ids(room.id) == {amy.id}  # rooms: re-read after the cache's time


async def test_non_members_cannot_tell_a_private_conversation_exists(core: Core) -> None:
    amy, bob, eve = await core.user("amy"), await core.user("bob"), await core.user("eve")
    room = await core.room(amy, bob)
    direct = await core.conversations.open_direct(amy, bob.id)

    for conversation_id in (room.id, direct.id, 999_999):
        with pytest.raises(NotFound):
            await core.conversations.get(eve, conversation_id)
        with pytest.raises(NotFound):
            await core.conversations.members(eve, conversation_id)
        with pytest.raises(NotFound):
            await core.conversations.mark_read(eve, conversation_id, 1)
        with pytest.raises(NotFound):
            await core.conversations.set_typing(eve, conversation_id, True)
        with pytest.raises(NotFound):
            await core.conversations.join(eve, conversation_id)
    assert (await core.conversations.get(bob, room.id)).id == room.id


async def test_open_rooms_are_visible_and_joinable(core: Core) -> None:
    amy, bob = await core.user("amy"), await core.user("bob")
    amy_session = core.connect(amy)
    room = await core.room(amy, visibility=Visibility.OPEN, name="Lobby")

    assert (await core.conversations.get(bob, room.id)).name == "Lobby"
    assert [m.user_id for m in await core.conversations.members(bob, room.id)] == [amy.id]
    member = await core.conversations.join(bob, room.id)
    again = await core.conversations.join(bob, room.id)

    assert member.role is Role.MEMBER
    assert again == member
    added = amy_session.of_type(MembershipChanged)
    assert [(e.user_id, e.change) for e in added] == [(bob.id, "added")]
    assert [c.name for c in await core.conversations.open_rooms("  lob ", 10)] == ["Lobby"]


async def test_anyone_in_an_open_room_may_invite(core: Core) -> None:
    amy, bob, cat = await core.user("amy"), await core.user("bob"), await core.user("cat")
    room = await core.room(amy, bob, visibility=Visibility.OPEN)

    await core.conversations.invite(bob, room.id, [cat.id])

    assert (await _roles(core, room.id))[cat.id] is Role.MEMBER


async def test_only_admins_invite_to_an_invite_only_room(core: Core) -> None:
    amy, bob, cat, dan, eve = [await core.user(n) for n in ("amy", "bob", "cat", "dan", "eve")]
    room = await core.room(amy, bob, cat)

    with pytest.raises(Forbidden):
        await core.conversations.invite(bob, room.id, [dan.id])
    with pytest.raises(NotFound):
        await core.conversations.invite(eve, room.id, [dan.id])
    await core.conversations.set_role(amy, room.id, cat.id, Role.ADMIN)
    await core.conversations.invite(cat, room.id, [dan.id])

    assert (await _roles(core, room.id))[dan.id] is Role.MEMBER


async def test_roles_can_be_given_only_up_to_ones_own(core: Core) -> None:
    amy, bob, cat = await core.user("amy"), await core.user("bob"), await core.user("cat")
    room = await core.room(amy, bob, cat)
    set_role = core.conversations.set_role

    with pytest.raises(Forbidden):
        await set_role(bob, room.id, cat.id, Role.ADMIN)  # a member gives nothing
    await set_role(amy, room.id, bob.id, Role.ADMIN)
    with pytest.raises(Forbidden):
        await set_role(bob, room.id, cat.id, Role.OWNER)  # above an admin's own role
    with pytest.raises(Forbidden):
        await set_role(bob, room.id, amy.id, Role.MEMBER)  # the owner is above an admin
    await set_role(bob, room.id, cat.id, Role.ADMIN)
    with pytest.raises(NotFound):
        await set_role(amy, room.id, 999_999, Role.ADMIN)

    assert await _roles(core, room.id) == {amy.id: Role.OWNER, bob.id: Role.ADMIN, cat.id: Role.ADMIN}


async def test_the_last_owner_stays_until_there_is_another(core: Core) -> None:
    amy, bob = await core.user("amy"), await core.user("bob")
    room = await core.room(amy, bob)

    with pytest.raises(BadRequest) as demote:
        await core.conversations.set_role(amy, room.id, amy.id, Role.ADMIN)
    with pytest.raises(BadRequest) as leave:
        await core.conversations.remove(amy, room.id, amy.id)
    assert demote.value.code == leave.value.code == "room.last_owner"

    await core.conversations.set_role(amy, room.id, bob.id, Role.OWNER)
    await core.conversations.remove(amy, room.id, amy.id)
    assert await _roles(core, room.id) == {bob.id: Role.OWNER}
    await core.conversations.remove(bob, room.id, bob.id)  # alone, the owner may leave
    assert await _roles(core, room.id) == {}


async def test_removing_people(core: Core) -> None:
    amy, bob, cat, dan = [await core.user(n) for n in ("amy", "bob", "cat", "dan")]
    room = await core.room(amy, bob, cat, dan)
    await core.conversations.set_role(amy, room.id, bob.id, Role.ADMIN)
    dan_session = core.connect(dan)

    with pytest.raises(Forbidden):
        await core.conversations.remove(cat, room.id, dan.id)  # members remove only themselves
    with pytest.raises(Forbidden):
        await core.conversations.remove(bob, room.id, amy.id)  # nobody above one's own role
    await core.conversations.remove(bob, room.id, dan.id)
    await core.conversations.remove(cat, room.id, cat.id)

    assert set(await _roles(core, room.id)) == {amy.id, bob.id}
    removed = dan_session.of_type(MembershipChanged)
    assert [(e.user_id, e.change, e.role) for e in removed] == [(dan.id, "removed", None)]
    with pytest.raises(NotFound):
        await core.conversations.get(dan, room.id)


async def test_direct_conversations_have_no_room_operations(core: Core) -> None:
    amy, bob, cat = await core.user("amy"), await core.user("bob"), await core.user("cat")
    direct = await core.conversations.open_direct(amy, bob.id)
    with pytest.raises(NotFound):
        await core.conversations.invite(amy, direct.id, [cat.id])
    with pytest.raises(NotFound):
        await core.conversations.remove(amy, direct.id, amy.id)
    with pytest.raises(NotFound):
        await core.conversations.update(amy, direct.id, name="x")


async def test_admins_change_room_settings(core: Core) -> None:
    amy, bob = await core.user("amy"), await core.user("bob")
    room = await core.room(amy, bob)
    bob_session = core.connect(bob)

    with pytest.raises(Forbidden):
        await core.conversations.update(bob, room.id, name="mine")
    with pytest.raises(BadRequest):
        await core.conversations.update(amy, room.id, name=" ")
    unchanged = await core.conversations.update(amy, room.id)
    updated = await core.conversations.update(amy, room.id, name=" New ", topic="T", visibility="open")

    assert unchanged == room
    assert (updated.name, updated.topic, updated.visibility) == ("New", "T", Visibility.OPEN)
    assert [e.change for e in bob_session.of_type(ConversationChanged)] == ["updated"]


async def test_read_markers_move_forward_and_members_are_told(core: Core) -> None:
    amy, bob = await core.user("amy"), await core.user("bob")
    room = await core.room(amy, bob)
    first = await core.archive.send(amy, room.id, "one")
    second = await core.archive.send(amy, room.id, "two")
    amy_session = core.connect(amy)

    assert await core.conversations.mark_read(bob, room.id, second.message.id) is True
    assert await core.conversations.mark_read(bob, room.id, first.message.id) is False

    (event,) = amy_session.of_type(ReadMarkerMoved)
    assert (event.user_id, event.message_id) == (bob.id, second.message.id)
    (summary,) = await core.conversations.list_for(bob)
    assert summary.last_read_id == second.message.id


async def test_typing_reaches_members_only(core: Core) -> None:
    amy, bob, eve = await core.user("amy"), await core.user("bob"), await core.user("eve")
    room = await core.room(amy, bob)
    bob_session, eve_session = core.connect(bob), core.connect(eve)

    await core.conversations.set_typing(amy, room.id, True)

    assert bob_session.of_type(TypingChanged) == [TypingChanged(room.id, amy.id, True)]
    assert eve_session.events == []


async def test_member_cache_follows_changes(core: Core) -> None:
    amy, bob = await core.user("amy"), await core.user("bob")
    room = await core.room(amy)
    assert await core.conversations.member_ids(room.id) == {amy.id}
    await core.conversations.add_member(room.id, bob.id)
    assert await core.conversations.member_ids(room.id) == {amy.id, bob.id}
    await core.conversations.remove(bob, room.id, bob.id)
    assert await core.conversations.member_ids(room.id) == {amy.id}


async def test_rooms_with_an_address_are_found_by_it_when_visible(core: Core) -> None:
    amy, bob = await core.user("amy"), await core.user("bob")
    room = await core.conversations.create_room(amy, NewRoom("Team", address="team"))
    lobby = await core.conversations.create_room(amy, NewRoom("Lobby", visibility=Visibility.OPEN, address="lobby"))

    assert (await core.conversations.room_by_address(amy, "team")).id == room.id
    assert (await core.conversations.room_by_address(bob, "lobby")).id == lobby.id
    with pytest.raises(NotFound):
        await core.conversations.room_by_address(bob, "team")  # invite-only: members only, as by id
    with pytest.raises(NotFound):
        await core.conversations.room_by_address(amy, "nothing")


@pytest.mark.parametrize("address", ["", "Team", "123", "1abc", "a b", "a@b", "x" * 65, "é"])
async def test_room_addresses_are_checked(core: Core, address: str) -> None:
    amy = await core.user("amy")
    with pytest.raises(BadRequest):
        await core.conversations.create_room(amy, NewRoom("r", address=address))


async def test_mute_is_one_member_s_own_and_tells_only_their_sessions(core: Core) -> None:
    amy, bob, eve = await core.user("amy"), await core.user("bob"), await core.user("eve")
    room = await core.room(amy, bob)
    amy_session, bob_session = core.connect(amy), core.connect(bob)

    await core.conversations.set_muted(amy, room.id, True)

    muted = {s.conversation.id: s.muted for s in await core.conversations.list_for(amy)}
    assert muted[room.id] is True
    assert [s.muted for s in await core.conversations.list_for(bob)] == [False]
    assert bob_session.events == []
    assert amy_session.of_type(MuteChanged) == [MuteChanged(room.id, amy.id, True)]  # her other tabs follow
    await core.conversations.set_muted(amy, room.id, False)
    assert amy_session.of_type(MuteChanged)[-1].muted is False
    assert [s.muted for s in await core.conversations.list_for(amy)] == [False]
    with pytest.raises(NotFound):
        await core.conversations.set_muted(eve, room.id, True)


async def test_every_room_is_listed_for_admins_with_member_counts(core: Core) -> None:
    amy, bob = await core.user("amy"), await core.user("bob")
    hidden = await core.room(amy, bob, name="Hidden")
    lobby = await core.room(amy, visibility=Visibility.OPEN, name="Lobby")
    await core.conversations.open_direct(amy, bob.id)  # not a room: not listed

    listed = await core.conversations.rooms("", 10)

    assert [(r.conversation.id, r.member_count) for r in listed] == [(hidden.id, 2), (lobby.id, 1)]
    assert [r.conversation.name for r in await core.conversations.rooms(" lob ", 10)] == ["Lobby"]
