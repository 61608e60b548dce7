"""Finding @mentions in message bodies."""

from __future__ import annotations

import pytest

from roost.core.archive.mentions import MENTIONS_MAX, mentioned_usernames


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("@alice hi", ["alice"]),
        ("hi @Alice and @BOB", ["alice", "bob"]),
        ("@alice, @bob. @carol! @dave? @erin; @frank:", ["alice", "bob", "carol", "dave", "erin", "frank"]),
        ("(@alice) [@bob] {@carol}", ["alice", "bob", "carol"]),
        ("@alice's idea", ["alice"]),
        ('"@alice"', ["alice"]),
        ("line one\n@alice", ["alice"]),
        ("@josé and @用户", ["josé", "用户"]),
        ("@j.doe-2_x wrote", ["j.doe-2_x"]),
        ("thanks @j.doe.", ["j.doe"]),
        ("@alice... ok", ["alice"]),
        ("@alice @alice @ALICE", ["alice"]),
        ("mail bob@example.com", []),
        ("foo@bar", []),
        ("@@alice", []),
        ("@ alone", []),
        ("@", []),
        ("no mentions here", []),
    ],
)
def test_mentioned_usernames(body: str, expected: list[str]) -> None:
    assert mentioned_usernames(body) == expected


def test_at_most_fifty_different_names() -> None:
    body = " ".join(f"@user{i}" for i in range(MENTIONS_MAX + 10))
    names = mentioned_usernames(body)
    assert names == [f"user{i}" for i in range(MENTIONS_MAX)]
