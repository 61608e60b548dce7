"""Archive rules: what may be sent, edited, deleted, reacted to, paged and searched, and by whom."""

from __future__ import annotations

import pytest

from roost.core.events import MessageCreated, MessageDeleted, MessageEdited, ReactionsChanged
from roost.model.conversations import Conversation, Role
from roost.model.errors import BadRequest, Forbidden, NotFound, TooLarge
from roost.model.messages import Payload, Reaction, SearchQuery
from roost.model.users import User
from tests.unit.support import Core

Trio = tuple[User, User, Conversation]


@pytest.fixture
async def trio(core: Core) -> tuple[User, User, Conversation]:
    amy, bob = await core.user("amy"), await core.user("bob")
    return amy, bob, await core.room(amy, bob)


async def test_a_message_reaches_every_members_sessions(core: Core, trio: Trio) -> None:
    amy, bob, room = trio
    eve = await core.user("eve")
    bob_phone, bob_laptop, amy_tab, eve_tab = core.connect(bob), core.connect(bob), core.connect(amy), core.connect(eve)

    appended = await core.archive.send(amy, room.id, "hello", client_id="c1")

    assert appended.created
    for session in (bob_phone, bob_laptop, amy_tab):
        assert session.of_type(MessageCreated) == [MessageCreated(appended.message, appended.event_id)]
    assert eve_tab.events == []


async def test_the_sending_session_gets_no_copy_but_the_senders_other_sessions_do(core: Core, trio: Trio) -> None:
    amy, bob, room = trio
    amy_tab, amy_phone, bob_phone = core.connect(amy), core.connect(amy), core.connect(bob)

    stored = await core.archive.submit(amy, room.id, "from the tab", origin=amy_tab.id)
    appended = await stored

    assert amy_tab.of_type(MessageCreated) == []
    for session in (amy_phone, bob_phone):
        assert session.of_type(MessageCreated) == [MessageCreated(appended.message, appended.event_id)]


async def test_a_resent_client_id_is_not_delivered_again(core: Core, trio: Trio) -> None:
    amy, bob, room = trio
    bob_session = core.connect(bob)
    first = await core.archive.send(amy, room.id, "once", client_id="same")

    again = await core.archive.send(amy, room.id, "once", client_id="same")

    assert not again.created
    assert again.message.id == first.message.id
    assert len(bob_session.of_type(MessageCreated)) == 1


@pytest.mark.parametrize(
    ("body", "error", "code"),
    [
        ("", BadRequest, "message.empty"),
        (" \n\t ", BadRequest, "message.empty"),
        ("x" * 1001, TooLarge, "message.too_long"),
        ("nul \x00 inside", BadRequest, "message.nul"),
    ],
)
async def test_bodies_are_checked(core: Core, trio: Trio, body: str, error: type[Exception], code: str) -> None:
    amy, _, room = trio
    with pytest.raises(error) as caught:
        await core.archive.send(amy, room.id, body)
    assert caught.value.code == code  # type: ignore[attr-defined]


async def test_a_body_at_the_limit_is_fine(core: Core, trio: Trio) -> None:
    amy, _, room = trio
    appended = await core.archive.send(amy, room.id, "x" * 1000)
    assert len(appended.message.body) == 1000


@pytest.mark.parametrize("client_id", ["", "x" * 129, "a\x00b"])
async def test_client_ids_are_checked(core: Core, trio: Trio, client_id: str) -> None:
    amy, _, room = trio
    with pytest.raises(BadRequest) as caught:
        await core.archive.send(amy, room.id, "hi", client_id=client_id)
    assert caught.value.code == "message.client_id"


