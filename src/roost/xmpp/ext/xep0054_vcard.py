"""XEP-0054: vcard-temp. A person's vCard is their profile in the organisation's directory.

FN is the display name, TITLE the job title, ORG/ORGUNIT the department (ORGNAME is the
domain), JABBERID the address. Anyone may get a colleague's vCard (the directory is
shared); a person sets their own, which changes their profile for the web client too.
PHOTO is the person's avatar, the one the web client shows (`xep0153_avatars`); other
vCard fields (addresses, phone numbers) are not kept yet.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from roost.model.errors import NotFound
from roost.model.jid import Jid
from roost.model.users import User
from roost.xmpp.errors import StanzaError
from roost.xmpp.ext import Extension, IqRequest
from roost.xmpp.ext.xep0153_avatars import extension as avatars

NS = "vcard-temp"
ext = Extension(name="vcard", xep=54, version="1.2", title="vcard-temp", features=[NS])


@ext.iq_get(NS, "vCard", for_accounts=True)
async def on_get(request: IqRequest) -> None:
    owner = await _owner(request)
    card = vcard(owner, request.stream.domain)
    if request.stream.registry.installed("avatars"):  # XEP-0153: the XEP-0084 avatar as PHOTO
        found = await avatars.photo(request, owner.id)
        if found is not None:
            card.append(found)
    request.result(card)


@ext.iq_set(NS, "vCard")
async def on_set(request: IqRequest) -> None:
    card = request.payload  # a set replaces the vCard: a field left out is cleared
    await request.services.accounts.update_profile(
        request.user.id,
        display_name=(card.findtext(f"{{{NS}}}FN") or "").strip() or None,
        title=card.findtext(f"{{{NS}}}TITLE", "").strip(),
        department=card.findtext(f"{{{NS}}}ORG/{{{NS}}}ORGUNIT", "").strip(),
    )
    photo = card.find(f"{{{NS}}}PHOTO")
    if photo is not None and request.stream.registry.installed("avatars"):
        await avatars.publish_photo(request, photo)
    request.result()


async def _owner(request: IqRequest) -> User:
    to = request.iq.get("to")
    jid = Jid.parse(to) if to else request.stream.jid.bare
    if not jid.local or jid.local == request.user.username:
        return await request.services.accounts.get(request.user.id)  # fresh: it may have changed
    try:
        user = await request.services.accounts.lookup(jid.local)
    except NotFound:
        raise StanzaError("cancel", "service-unavailable") from None  # RFC 6121 §8.5.1: no such account
    if user.is_disabled:
        raise StanzaError("cancel", "service-unavailable")
    return user


def vcard(user: User, domain: str) -> ET.Element:
    card = ET.Element(f"{{{NS}}}vCard")
    ET.SubElement(card, f"{{{NS}}}FN").text = user.display_name
    ET.SubElement(card, f"{{{NS}}}NICKNAME").text = user.display_name
    if user.title:
        ET.SubElement(card, f"{{{NS}}}TITLE").text = user.title
    org = ET.SubElement(card, f"{{{NS}}}ORG")
    ET.SubElement(org, f"{{{NS}}}ORGNAME").text = domain
    if user.department:
        ET.SubElement(org, f"{{{NS}}}ORGUNIT").text = user.department
    ET.SubElement(card, f"{{{NS}}}JABBERID").text = f"{user.username}@{domain}"
    return card
