"""Signed capability links of sent files: a token names its file, and only the key makes one."""

from __future__ import annotations

import pytest

from roost.core.files.links import FileLinks


def test_a_token_names_its_file_and_forgeries_name_none() -> None:
    links, other = FileLinks(), FileLinks()
    links.load(b"k" * 32)
    other.load(b"x" * 32)
    token = links.token(382657174599368704)
    assert links.file_id(token) == 382657174599368704
    assert other.file_id(token) is None  # another server's key
    assert links.file_id(token[:-1] + ("5" if token[-1] != "5" else "6")) is None  # another id, same signature
    assert links.file_id("f" + "A" * 32 + "1") is None
    assert links.file_id("a-random-xep0363-token-of-43-characters-xxx") is None  # not this kind: None


def test_no_token_before_the_key_is_loaded() -> None:
    with pytest.raises(RuntimeError):
        FileLinks().token(1)
    assert FileLinks().file_id("f" + "A" * 32 + "1") is None
