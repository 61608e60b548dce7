"""Affiliation lists and kicks (XEP-0045 `muc#admin`, §9 and §10), mapped onto the core room's roles.

- Get (`<item affiliation='owner|admin|member|outcast'/>`): the core room's people with that
  role, each with their bare JID and, when joined here, their nick. There are no bans in the
  core: the outcast list is always empty. Room admins and owners only (`forbidden`).
- Set, per item (by `jid`, or `nick` of an occupant): `owner`, `admin`, `member` give the core
  role (someone not yet a member is added first, as an invitation); `none` and `outcast`
  remove them from the core room (an outcast may join an open room again: the core has no
  bans); `role='none'` (a kick) removes the occupant from the core room too. The occupant's
  streams get unavailable presence with status 321. The core's rules decide: room admins
  may do this, never above their own role (`forbidden`), and the last owner stays
  (`conflict`). Other roles (voice, moderator) are `feature-not-implemented`.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING

from roost.model.conversations import Conversation, Role
from roost.model.errors import BadRequest, NotFound
from roost.model.jid import Jid
from roost.xmpp.errors import StanzaError
from roost.xmpp.ext import IqRequest
from roost.xmpp.ext.xep0045_muc.rooms import find_room
from roost.xmpp.ext.xep0045_muc.stanzas import MUC

if TYPE_CHECKING:
    from roost.xmpp.session import XmppSession

ADMIN = f"{MUC}#admin"
ROLES = {"owner": Role.OWNER, "admin": Role.ADMIN, "member": Role.MEMBER}
REMOVING = ("none", "outcast")


async def on_admin(session: XmppSession, request: IqRequest, to: Jid, kind: str) -> None:
    room = await find_room(session, to.local)
    if room is None:
        raise StanzaError("cancel", "item-not-found", "No such room.")
    items = request.payload.findall(f"{{{ADMIN}}}item")
    if not items:
        raise StanzaError("modify", "bad-request", "Name an affiliation or a role.")
    if kind == "get":
        await _list(session, request, room, items[0])
        return
    for item in items:
        await _change(session, room, item)
    request.result()


async def _list(session: XmppSession, request: IqRequest, room: Conversation, wanted: ET.Element) -> None:
    affiliation = wanted.get("affiliation")
    if affiliation not in (*ROLES, "outcast"):
        raise StanzaError("cancel", "feature-not-implemented", "Lists are by affiliation.")
    members = await session.services.conversations.members(session.user, room.id)
    me = next((m for m in members if m.user_id == session.user_id), None)
    if me is None or me.role.rank < Role.ADMIN.rank:
        raise StanzaError("auth", "forbidden", "Only the room's admins and owners read its lists.")
    query = ET.Element(f"{{{ADMIN}}}query")
    occupants = session.server.rooms.room(room.id)
    for member in members:
        if affiliation in ROLES and member.role is ROLES[affiliation]:
            user = await session.services.accounts.get(member.user_id)
            attrs = {"affiliation": affiliation, "jid": f"{user.username}@{session.domain}"}
            nick = occupants.nick_of_user(member.user_id) if occupants else None
            if nick:
                attrs["nick"] = nick
            ET.SubElement(query, f"{{{ADMIN}}}item", attrs)
    request.result(query)


async def _change(session: XmppSession, room: Conversation, item: ET.Element) -> None:
    target = await _target(session, room, item)
    conversations = session.services.conversations
    affiliation, role = item.get("affiliation"), item.get("role")
    try:
        if affiliation in ROLES:
            if not await conversations.is_member(target, room.id):
                await conversations.invite(session.user, room.id, [target])
            await conversations.set_role(session.user, room.id, target, ROLES[affiliation])
        elif affiliation in REMOVING or (affiliation is None and role == "none"):
            await conversations.remove(session.user, room.id, target)
        else:
            raise StanzaError("cancel", "feature-not-implemented", "Only affiliations and kicks are supported.")
    except NotFound:
        raise StanzaError("cancel", "item-not-found", "That person is not in this room.") from None
    except BadRequest as error:
        if error.code == "room.last_owner":
            raise StanzaError("cancel", "conflict", error.message) from None
        raise


async def _target(session: XmppSession, room: Conversation, item: ET.Element) -> int:
    """The user an item names: by `jid` (a colleague), else by the `nick` of an occupant."""
    if item.get("jid"):
        try:
            jid = Jid.parse(item.get("jid", ""))
            if jid.domain != session.domain or not jid.local:
                raise NotFound("user.not_found", "Not an account here.")
            return (await session.services.accounts.lookup(jid.local)).id
        except (BadRequest, NotFound):
            raise StanzaError("cancel", "item-not-found", "No such person here.") from None
    occupants = session.server.rooms.room(room.id)
    occupant = occupants.by_nick.get(item.get("nick", "")) if occupants else None
    if occupant is None:
        raise StanzaError("cancel", "item-not-found", "No occupant has that nick.")
    return occupant.user_id
