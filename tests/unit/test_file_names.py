"""Display names and content types from clients."""

from __future__ import annotations

import pytest

from roost.core.files.names import clean_content_type, clean_name


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("report.pdf", "report.pdf"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Windows\\system.ini", "system.ini"),
        ("a\x00b\x1fc", "abc"),
        ("photo\u202egnp.exe", "photognp.exe"),
        ("\u2066x\u2069.txt", "x.txt"),
        ("  spaced   out  ", "spaced out"),
        ("...", "file"),
        ("", "file"),
        ("Café.txt", "Café.txt"),
        ("e\u0301.txt", "\u00e9.txt"),
        ("日本語のファイル.docx", "日本語のファイル.docx"),
    ],
)
def test_clean_name(given: str, expected: str) -> None:
    assert clean_name(given) == expected


def test_long_names_keep_their_extension() -> None:
    assert clean_name("a" * 1000 + ".tar") == "a" * 251 + ".tar"
    assert len(clean_name("b" * 1000)) == 255


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("image/PNG", "image/png"),
        ("text/plain; charset=utf-8", "text/plain"),
        ("", "application/octet-stream"),
        (None, "application/octet-stream"),
        ("text/html\r\nX-Evil: 1", "application/octet-stream"),
        ("nonsense", "application/octet-stream"),
        (
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
    ],
)
def test_clean_content_type(given: str | None, expected: str) -> None:
    assert clean_content_type(given) == expected
