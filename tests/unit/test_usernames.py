"""Usernames: lower-cased XMPP localparts, refused with a code naming the problem."""

from __future__ import annotations

import pytest

from roost.model.errors import BadRequest
from roost.model.users import USERNAME_MAX, normalize_username


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("alice", "alice"),
        ("Alice", "alice"),
        ("  BOB  ", "bob"),
        ("j.doe-2_x", "j.doe-2_x"),
        ("JOSÉ", "josé"),
        ("jose\u0301", "josé"),  # NFC: a combining accent becomes one character
        ("用户", "用户"),
        ("ÐÖÑ", "ðöñ"),
        ("a" * USERNAME_MAX, "a" * USERNAME_MAX),
    ],
)
def test_valid_usernames_are_normalised(raw: str, expected: str) -> None:
    assert normalize_username(raw) == expected


@pytest.mark.parametrize("char", [" ", "@", "/", '"', "&", "'", "<", ">", ":", "\\"])
def test_forbidden_characters(char: str) -> None:
    with pytest.raises(BadRequest) as caught:
        normalize_username(f"ab{char}cd")
    assert caught.value.code == "user.username_char"


@pytest.mark.parametrize("char", ["\x00", "\x07", "\t", "\n", "\x7f", "\u00a0", "\u200b", "\u2028", "\u3000"])
def test_control_and_space_characters(char: str) -> None:
    with pytest.raises(BadRequest) as caught:
        normalize_username(f"ab{char}cd")
    assert caught.value.code == "user.username_char"


@pytest.mark.parametrize("raw", ["", "   ", "\t\n"])
def test_empty(raw: str) -> None:
    with pytest.raises(BadRequest) as caught:
        normalize_username(raw)
    assert caught.value.code == "user.username_empty"


def test_too_long() -> None:
    with pytest.raises(BadRequest) as caught:
        normalize_username("a" * (USERNAME_MAX + 1))
    assert caught.value.code == "user.username_long"
