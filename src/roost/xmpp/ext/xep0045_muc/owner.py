"""Room configuration and destruction (XEP-0045 `muc#owner`, §10.1–§10.2, §10.9) over the core room.

- Get: a `muc#roomconfig` form with the room's name (`muc#roomconfig_roomname`), its topic
  (`muc#roomconfig_roomdesc`: the room's topic is its description and its subject),
  `muc#roomconfig_membersonly` (invite-only in the core) and `muc#roomconfig_publicroom` (open),
  and `muc#roomconfig_persistentroom` (always on).
- Set: a submitted form changes those in the core (other fields are ignored, as are fields
  left out); an empty or cancelled form accepts the room as it is (instant room, §10.1.2).
- Destroy: the room is archived in the core (the web can unarchive it; its history stays);
  every stream joined here gets unavailable presence with `<destroy/>` (and the reason).
Owners and admins of the core room only, as the core allows (`forbidden` otherwise).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING

from roost.model.conversations import Conversation, Role, Visibility
from roost.model.jid import Jid
from roost.xmpp.errors import StanzaError
from roost.xmpp.ext import IqRequest
from roost.xmpp.ext.xep0045_muc.rooms import find_room
from roost.xmpp.ext.xep0045_muc.stanzas import CLIENT, MUC, MUC_USER, room_jid

if TYPE_CHECKING:
    from roost.xmpp.session import XmppSession

OWNER = f"{MUC}#owner"
DATA = "jabber:x:data"
CONFIG = f"{MUC}#roomconfig"
TRUE = ("1", "true")


async def on_owner(session: XmppSession, request: IqRequest, to: Jid, kind: str) -> None:
    room = await find_room(session, to.local)
    if room is None:
        raise StanzaError("cancel", "item-not-found", "No such room.")
    await _require_admin(session, room)
    destroy = request.payload.find(f"{{{OWNER}}}destroy")
    if kind == "get":
        request.result(_form(room))
    elif destroy is not None:
        await _destroy(session, room, destroy)
        request.result()
    else:
        await _configure(session, room, request.payload.find(f"{{{DATA}}}x"))
        request.result()


async def _require_admin(session: XmppSession, room: Conversation) -> None:
    members = await session.services.conversations.members(session.user, room.id)
    me = next((m for m in members if m.user_id == session.user_id), None)
    if me is None or me.role.rank < Role.ADMIN.rank:
        raise StanzaError("auth", "forbidden", "Only the room's owners configure it.")


def _form(room: Conversation) -> ET.Element:
    query = ET.Element(f"{{{OWNER}}}query")
    form = ET.SubElement(query, f"{{{DATA}}}x", {"type": "form"})
    ET.SubElement(form, f"{{{DATA}}}title").text = f"Configuration of {room.name}"
    invite = room.visibility is Visibility.INVITE
    for var, kind, value in (
        ("FORM_TYPE", "hidden", CONFIG),
        ("muc#roomconfig_roomname", "text-single", room.name),
        ("muc#roomconfig_roomdesc", "text-single", room.topic),
        ("muc#roomconfig_membersonly", "boolean", "1" if invite else "0"),
        ("muc#roomconfig_publicroom", "boolean", "0" if invite else "1"),
        ("muc#roomconfig_persistentroom", "boolean", "1"),
    ):
        field = ET.SubElement(form, f"{{{DATA}}}field", {"var": var, "type": kind})
        ET.SubElement(field, f"{{{DATA}}}value").text = value
    return query


async def _configure(session: XmppSession, room: Conversation, form: ET.Element | None) -> None:
    if form is None or form.get("type") not in ("submit", "cancel"):
        raise StanzaError("modify", "bad-request", "Submit the room configuration form.")
    if form.get("type") == "cancel":
        return
    values = {f.get("var", ""): f.findtext(f"{{{DATA}}}value") or "" for f in form.findall(f"{{{DATA}}}field")}
    if values.get("FORM_TYPE", CONFIG) != CONFIG:
        raise StanzaError("modify", "bad-request", "The form type is not muc#roomconfig.")
    changes: dict[str, str] = {}
    if "muc#roomconfig_roomname" in values:
        changes["name"] = values["muc#roomconfig_roomname"]
    if "muc#roomconfig_roomdesc" in values:
        changes["topic"] = values["muc#roomconfig_roomdesc"]
    if "muc#roomconfig_membersonly" in values:
        invite = values["muc#roomconfig_membersonly"] in TRUE
        changes["visibility"] = (Visibility.INVITE if invite else Visibility.OPEN).value
    elif "muc#roomconfig_publicroom" in values:
        public = values["muc#roomconfig_publicroom"] in TRUE
        changes["visibility"] = (Visibility.OPEN if public else Visibility.INVITE).value
    if changes:
        await session.services.conversations.update(session.user, room.id, **changes)


async def _destroy(session: XmppSession, room: Conversation, destroy: ET.Element) -> None:
    await session.services.conversations.update(session.user, room.id, is_archived=True)
    occupants = session.server.rooms.room(room.id)
    if occupants is None:
        return
    for occupant in list(occupants.by_nick.values()):
        for target in list(occupant.sessions.values()):
            origin = room_jid(session.domain, occupants.local, occupant.nick)
            stanza = ET.Element(f"{{{CLIENT}}}presence", {"from": str(origin), "to": str(target.jid)})
            stanza.set("type", "unavailable")
            x = ET.SubElement(stanza, f"{{{MUC_USER}}}x")
            ET.SubElement(x, f"{{{MUC_USER}}}item", {"affiliation": "none", "role": "none"})
            gone = ET.SubElement(x, f"{{{MUC_USER}}}destroy")
            if destroy.get("jid"):
                gone.set("jid", destroy.get("jid", ""))
            if destroy.findtext(f"{{{OWNER}}}reason"):
                ET.SubElement(gone, f"{{{MUC_USER}}}reason").text = destroy.findtext(f"{{{OWNER}}}reason")
            target.send(stanza)
            session.server.rooms.remove(room.id, target)
