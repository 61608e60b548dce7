"""XEP-0153 over real sockets: a vCard PHOTO is the XEP-0084 avatar, and presences carry its hash."""

from __future__ import annotations

import base64
import hashlib
import xml.etree.ElementTree as ET

from slixmpp import JID

from tests.conftest import MakePerson
from tests.e2e.xmpp.test_xep0084_avatars import IMAGE, METADATA, PUBSUB, png, publish_avatar
from tests.support.server import ServerProcess
from tests.support.xmpp import TIMEOUT, both_connected, connected, send_iq, wait_for

VCARD = "vcard-temp"
UPDATE = "vcard-temp:x:update"


def photo_hash(presence: object) -> str | None:
    x = presence.xml.find(f"{{{UPDATE}}}x")  # type: ignore[attr-defined]
    return None if x is None else (x.findtext(f"{{{UPDATE}}}photo") or "")


async def test_a_vcard_photo_becomes_the_avatar(server: ServerProcess, make_person: MakePerson) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    alice_jid = f"{alice.username}@localhost"
    sha1 = hashlib.sha1(IMAGE).hexdigest()
    async with both_connected(server, alice, bob) as (a, b):
        card = ET.Element(f"{{{VCARD}}}vCard")
        ET.SubElement(card, f"{{{VCARD}}}FN").text = "Alice"
        photo = ET.SubElement(card, f"{{{VCARD}}}PHOTO")
        ET.SubElement(photo, f"{{{VCARD}}}TYPE").text = "image/png"
        ET.SubElement(photo, f"{{{VCARD}}}BINVAL").text = base64.b64encode(IMAGE).decode()
        await a.make_iq_set(sub=card).send(timeout=TIMEOUT)  # type: ignore[no-untyped-call]
        presence = await wait_for(b.presences, lambda p: p["from"].bare == alice_jid and photo_hash(p) == sha1)
        assert presence["type"] != "unavailable"
        answer = await send_iq(b, "get", f"<pubsub xmlns='{PUBSUB}'><items node='{METADATA}'/></pubsub>", to=alice_jid)
        assert answer.xml.find(f".//{{{PUBSUB}}}item").get("id") == sha1
        iq = b.make_iq_get(ito=JID(alice_jid))
        iq.append(ET.Element(f"{{{VCARD}}}vCard"))
        result = await iq.send(timeout=TIMEOUT)  # type: ignore[no-untyped-call]
        binval = result.xml.findtext(f"{{{VCARD}}}vCard/{{{VCARD}}}PHOTO/{{{VCARD}}}BINVAL")
        assert binval is not None and base64.b64decode(binval) == IMAGE


async def test_presences_carry_the_avatar_hash_from_the_start(server: ServerProcess, make_person: MakePerson) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    alice_jid = f"{alice.username}@localhost"
    async with connected(server, alice.username, alice.password) as a:
        sha1 = await publish_avatar(a, png((1, 2, 3)))
        async with connected(server, bob.username, bob.password) as b:
            presence = await wait_for(b.presences, lambda p: p["from"].bare == alice_jid)
            assert photo_hash(presence) == sha1
            bob_presence = await wait_for(a.presences, lambda p: p["from"].bare == f"{bob.username}@localhost")
            assert photo_hash(bob_presence) == ""  # no avatar
