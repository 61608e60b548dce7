"""RFC 6121 §2: Roster management. The organisation's directory is everyone's roster (shared roster).

- Roster get: the shared roster plus hand-made items, each with its subscription state and
  groups, and a version (`ver`, §2.6). A get with the current version is answered with an
  empty result; the stream features offer `<ver xmlns='urn:xmpp:features:rosterver'/>`.
- Roster set (§2.3): one item per set; adds or changes an item's name and groups, or removes it
  (`subscription='remove'`, which cancels the subscriptions both ways). The rules are the
  core's (`core/directory/roster.py`): a colleague of the shared roster may be renamed and
  regrouped but not removed (`not-allowed`), nor may one's own JID be added.
- Roster pushes (§2.1.6) go to every resource of the owner that asked for the roster: for
  a changed item, and for a colleague whose account was created, renamed, disabled,
  enabled or deleted, or whose directory groups changed (the shared roster follows the
  directory while the client is connected, changes from the admin CLI included).
  Such a colleague's push carries a version no roster has (`colleague-…`): the client's
  next roster get with it is answered with the whole roster, whose version it then keeps.
"""

from __future__ import annotations

import asyncio
import secrets
import xml.etree.ElementTree as ET
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from roost.core.directory.service import DirectoryService, RosterItems
from roost.core.events import ContactChanged, UserChanged
from roost.model.directory import Contact, Subscription
from roost.model.errors import BadRequest, Forbidden
from roost.model.jid import Jid
from roost.xmpp.errors import StanzaError
from roost.xmpp.ext import Extension, IqRequest

if TYPE_CHECKING:
    from roost.xmpp.context import XmppServer
    from roost.xmpp.session import XmppSession

NS = "jabber:iq:roster"
VERSIONING = "urn:xmpp:features:rosterver"
CLIENT = "jabber:client"
NOT_ALLOWED = ("roster.self", "roster.shared")  # core refusals that RFC 6121 §2.3.3 calls not-allowed
ext = Extension(name="roster", title="Roster (RFC 6121)")


def contact_jid(contact: str, domain: str) -> str:
    """Roster items name colleagues by username, other addresses in full."""
    return contact if "@" in contact else f"{contact}@{domain}"


def contact_key(jid: Jid, domain: str) -> str:
    """The core's name for an address: the username of an account here, else the bare JID."""
    return jid.local if jid.domain == domain and jid.local else str(jid.bare)


def item_element(contact: Contact, domain: str, *, removed: bool = False) -> ET.Element:
    attrs = {"jid": contact_jid(contact.contact, domain), "subscription": "remove" if removed else ""}
    if not removed:
        attrs["subscription"] = contact.subscription.value
        if contact.name:
            attrs["name"] = contact.name
        if contact.ask:
            attrs["ask"] = "subscribe"
    item = ET.Element(f"{{{NS}}}item", attrs)
    for group in () if removed else contact.groups:
        ET.SubElement(item, f"{{{NS}}}group").text = group
    return item


@ext.stream_feature
def offer(_server: XmppServer) -> ET.Element:
    return ET.Element(f"{{{VERSIONING}}}ver")


@ext.iq_get(NS, "query", for_accounts=True)
async def on_roster_get(request: IqRequest) -> None:
    _check_own(request)
    request.stream.roster_requested = True
    contacts, version = await request.services.roster.items(request.user)
    if request.payload.get("ver") == version:
        request.result()  # unchanged: the client's copy is current (§2.6.3)
        return
    query = ET.Element(f"{{{NS}}}query", {"ver": version})
    query.extend(item_element(contact, request.stream.domain) for contact in contacts)
    request.result(query)


@ext.iq_set(NS, "query", for_accounts=True)
async def on_roster_set(request: IqRequest) -> None:
    _check_own(request)
    item = _one_item(request.payload)
    jid = _item_jid(item)
    key = contact_key(jid, request.stream.domain)
    roster = request.services.roster
    try:
        if item.get("subscription") == "remove":
            await roster.remove_item(request.user, key)
        else:
            await roster.set_item(request.user, key, item.get("name", ""), _groups(item))
    except Forbidden as refused:
        if refused.code in NOT_ALLOWED:
            raise StanzaError("cancel", "not-allowed", refused.message) from None
        raise
    request.result()


