"""XEP-0054 vcard-temp with slixmpp over real sockets: vCards are directory profiles, one's own can be set."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from slixmpp import JID
from slixmpp.exceptions import IqError

from tests.conftest import MakePerson
from tests.support.server import ServerProcess
from tests.support.xmpp import TIMEOUT, Client, connected

NS = "vcard-temp"


async def get_vcard(client: Client, to: str | None) -> ET.Element:
    iq = client.make_iq_get(ito=JID(to) if to else None)
    iq.append(ET.Element(f"{{{NS}}}vCard"))
    result = await iq.send(timeout=TIMEOUT)  # type: ignore[no-untyped-call]
    card: ET.Element | None = result.xml.find(f"{{{NS}}}vCard")
    assert card is not None
    return card


async def test_a_colleagues_vcard_is_their_profile(server: ServerProcess, make_person: MakePerson) -> None:
    alice = await make_person("alice")
    bob = await make_person("bob", title="Engineer", department="Research")
    async with connected(server, alice.username, alice.password) as a:
        card = await get_vcard(a, f"{bob.username}@localhost")
        assert card.findtext(f"{{{NS}}}FN") == bob.username.title()
        assert card.findtext(f"{{{NS}}}TITLE") == "Engineer"
        assert card.findtext(f"{{{NS}}}ORG/{{{NS}}}ORGUNIT") == "Research"
        assert card.findtext(f"{{{NS}}}JABBERID") == f"{bob.username}@localhost"
        try:
            await get_vcard(a, "nobody-at-all@localhost")
            raise AssertionError("expected an error")
        except IqError as error:
            assert error.condition == "service-unavailable"


async def test_setting_ones_own_vcard_changes_the_profile(server: ServerProcess, make_person: MakePerson) -> None:
    alice = await make_person("alice")
    async with connected(server, alice.username, alice.password) as a:
        card = ET.Element(f"{{{NS}}}vCard")
        ET.SubElement(card, f"{{{NS}}}FN").text = "Alice Liddell"
        ET.SubElement(card, f"{{{NS}}}TITLE").text = "Head of Wonder"
        org = ET.SubElement(card, f"{{{NS}}}ORG")
        ET.SubElement(org, f"{{{NS}}}ORGUNIT").text = "Looking Glass"
        iq = a.make_iq_set(sub=card)
        await iq.send(timeout=TIMEOUT)  # type: ignore[no-untyped-call]
        own = await get_vcard(a, None)
        assert own.findtext(f"{{{NS}}}FN") == "Alice Liddell"
        too_long = ET.Element(f"{{{NS}}}vCard")
        ET.SubElement(too_long, f"{{{NS}}}TITLE").text = "x" * 100_000
        try:
            await a.make_iq_set(sub=too_long).send(timeout=TIMEOUT)  # type: ignore[no-untyped-call]
            raise AssertionError("expected an error")
        except IqError as error:
            assert error.condition == "bad-request"
    me = await alice.get("/api/v1/me")
    assert (me["display_name"], me["title"], me["department"]) == ("Alice Liddell", "Head of Wonder", "Looking Glass")
