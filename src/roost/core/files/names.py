"""File names and types as clients give them: display-only, never used on disk."""

from __future__ import annotations

import re
import unicodedata

NAME_MAX = 255
DEFAULT_NAME = "file"
OCTET_STREAM = "application/octet-stream"
_MIME = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]{0,63}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}")
# Bidirectional overrides and isolates turn "txt.exe" into something that reads "exe.txt".
_BIDI_CONTROLS = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")


def _is_shown(char: str) -> bool:
    return char not in _BIDI_CONTROLS and unicodedata.category(char) not in ("Cc", "Cf", "Cs", "Co", "Cn")


def clean_name(name: str) -> str:
    """A safe display name: the last path component, no control or direction characters, ≤ 255 chars.

    `../../etc/passwd` becomes `passwd`; an empty or all-dots name becomes `file`. The
    stored name is shown to people and put in Content-Disposition; it never names a file
    on disk.
    """
    name = unicodedata.normalize("NFC", name)
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(char if _is_shown(char) else "" for char in name)
    name = " ".join(name.split()).strip(" .")
    if not name:
        return DEFAULT_NAME
    if len(name) <= NAME_MAX:
        return name
    stem, dot, extension = name.rpartition(".")
    if dot and 0 < len(extension) <= 16:
        return stem[: NAME_MAX - len(extension) - 1] + "." + extension
    return name[:NAME_MAX]


def clean_content_type(content_type: str | None) -> str:
    """`type/subtype` in lower case without parameters, or application/octet-stream."""
    if not content_type:
        return OCTET_STREAM
    bare = content_type.split(";", 1)[0].strip().lower()
    return bare if _MIME.fullmatch(bare) else OCTET_STREAM
