"""Byte ranges and download headers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from roost.api.file_responses import (
    ByteRange,
    RangeNotSatisfiable,
    content_disposition,
    file_headers,
    parse_range,
)
from roost.model.files import BlobInfo, StoredFile


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("bytes=0-9", ByteRange(0, 10)),
        ("bytes=5-", ByteRange(5, 100)),
        ("bytes=-10", ByteRange(90, 100)),
        ("bytes=-1000", ByteRange(0, 100)),
        ("bytes=90-1000", ByteRange(90, 100)),
        ("bytes=0-1,5-6", None),
        ("items=0-1", None),
        ("bytes=9-3", None),
        ("bytes=-", None),
    ],
)
def test_parse_range(header: str | None, expected: ByteRange | None) -> None:
    assert parse_range(header, 100) == expected


@pytest.mark.parametrize("header", ["bytes=100-", "bytes=200-300", "bytes=-0"])
def test_unsatisfiable_ranges(header: str) -> None:
    with pytest.raises(RangeNotSatisfiable):
        parse_range(header, 100)


def test_content_disposition_quotes_every_name() -> None:
    value = content_disposition('a"b\\c;d%e é.txt', inline=False)
    assert value == "attachment; filename=\"a_b_c;d_e _.txt\"; filename*=UTF-8''a%22b%5Cc%3Bd%25e%20%C3%A9.txt"


def _file(content_type: str) -> StoredFile:
    now = datetime(2025, 1, 1, tzinfo=UTC)
    return StoredFile(1, BlobInfo("0" * 64, 5), "x", content_type, 1, 2, 3, now)


@pytest.mark.parametrize(
    ("content_type", "served", "inline"),
    [
        ("image/png", "image/png", True),
        ("video/mp4", "video/mp4", True),
        ("image/svg+xml", "application/octet-stream", False),
        ("text/html", "application/octet-stream", False),
        ("application/xhtml+xml", "application/octet-stream", False),
        ("application/pdf", "application/pdf", False),
        ("text/plain", "text/plain", False),
    ],
)
def test_only_safe_types_are_inline(content_type: str, served: str, inline: bool) -> None:
    headers = file_headers(_file(content_type))
    assert headers["content-type"] == served
    assert headers["content-disposition"].startswith("inline" if inline else "attachment")
    assert "sandbox" in headers["content-security-policy"]
