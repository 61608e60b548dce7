"""XEP-0461: Message Replies, with XEP-0428 fallback bodies, over the core's replies (`reply_to`).

A message with `<reply id=…/>` is stored as a reply to the message the id names (as for
XEP-0308: the id it was sent or shown with; in a room also the room's stanza-id); the
part of the body a `<fallback for='urn:xmpp:reply:0'>` marks (the quote for clients
without replies) is cut off first. An unknown id stores a plain message, as the XEP asks.
A reply made anywhere reaches XMPP clients with `<reply to=… id=…/>` (in a room, `to` is
the replied person's occupant JID and `id` the room's stanza-id) and a one-line quote of
the replied message marked as fallback.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Awaitable, Callable

from roost.model.errors import NotFound, RoostError
from roost.model.messages import Message
from roost.xmpp.ext import Extension, StreamContext

NS = "urn:xmpp:reply:0"
FALLBACK = "urn:xmpp:fallback:0"
CLIENT = "jabber:client"
QUOTE_MAX = 100  # characters of the replied message quoted in the fallback
ext = Extension(name="replies", xep=461, version="0.2.0", title="Message Replies", features=[NS, FALLBACK])
Addresser = Callable[[Message], Awaitable[tuple[str, str]]]  # replied message -> (reply's to, reply's id)


def is_reply(stanza: ET.Element) -> bool:
    """The message replies to another (`incoming` finds which)."""
    return stanza.find(f"{{{NS}}}reply") is not None


async def incoming(
    stream: StreamContext, stanza: ET.Element, conversation_id: int, body: str, *, encrypted: bool = False
) -> tuple[str, int | None]:
    """The body without its reply fallback, and the id of the message it replies to (if any).
    An `encrypted` message's fallback marks its decrypted text: its body stays as it is."""
    reply = stanza.find(f"{{{NS}}}reply")
    if reply is None or not stream.registry.has(ext.name):
        return body, None
    if not encrypted:
        body = strip_fallback(stanza, body) or body
    target = reply.get("id")
    if not target:
        return body, None
    try:
        replied = await stream.services.archive_queries.find(stream.user, conversation_id, target)
    except NotFound:
        return body, None
    return body, replied.id


def strip_fallback(stanza: ET.Element, body: str) -> str:
    """`body` without the ranges (in code points) that XEP-0428 marks as the reply's fallback."""
    cuts: list[tuple[int, int]] = []
    for fallback in stanza.findall(f"{{{FALLBACK}}}fallback"):
        if fallback.get("for") != NS:
            continue
        parts = fallback.findall(f"{{{FALLBACK}}}body")
        if not parts:
            return ""  # the whole body is fallback
        cuts.extend(_range(part, len(body)) for part in parts)
    for start, end in sorted(cuts, reverse=True):
        body = body[:start] + body[end:]
    return body.strip()


def _range(part: ET.Element, length: int) -> tuple[int, int]:
    try:
        start, end = int(part.get("start", "0")), int(part.get("end", str(length)))
    except ValueError:
        return 0, 0
    return (start, end) if 0 <= start <= end <= length else (0, 0)


def quotes(stream: StreamContext, message: Message) -> bool:
    """Whether `decorate` has something to add to this message's stanza (a lookup). Not for
    encrypted content: its client's own <reply/> and quote travel in its payload."""
    return (
        message.reply_to is not None
        and message.encryption is None
        and not message.is_deleted
        and stream.registry.has(ext.name)
    )


async def decorate(stream: StreamContext, stanza: ET.Element, message: Message, address: Addresser) -> None:
    """Add `<reply/>` and a quoted fallback to the stanza of a message that replies to another."""
    if message.reply_to is None or not quotes(stream, message):
        return
    try:
        replied = await stream.services.archive.get(stream.user, message.reply_to)
    except RoostError:
        return
    to, target = await address(replied)
    ET.SubElement(stanza, f"{{{NS}}}reply", {"to": to, "id": target})
    body = stanza.find(f"{{{CLIENT}}}body")
    if body is None or replied.is_deleted:
        return
    first_line = replied.body.strip().split("\n", 1)[0]
    quote = "> " + (first_line[:QUOTE_MAX] + "…" if len(first_line) > QUOTE_MAX else first_line) + "\n"
    body.text = quote + (body.text or "")
    fallback = ET.SubElement(stanza, f"{{{FALLBACK}}}fallback", {"for": NS})
    ET.SubElement(fallback, f"{{{FALLBACK}}}body", {"start": "0", "end": str(len(quote))})
