"""Finding @mentions in a message body."""

from __future__ import annotations

import re

# A dot may be inside a username ("@j.doe") but ends the sentence after one ("@alice.").
_NAME_CHAR = r"[^\s@/\"&'<>:,.;!?()\[\]{}]"
MENTION = re.compile(rf"(?<![\w@])@({_NAME_CHAR}+(?:\.{_NAME_CHAR}+)*)")
MENTIONS_MAX = 50


def mentioned_usernames(body: str) -> list[str]:
    """Lower-cased usernames written as @name, in order, each once."""
    names = dict.fromkeys(match.group(1).lower() for match in MENTION.finditer(body))
    return list(names)[:MENTIONS_MAX]