def _check_own(request: IqRequest) -> None:
    """Only the user may read or change their roster (§2.1.5, §2.3.3 forbidden)."""
    to = request.iq.get("to")
    if to is not None and Jid.parse(to).local not in ("", request.user.username):
        raise StanzaError("auth", "forbidden", "A roster is its owner's only.")


def _one_item(query: ET.Element) -> ET.Element:
    items = query.findall(f"{{{NS}}}item")
    if len(items) != 1:
        raise StanzaError("modify", "bad-request", "A roster set has exactly one item.")
    return items[0]


def _item_jid(item: ET.Element) -> Jid:
    try:
        jid = Jid.parse(item.get("jid", ""))
    except BadRequest:
        raise StanzaError("modify", "jid-malformed") from None
    if jid.resource:
        raise StanzaError("modify", "bad-request", "A roster item is a bare JID.")
    return jid


def _groups(item: ET.Element) -> tuple[str, ...]:
    groups = [group.text or "" for group in item.findall(f"{{{NS}}}group")]
    if any(not group.strip() for group in groups):
        raise StanzaError("modify", "not-acceptable", "A group has a name.")
    if len(set(groups)) != len(groups):
        raise StanzaError("modify", "bad-request", "A group is named twice.")
    return tuple(groups)


def roster_push(event: ContactChanged, session: XmppSession) -> list[ET.Element]:
    """The roster push of a changed item, for a resource that asked for the roster (§2.1.6)."""
    if not session.roster_requested:
        return []
    return [_push(session, item_element(event.contact, session.domain, removed=event.removed), event.version)]


ROSTER_CHANGES = ("created", "renamed", "disabled", "enabled", "deleted", "groups")  # what a colleague's item shows


EVENTS_REMEMBERED = 256  # recent changes whose roster items are kept for the streams still pushing them


@dataclass
class _ItemsOfEvent:
    """Each change's roster items, read once for all the streams that push it (a group of
    M people deleted with S streams online: M reads, not M×S); streams that render the same
    change at once await the same read."""

    # By the event's identity: two changes of the same person can be equal (their groups
    # changed twice) and still have different items. The event is kept with its read.
    reads: OrderedDict[int, tuple[UserChanged, asyncio.Task[RosterItems]]] = field(default_factory=OrderedDict)

    def of(self, event: UserChanged, directory: DirectoryService) -> asyncio.Task[RosterItems]:
        found = self.reads.get(id(event))
        if found is not None and found[0] is event and not (found[1].done() and found[1].exception()):
            return found[1]
        read = asyncio.get_running_loop().create_task(directory.roster_items(event.user))
        self.reads[id(event)] = (event, read)
        while len(self.reads) > EVENTS_REMEMBERED:
            self.reads.popitem(last=False)
        return read


async def colleague_changed(event: UserChanged, session: XmppSession) -> list[ET.Element]:
    """A colleague's account came, went or was renamed: their item, or its removal, pushed
    (with the shared roster: without it, the directory is not the roster)."""
    directory = session.services.directory
    if not directory.shared_roster or event.change not in ROSTER_CHANGES:
        return []
    if not session.roster_requested or event.user.id == session.user_id:
        return []
    items = await asyncio.shield(session.server.state(_ItemsOfEvent).of(event, directory))
    contact = items.item_for(session.user)
    if contact is None:
        gone = Contact(session.user_id, event.user.username, "", Subscription.NONE, False, (), True)
        item = item_element(gone, session.domain, removed=True)
    else:
        item = item_element(contact, session.domain)
    return [_push(session, item, f"colleague-{secrets.token_hex(6)}")]


def _push(session: XmppSession, item: ET.Element, version: str) -> ET.Element:
    iq = ET.Element(f"{{{CLIENT}}}iq", {"type": "set", "id": f"push-{secrets.token_hex(6)}", "to": str(session.jid)})
    ET.SubElement(iq, f"{{{NS}}}query", {"ver": version}).append(item)
    return iq
