"""Room addresses and the presence and message elements a room sends (XEP-0045 §7, §9)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime

from roost.model.conversations import Conversation, Role
from roost.model.jid import Jid
from roost.model.messages import Message
from roost.model.presence import Presence, Show

CLIENT = "jabber:client"
MUC = "http://jabber.org/protocol/muc"
MUC_USER = f"{MUC}#user"
SID = "urn:xmpp:sid:0"
DELAY = "urn:xmpp:delay"
PREFIX = "conference."

AFFILIATION = {Role.OWNER: "owner", Role.ADMIN: "admin", Role.MEMBER: "member"}
OCCUPANT_ROLE = {Role.OWNER: "moderator", Role.ADMIN: "moderator", Role.MEMBER: "participant"}


def service_domain(domain: str) -> str:
    return PREFIX + domain


def room_jid(domain: str, local: str, nick: str = "") -> Jid:
    """A room's address (or an occupant's, with a nick) on conference.<domain>."""
    return Jid(local, service_domain(domain), nick)


def room_local(conversation: Conversation) -> str:
    """A room JID's localpart: the room's address if it has one, else its core id in decimal."""
    return conversation.address or str(conversation.id)


def id_of(local: str) -> int | None:
    """The core room id a localpart spells, or None if it is not one."""
    if not local.isascii() or not local.isdigit() or len(local) > 19 or local.startswith("0"):
        return None
    value = int(local)
    return value if value < 2**63 else None


def occupant_presence(
    room: Jid,
    to: Jid,
    *,
    role: Role | None,
    real_jid: str,
    presence: Presence | None = None,
    codes: tuple[int, ...] = (),
    affiliation: Role | None = None,
) -> ET.Element:
    """`<presence from='room/nick'>` with the occupant's item; role None: it left (unavailable).

    The item's affiliation is the occupant's core role; one who left keeps `affiliation`
    (XEP-0045 §7.14: leaving ends the role, not the membership), None when it ended too."""
    stanza = ET.Element(f"{{{CLIENT}}}presence", {"from": str(room), "to": str(to)})
    if role is None:
        stanza.set("type", "unavailable")
    elif presence is not None and presence.show not in (Show.AVAILABLE, Show.UNAVAILABLE):
        ET.SubElement(stanza, f"{{{CLIENT}}}show").text = presence.show.value
    if role is not None and presence is not None and presence.status:
        ET.SubElement(stanza, f"{{{CLIENT}}}status").text = presence.status
    x = ET.SubElement(stanza, f"{{{MUC_USER}}}x")
    held = role if role is not None else affiliation
    item = {
        "affiliation": AFFILIATION[held] if held is not None else "none",
        "role": OCCUPANT_ROLE[role] if role else "none",
        "jid": real_jid,
    }
    ET.SubElement(x, f"{{{MUC_USER}}}item", item)
    for code in codes:
        ET.SubElement(x, f"{{{MUC_USER}}}status", {"code": str(code)})
    return stanza


def groupchat(
    room: Jid,
    to: Jid,
    message: Message,
    *,
    payload: list[ET.Element] | None = None,
    delayed: bool = False,
    body: str | None = None,
) -> ET.Element:
    """A room message; history (delayed) carries <delay/> stamped with its original time.

    `payload` is what the sender's client sent beside the body (`payloads.elements` of the
    message's extras: OMEMO, markers, …); an encrypted message without a body gets none.
    `body`, if given, is written instead of the message's (its text with its files' links)."""
    stanza = ET.Element(
        f"{{{CLIENT}}}message",
        {"type": "groupchat", "from": str(room), "to": str(to), "id": message.reference},
    )
    if body is not None or message.body or message.encryption is None:
        ET.SubElement(stanza, f"{{{CLIENT}}}body").text = message.body if body is None else body
    if payload:
        stanza.extend(payload)
    ET.SubElement(stanza, f"{{{SID}}}stanza-id", {"id": str(message.id), "by": str(room.bare)})
    if delayed:
        ET.SubElement(stanza, f"{{{DELAY}}}delay", {"from": str(room.bare), "stamp": stamp(message.created_at)})
    return stanza


def subject(room: Jid, to: Jid, topic: str) -> ET.Element:
    """The room's subject (sent last on join, and on every change); empty when there is none."""
    stanza = ET.Element(f"{{{CLIENT}}}message", {"type": "groupchat", "from": str(room), "to": str(to)})
    ET.SubElement(stanza, f"{{{CLIENT}}}subject").text = topic or None
    return stanza


def stamp(moment: datetime) -> str:
    """XEP-0082 date-time in UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
