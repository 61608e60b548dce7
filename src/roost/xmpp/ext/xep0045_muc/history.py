"""History on join, from the core's history of the room (XEP-0045 §7.2.14–15).

Without a <history/> element a joiner gets the last DEFAULT_STANZAS messages. maxstanzas,
maxchars (counted on the stanzas as sent), seconds and since narrow it; the core's page
size caps it. Each message carries <delay/> from the room and its stanza-id.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from roost.model.errors import RoostError
from roost.model.jid import Jid
from roost.model.messages import Message
from roost.xmpp import attachments, payloads
from roost.xmpp.errors import StanzaError
from roost.xmpp.ext import xep0461_replies
from roost.xmpp.ext.xep0045_muc.occupancy import RoomOccupants
from roost.xmpp.ext.xep0045_muc.stanzas import MUC, groupchat, room_jid
from roost.xmpp.xml import serialize

if TYPE_CHECKING:
    from roost.xmpp.session import XmppSession

DEFAULT_STANZAS = 20


@dataclass(frozen=True, slots=True)
class HistoryRequest:
    """What a joiner asked for in <history/>; None is "no limit of this kind"."""

    maxstanzas: int | None = None
    maxchars: int | None = None
    seconds: int | None = None
    since: datetime | None = None

    @classmethod
    def of(cls, x: ET.Element | None) -> HistoryRequest:
        history = x.find(f"{{{MUC}}}history") if x is not None else None
        if history is None:
            return cls()
        return cls(
            maxstanzas=_count(history.get("maxstanzas")),
            maxchars=_count(history.get("maxchars")),
            seconds=_count(history.get("seconds")),
            since=_moment(history.get("since")),
        )

    def cutoff(self, now: datetime) -> datetime | None:
        if self.seconds is not None:
            after = now - timedelta(seconds=self.seconds)
            return max(after, self.since) if self.since else after
        return self.since


def _count(value: str | None) -> int | None:
    if value is None:
        return None
    if not value.isascii() or not value.isdigit() or len(value) > 12:
        raise StanzaError("modify", "bad-request", "History limits are non-negative integers.")
    return int(value)


def _moment(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise StanzaError("modify", "bad-request", "'since' is an XEP-0082 date-time.") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def send_history(session: XmppSession, occupants: RoomOccupants, request: HistoryRequest) -> None:
    limit = min(DEFAULT_STANZAS if request.maxstanzas is None else request.maxstanzas, 200)
    limit = min(limit, session.services.archive.limits.page_max)
    if limit <= 0 or request.maxchars == 0:
        return
    page = await session.services.archive.history(session.user, occupants.conversation_id, limit=limit)
    cutoff = request.cutoff(session.services.clock.now())
    kept = [m for m in page.messages if not m.is_deleted and (cutoff is None or m.created_at >= cutoff)]
    stanzas = [await _delayed(session, occupants, m) for m in kept]
    if request.maxchars is not None:
        stanzas = _within(stanzas, request.maxchars)
    for stanza in stanzas:
        session.send(stanza)


async def _delayed(session: XmppSession, occupants: RoomOccupants, message: Message) -> ET.Element:
    return await quoted_room_message(session, occupants, message, delayed=True)


async def quoted_room_message(
    session: XmppSession, occupants: RoomOccupants, message: Message, *, delayed: bool = False
) -> ET.Element:
    """`room_message` from the sender's nick, and a reply's `<reply/>` and quote (XEP-0461):
    live, in the history on join and in the room's archive alike."""
    nick = await message_nick(session, occupants, message)
    stanza = room_message(session, room_jid(session.domain, occupants.local, nick), message, delayed=delayed)
    await xep0461_replies.decorate(session, stanza, message, _replied_address(session, occupants))
    return stanza


def _replied_address(session: XmppSession, occupants: RoomOccupants) -> xep0461_replies.Addresser:
    """In a room, a reply names the replied person's occupant JID and the room's stanza-id."""

    async def address(replied: Message) -> tuple[str, str]:
        nick = await message_nick(session, occupants, replied)
        return str(room_jid(session.domain, occupants.local, nick)), str(replied.id)

    return address


def room_message(session: XmppSession, sender: Jid, message: Message, *, delayed: bool = False) -> ET.Element:
    """A room's message for this session, from the sender's occupant JID, with what the sender's
    client sent beside the body (OMEMO, markers, …: `payloads`), live, in history or in MAM."""
    if message.is_deleted:
        return groupchat(sender, session.jid, message, payload=[], delayed=delayed)
    payload = payloads.elements(message.extras, max_bytes=session.limits.max_stanza_bytes)
    body, oob = attachments.linked(session, message)  # files shared on the web: links (XEP-0066)
    return groupchat(sender, session.jid, message, payload=payload + oob, delayed=delayed, body=body if oob else None)


def _within(stanzas: list[ET.Element], maxchars: int) -> list[ET.Element]:
    """The newest stanzas whose total size stays within maxchars."""
    total, kept = 0, 0
    for stanza in reversed(stanzas):
        total += len(serialize(stanza).decode())
        if total > maxchars:
            break
        kept += 1
    return stanzas[len(stanzas) - kept :]


async def message_nick(session: XmppSession, occupants: RoomOccupants, message: Message) -> str:
    """The nick a message comes from, live, in history and in MAM alike: the nick it was sent
    under when this process remembers it (XEP-0045 §7.4), else `sender_nick`."""
    return await sender_nick(session, occupants, message.sender_id, sent_under=session.server.rooms.sent_nick(message))


async def sender_nick(
    session: XmppSession, occupants: RoomOccupants, user_id: int, *, sent_under: str | None = None
) -> str:
    """The nick `sent_under` if given and not someone else's now, else the sender's nick in the
    room if joined here, else their username (which no one else may take)."""
    nick = occupants.nick_shown(user_id, sent_under)
    if nick is not None:
        return nick
    hub = session.server.hub
    if user_id not in hub.usernames:
        try:
            hub.remember(await session.services.accounts.get(user_id))
        except RoostError:
            return f"user-{user_id}"
    return hub.usernames[user_id]