async def test_only_members_send_and_read(core: Core, trio: Trio) -> None:
    amy, _, room = trio
    eve = await core.user("eve")
    message = (await core.archive.send(amy, room.id, "private")).message

    with pytest.raises(NotFound):
        await core.archive.send(eve, room.id, "let me in")
    with pytest.raises(NotFound):
        await core.archive.get(eve, message.id)
    with pytest.raises(NotFound):
        await core.archive.history(eve, room.id)
    with pytest.raises(NotFound):
        await core.archive.versions(eve, message.id)
    with pytest.raises(NotFound):
        await core.archive.react(eve, message.id, "👀", add=True)
    with pytest.raises(NotFound):
        await core.archive.edit(eve, message.id, "mine now")
    with pytest.raises(NotFound):
        await core.archive.delete(eve, message.id)


async def test_replies_stay_in_their_conversation(core: Core, trio: Trio) -> None:
    amy, bob, room = trio
    other = await core.room(amy)
    elsewhere = (await core.archive.send(amy, other.id, "elsewhere")).message
    question = (await core.archive.send(amy, room.id, "question")).message

    answer = await core.archive.send(bob, room.id, "answer", reply_to=question.id)

    assert answer.message.reply_to == question.id
    with pytest.raises(NotFound):
        await core.archive.send(bob, room.id, "answer", reply_to=elsewhere.id)
    with pytest.raises(NotFound):
        await core.archive.send(bob, room.id, "answer", reply_to=999_999)


async def test_mentions_name_members_only(core: Core, trio: Trio) -> None:
    amy, bob, room = trio
    await core.user("eve")

    message = (await core.archive.send(amy, room.id, "@BOB and @eve and @nobody, also @amy")).message

    assert message.mentions == (bob.id, amy.id)


async def test_only_the_sender_edits(core: Core, trio: Trio) -> None:
    amy, bob, room = trio
    bob_session = core.connect(bob)
    message = (await core.archive.send(amy, room.id, "frist")).message

    with pytest.raises(Forbidden):
        await core.archive.edit(bob, message.id, "hijacked")
    with pytest.raises(BadRequest):
        await core.archive.edit(amy, message.id, "  ")
    edited = await core.archive.edit(amy, message.id, "first @bob")

    assert (edited.body, edited.mentions, edited.edited_at) == ("first @bob", (bob.id,), core.clock.now())
    assert [v.body for v in await core.archive.versions(bob, message.id)] == ["frist"]
    assert [e.message.body for e in bob_session.of_type(MessageEdited)] == ["first @bob"]


async def test_an_encrypted_message_is_edited_with_its_new_payload_only(core: Core, trio: Trio) -> None:
    amy, bob, room = trio
    bob_session = core.connect(bob)
    sealed = Payload("<encrypted xmlns='urn:xmpp:omemo:2'>old</encrypted>", "omemo:2")
    message = (await core.archive.send(amy, room.id, "", payload=sealed)).message

    with pytest.raises(BadRequest) as plain_edit:  # the web cannot write the new content
        await core.archive.edit(amy, message.id, "plain text")
    assert plain_edit.value.code == "message.encrypted"
    resealed = Payload("<encrypted xmlns='urn:xmpp:omemo:2'>new</encrypted>", "omemo:2")
    edited = await core.archive.edit(amy, message.id, "", payload=resealed)

    assert (edited.body, edited.extras, edited.encryption) == ("", resealed.extras, "omemo:2")
    assert [e.message.extras for e in bob_session.of_type(MessageEdited)] == [resealed.extras]


async def test_deleted_messages_cannot_be_edited_or_reacted_to(core: Core, trio: Trio) -> None:
    amy, _, room = trio
    message = (await core.archive.send(amy, room.id, "gone soon")).message
    await core.archive.delete(amy, message.id)

    with pytest.raises(BadRequest):
        await core.archive.edit(amy, message.id, "back")
    with pytest.raises(BadRequest):
        await core.archive.react(amy, message.id, "👍", add=True)


