"""SearchStore contract: the same answers from SQLite FTS5 and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from roost.model.conversations import Conversation
from roost.model.messages import SearchQuery
from roost.model.users import User
from roost.store.sql.stores import SqlStores
from tests.store.builders import NOW, World

Trio = tuple[User, User, Conversation]


@pytest.fixture
async def room(world: World) -> tuple[User, User, Conversation]:
    amy, bob = await world.user("amy"), await world.user("bob")
    return amy, bob, await world.room(amy, bob)


async def _bodies(stores: SqlStores, text: str, *conversations: Conversation, **filters: object) -> list[str]:
    query = SearchQuery(text, tuple(c.id for c in conversations), **filters)  # type: ignore[arg-type]
    return [m.body for m in await stores.search.search(query)]


async def _post(world: World, conversation: Conversation, sender: User, *bodies: str) -> None:
    for body in bodies:
        await world.send(conversation, sender, body)


async def test_a_word_finds_longer_words_it_starts(world: World, stores: SqlStores, room: Trio) -> None:
    amy, _, chat = room
    await _post(world, chat, amy, "The deployment finished", "we deploy on Fridays", "nothing here")

    assert await _bodies(stores, "deploy", chat) == ["we deploy on Fridays", "The deployment finished"]
    assert await _bodies(stores, "deployment", chat) == ["The deployment finished"]
    assert await _bodies(stores, "deployments", chat) == []


async def test_words_inside_addresses_paths_and_versions_are_found(world: World, stores: SqlStores, room: Trio) -> None:
    amy, _, chat = room
    await _post(
        world,
        chat,
        amy,
        "we redeployed it",
        "mail bob@example.com",
        "see https://intranet.example.org/api/v2/users",
        "run ./scripts/deploy_all.sh",
        "build 2025.3.1-rc2",
    )

    # A word matches words it starts (word index); a term with punctuation matches anywhere (trigram index).
    assert await _bodies(stores, "deployed", chat) == []
    assert await _bodies(stores, "redeploy", chat) == ["we redeployed it"]
    assert await _bodies(stores, "/api/", chat) == ["see https://intranet.example.org/api/v2/users"]
    assert await _bodies(stores, "example", chat) == [
        "see https://intranet.example.org/api/v2/users",
        "mail bob@example.com",
    ]
    assert await _bodies(stores, "api", chat) == ["see https://intranet.example.org/api/v2/users"]
    assert await _bodies(stores, "v2", chat) == ["see https://intranet.example.org/api/v2/users"]
    assert await _bodies(stores, "deploy_all", chat) == ["run ./scripts/deploy_all.sh"]
    assert await _bodies(stores, "all", chat) == ["run ./scripts/deploy_all.sh"]
    assert await _bodies(stores, "rc2", chat) == ["build 2025.3.1-rc2"]
    assert await _bodies(stores, "3.1", chat) == ["build 2025.3.1-rc2"]


async def test_case_does_not_matter(world: World, stores: SqlStores, room: Trio) -> None:
    amy, _, chat = room
    await _post(world, chat, amy, "Kubernetes UPGRADE tonight", "Ünïcode Straße ПРИВЕТ")

    assert await _bodies(stores, "kubernetes upgrade", chat) == ["Kubernetes UPGRADE tonight"]
    assert await _bodies(stores, "KUBERNETES", chat) == ["Kubernetes UPGRADE tonight"]
    assert await _bodies(stores, "ünïcode", chat) == ["Ünïcode Straße ПРИВЕТ"]
    assert await _bodies(stores, "привет", chat) == ["Ünïcode Straße ПРИВЕТ"]


async def test_words_inside_text_without_spaces(world: World, stores: SqlStores, room: Trio) -> None:
    amy, _, chat = room
    await _post(world, chat, amy, "我们今天部署了新版本", "明日は東京に行きます", "오늘 배포했습니다")

    assert await _bodies(stores, "部署", chat) == ["我们今天部署了新版本"]
    assert await _bodies(stores, "部署了新", chat) == ["我们今天部署了新版本"]
    assert await _bodies(stores, "東京", chat) == ["明日は東京に行きます"]
    assert await _bodies(stores, "東京に行", chat) == ["明日は東京に行きます"]
    assert await _bodies(stores, "배포", chat) == ["오늘 배포했습니다"]
    assert await _bodies(stores, "大阪", chat) == []


async def test_short_terms(world: World, stores: SqlStores, room: Trio) -> None:
    amy, _, chat = room
    await _post(world, chat, amy, "CI is green", "go team", "x marks the spot", "我")

    assert await _bodies(stores, "ci", chat) == ["CI is green"]
    assert await _bodies(stores, "Go", chat) == ["go team"]
    assert await _bodies(stores, "X", chat) == ["x marks the spot"]
    assert await _bodies(stores, "我", chat) == ["我"]
    assert await _bodies(stores, "qq", chat) == []


async def test_short_terms_fold_case_beyond_ascii(world: World, stores: SqlStores, room: Trio) -> None:
    amy, _, chat = room
    await _post(world, chat, amy, "Éa", "Ωx")

    assert await _bodies(stores, "éA", chat) == ["Éa"]
    assert await _bodies(stores, "ω", chat) == ["Ωx"]


async def test_every_term_must_match(world: World, stores: SqlStores, room: Trio) -> None:
    amy, _, chat = room
    await _post(world, chat, amy, "deploy the api", "deploy the web client", "api docs", "部署 api")

    assert await _bodies(stores, "deploy api", chat) == ["deploy the api"]
    assert await _bodies(stores, "api deploy", chat) == ["deploy the api"]
    assert await _bodies(stores, "  API   the ", chat) == ["deploy the api"]
    assert await _bodies(stores, "api 部署", chat) == ["部署 api"]
    assert await _bodies(stores, "deploy zzz", chat) == []


async def test_results_are_newest_first_and_limited(world: World, stores: SqlStores, room: Trio) -> None:
    amy, _, chat = room
    await _post(world, chat, amy, *(f"note {i}" for i in range(5)))

    assert await _bodies(stores, "note", chat, limit=3) == ["note 4", "note 3", "note 2"]


async def test_only_the_given_conversations_are_searched(world: World, stores: SqlStores, room: Trio) -> None:
    amy, bob, chat = room
    cat = await world.user("cat")
    other = await world.room(bob, cat)
    third = await world.room(amy)
    await _post(world, chat, amy, "secret plan A")
    await _post(world, other, cat, "secret plan B")
    await _post(world, third, amy, "secret plan C")

    assert await _bodies(stores, "secret", chat) == ["secret plan A"]
    assert await _bodies(stores, "secret", chat, third) == ["secret plan C", "secret plan A"]
    assert await _bodies(stores, "se", chat) == ["secret plan A"]
    assert await _bodies(stores, "secret") == []  # no conversation given: nothing, never everything


async def test_filter_by_sender(world: World, stores: SqlStores, room: Trio) -> None:
    amy, bob, chat = room
    await _post(world, chat, amy, "status: green")
    await _post(world, chat, bob, "status: red")

    assert await _bodies(stores, "status", chat, sender_id=bob.id) == ["status: red"]
    assert await _bodies(stores, "status", chat, sender_id=999_999) == []


async def test_filter_by_dates(world: World, stores: SqlStores, room: Trio) -> None:
    amy, _, chat = room
    for n in range(4):
        await world.send(chat, amy, f"report day {n}", now=NOW + timedelta(days=n))
    day = timedelta(days=1)

    assert await _bodies(stores, "report", chat, since=NOW + day) == ["report day 3", "report day 2", "report day 1"]
    assert await _bodies(stores, "report", chat, until=NOW + day) == ["report day 0"]
    assert await _bodies(stores, "report", chat, since=NOW + day, until=NOW + 3 * day) == [
        "report day 2",
        "report day 1",
    ]
    assert await _bodies(stores, "re", chat, since=NOW + 3 * day) == ["report day 3"]


async def test_date_filters_mean_the_same_instant_in_any_time_zone(world: World, stores: SqlStores, room: Trio) -> None:
    amy, _, chat = room
    await world.send(chat, amy, "before noon", now=datetime(2025, 3, 1, 11, 30, tzinfo=UTC))
    await world.send(chat, amy, "after noon", now=datetime(2025, 3, 1, 12, 30, tzinfo=UTC))
    noon_in_paris = datetime(2025, 3, 1, 13, 0, tzinfo=timezone(timedelta(hours=1)))
    noon_naive = datetime(2025, 3, 1, 12, 0)  # no zone given: UTC

    assert await _bodies(stores, "noon", chat, since=noon_in_paris) == ["after noon"]
    assert await _bodies(stores, "noon", chat, until=noon_in_paris) == ["before noon"]
    assert await _bodies(stores, "noon", chat, since=noon_naive) == ["after noon"]


async def test_deleted_messages_are_not_found(world: World, stores: SqlStores, room: Trio) -> None:
    amy, _, chat = room
    await _post(world, chat, amy, "keep this rollout note")
    gone = await world.send(chat, amy, "delete this rollout note")

    await stores.messages.delete(gone.id, actor_id=amy.id, event_id=world.next_id(), now=NOW)

    assert await _bodies(stores, "rollout", chat) == ["keep this rollout note"]
    assert await _bodies(stores, "delete", chat) == []
    assert await _bodies(stores, "de", chat) == []


async def test_edited_messages_are_found_by_their_new_text(world: World, stores: SqlStores, room: Trio) -> None:
    amy, _, chat = room
    message = await world.send(chat, amy, "teh rollback")

    await stores.messages.edit(message.id, "the rollback", (), event_id=world.next_id(), now=NOW)

    assert await _bodies(stores, "the rollback", chat) == ["the rollback"]
    assert await _bodies(stores, "teh", chat) == []


async def test_edits_between_scripts_keep_both_indexes_right(world: World, stores: SqlStores, room: Trio) -> None:
    amy, _, chat = room
    message = await world.send(chat, amy, "明日は東京に行きます")

    await stores.messages.edit(message.id, "going to tokyo", (), event_id=world.next_id(), now=NOW)
    assert await _bodies(stores, "東京", chat) == []
    assert await _bodies(stores, "東京に行", chat) == []
    assert await _bodies(stores, "tokyo", chat) == ["going to tokyo"]

    await stores.messages.edit(message.id, "東京に行きます tomorrow", (), event_id=world.next_id(), now=NOW)
    assert await _bodies(stores, "東京に行", chat) == ["東京に行きます tomorrow"]
    assert await _bodies(stores, "tokyo", chat) == []

    await stores.messages.delete(message.id, actor_id=amy.id, event_id=world.next_id(), now=NOW)
    assert await _bodies(stores, "東京に行", chat) == []
    assert await _bodies(stores, "tomorrow", chat) == []


SPECIAL_BODIES = (
    'say "hello"',
    "it's 100% done",
    "snake_case_name",
    r"C:\path\to",
    "cats AND dogs",
    "NEAR(x y) is fts syntax",
    "wild*card",
    "a-b (c) {d} ^e :f +g ~h",
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('"hello"', ['say "hello"']),
        ('"', ['say "hello"']),
        ("it's", ["it's 100% done"]),
        ("100%", ["it's 100% done"]),
        ("%", ["it's 100% done"]),
        ("e_c", []),  # words in a row, each from its start: "e" starts no word here
        ("snake_ca", ["snake_case_name"]),
        ("_", ["snake_case_name"]),
        ("\\", [r"C:\path\to"]),
        ("\\path\\", [r"C:\path\to"]),
        ("AND", ["cats AND dogs"]),
        ("cats AND", ["cats AND dogs"]),
        ("OR", []),
        ("cats OR dogs", []),
        ("NOT", []),
        ("NEAR(", ["NEAR(x y) is fts syntax"]),
        ("NEAR(x", ["NEAR(x y) is fts syntax"]),
        ("*", ["wild*card"]),
        ("wild*", ["wild*card"]),
        ("d*", ["a-b (c) {d} ^e :f +g ~h", "cats AND dogs", "it's 100% done"]),  # punctuation is no operator
        ("(c)", ["a-b (c) {d} ^e :f +g ~h", "wild*card", "cats AND dogs", r"C:\path\to", "snake_case_name"]),
        ("{d} ^e :f", ["a-b (c) {d} ^e :f +g ~h"]),
        ("+g ~h", ["a-b (c) {d} ^e :f +g ~h"]),
        ("a-b", ["a-b (c) {d} ^e :f +g ~h"]),
        ("'; DROP TABLE messages; --", []),
        ("\x00", []),
        ("deploy\x00", []),
    ],
)
async def test_special_characters_are_plain_text(
    world: World, stores: SqlStores, room: Trio, text: str, expected: list[str]
) -> None:
    amy, _, chat = room
    await _post(world, chat, amy, *SPECIAL_BODIES)

    assert await _bodies(stores, text, chat) == expected


async def test_results_come_page_by_page_older_than_the_last_shown(world: World, stores: SqlStores, room: Trio) -> None:
    amy, _, chat = room
    await _post(world, chat, amy, *(f"standup note {i}" for i in range(5)))
    first = await stores.search.search(SearchQuery("standup", (chat.id,), limit=2))
    second = await stores.search.search(SearchQuery("standup", (chat.id,), limit=2, before_id=first[-1].id))
    third = await stores.search.search(SearchQuery("standup", (chat.id,), limit=2, before_id=second[-1].id))
    assert [m.body for m in first + second + third] == [f"standup note {i}" for i in (4, 3, 2, 1, 0)]
