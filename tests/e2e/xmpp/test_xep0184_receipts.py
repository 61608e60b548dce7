"""XEP-0184 receipts and XEP-0353 call proposals: body-less payloads relayed live (not stored), with carbons."""

from __future__ import annotations

from typing import Any

from tests.conftest import MakePerson
from tests.e2e.xmpp.test_xep0313_mam import listen, mam
from tests.support.server import ServerProcess
from tests.support.xmpp import connected, every_message, send_iq, send_payload, wait_for

RECEIPTS = "urn:xmpp:receipts"
JMI = "urn:xmpp:jingle-message:0"
CARBONS = "urn:xmpp:carbons:2"
FORWARDED = "{urn:xmpp:forward:0}forwarded/{jabber:client}message"


def carried(stanza: Any, kind: str) -> Any:
    """The message inside a <sent/> or <received/> carbon, or None."""
    return stanza.xml.find(f"{{{CARBONS}}}{kind}/{FORWARDED}")


async def test_a_receipt_reaches_the_addressed_resource_and_carbons_the_others(
    server: ServerProcess, make_person: MakePerson
) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    alice_jid, bob_jid = f"{alice.username}@localhost", f"{bob.username}@localhost"
    async with (
        connected(server, alice.username, alice.password, resource="laptop") as laptop,
        connected(server, alice.username, alice.password, resource="phone") as phone,
        connected(server, bob.username, bob.password, resource="desk") as desk,
        connected(server, bob.username, bob.password, resource="tablet") as tablet,
    ):
        await send_iq(phone, "set", f"<enable xmlns='{CARBONS}'/>")
        await send_iq(tablet, "set", f"<enable xmlns='{CARBONS}'/>")
        on_desk, on_phone, on_tablet = every_message(desk), every_message(phone), every_message(tablet)
        send_payload(laptop, f"{bob_jid}/desk", f"<received xmlns='{RECEIPTS}' id='m-1'/>", stanza_id="r-1")
        got = await wait_for(on_desk, lambda m: m["id"] == "r-1")
        assert got.xml.find(f"{{{RECEIPTS}}}received").get("id") == "m-1"
        assert got["from"].full == f"{alice_jid}/laptop"
        assert got.xml.find("{urn:xmpp:sid:0}stanza-id") is None
        sent = carried(await wait_for(on_phone, lambda m: carried(m, "sent") is not None), "sent")
        assert sent.find(f"{{{RECEIPTS}}}received") is not None
        assert sent.get("to") == f"{bob_jid}/desk"
        received = carried(await wait_for(on_tablet, lambda m: carried(m, "received") is not None), "received")
        assert received.find(f"{{{RECEIPTS}}}received").get("id") == "m-1"
        answer = await mam(desk, listen(desk), **{"with": alice_jid})
        assert answer.results == []  # relayed, never stored


async def test_a_call_proposal_to_the_bare_jid_rings_every_resource(
    server: ServerProcess, make_person: MakePerson
) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    async with (
        connected(server, alice.username, alice.password) as a,
        connected(server, bob.username, bob.password, resource="one") as one,
        connected(server, bob.username, bob.password, resource="two") as two,
    ):
        on_one, on_two = every_message(one), every_message(two)
        description = "<description xmlns='urn:xmpp:jingle:apps:rtp:1' media='audio'/>"
        propose = f"<propose xmlns='{JMI}' id='call-1'>{description}</propose>"
        send_payload(a, f"{bob.username}@localhost", propose, stanza_id="jmi-1")
        for queue in (on_one, on_two):
            got = await wait_for(queue, lambda m: m["id"] == "jmi-1")
            description = got.xml.find(f"{{{JMI}}}propose/{{urn:xmpp:jingle:apps:rtp:1}}description")
            assert description is not None and description.get("media") == "audio"