async def test_the_sender_or_a_room_admin_deletes(core: Core, trio: Trio) -> None:
    amy, bob, room = trio
    cat = await core.user("cat")
    await core.conversations.invite(amy, room.id, [cat.id])
    cat_session = core.connect(cat)
    by_bob = (await core.archive.send(bob, room.id, "bob's")).message
    by_cat = (await core.archive.send(cat, room.id, "cat's")).message
    another = (await core.archive.send(cat, room.id, "cat's too")).message

    with pytest.raises(Forbidden):
        await core.archive.delete(bob, by_cat.id)  # a plain member, not the sender
    mine = await core.archive.delete(bob, by_bob.id)
    moderated = await core.archive.delete(amy, by_cat.id)  # the owner moderates
    await core.conversations.set_role(amy, room.id, bob.id, Role.ADMIN)
    await core.archive.delete(bob, another.id)
    again = await core.archive.delete(amy, by_cat.id)

    assert mine.is_deleted and moderated.is_deleted
    assert (moderated.body, again.body) == ("", "")
    assert [e.message.id for e in cat_session.of_type(MessageDeleted)] == [by_bob.id, by_cat.id, another.id]


@pytest.mark.parametrize("emoji", ["", "   ", "two words", "x" * 65, "a\x00", "tab\there"])
async def test_reactions_are_checked(core: Core, trio: Trio, emoji: str) -> None:
    amy, _, room = trio
    message = (await core.archive.send(amy, room.id, "hi")).message
    with pytest.raises(BadRequest) as caught:
        await core.archive.react(amy, message.id, emoji, add=True)
    assert caught.value.code == "reaction.emoji"


async def test_reactions_are_announced_only_when_they_change(core: Core, trio: Trio) -> None:
    amy, bob, room = trio
    amy_session = core.connect(amy)
    message = (await core.archive.send(amy, room.id, "ship it?")).message

    await core.archive.react(bob, message.id, " 👍 ", add=True)
    again = await core.archive.react(bob, message.id, "👍", add=True)
    family = await core.archive.react(bob, message.id, "👨‍👩‍👧", add=True)
    removed = await core.archive.react(bob, message.id, "👍", add=False)

    assert again.reactions == (Reaction("👍", (bob.id,)),)
    assert set(family.reactions) == {Reaction("👍", (bob.id,)), Reaction("👨‍👩‍👧", (bob.id,))}
    assert removed.reactions == (Reaction("👨‍👩‍👧", (bob.id,)),)
    assert len(amy_session.of_type(ReactionsChanged)) == 3


async def test_history_arguments_are_checked(core: Core, trio: Trio) -> None:
    amy, _, room = trio
    sent = [(await core.archive.send(amy, room.id, f"m{i}")).message.id for i in range(3)]

    with pytest.raises(BadRequest):
        await core.archive.history(amy, room.id, before=sent[2], after=sent[0])
    for limit in (0, 51):
        with pytest.raises(BadRequest):
            await core.archive.history(amy, room.id, limit=limit)
    page = await core.archive.history(amy, room.id, before=sent[2], limit=50)

    assert [m.id for m in page.messages] == sent[:2]


async def test_search_stays_in_the_callers_conversations(core: Core, trio: Trio) -> None:
    amy, bob, room = trio
    eve = await core.user("eve")
    secret = await core.room(eve)
    await core.archive.send(eve, secret.id, "launch codes")
    await core.archive.send(amy, room.id, "launch party")

    assert [m.body for m in await core.archive.search(bob, SearchQuery("launch"))] == ["launch party"]
    assert [m.body for m in await core.archive.search(eve, SearchQuery("launch"))] == ["launch codes"]
    with pytest.raises(NotFound):
        await core.archive.search(bob, SearchQuery("launch", conversation_ids=(secret.id,)))
    with pytest.raises(NotFound):
        await core.archive.search(bob, SearchQuery("launch", conversation_ids=(room.id, secret.id)))


@pytest.mark.parametrize(("text", "limit"), [("", 10), ("   ", 10), ("x", 0), ("x", 101)])
async def test_search_arguments_are_checked(core: Core, trio: Trio, text: str, limit: int) -> None:
    amy, _, _ = trio
    with pytest.raises(BadRequest):
        await core.archive.search(amy, SearchQuery(text, limit=limit))
