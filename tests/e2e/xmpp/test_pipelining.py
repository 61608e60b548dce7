"""A connection reads on while its chat messages wait for their commit (xmpp/dispatch.py): a burst
from one client arrives in order and is stored once per message; what comes after a message
(a correction, XEP-0198's count) sees it stored."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from tests.conftest import MakePerson
from tests.support.raw_xmpp import RawClient, direct_tls, log_in
from tests.support.server import ServerProcess

SM = "urn:xmpp:sm:3"
CORRECT = "urn:xmpp:message-correct:0"
BODY = "{jabber:client}body"


async def _next(client: RawClient, tag: str) -> ET.Element:
    while (element := await client.recv()).tag != tag:
        pass
    return element


async def test_a_burst_of_messages_arrives_in_order_stored_once_and_counted(
    server: ServerProcess, make_person: MakePerson
) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    async with direct_tls(server) as (sender, _), direct_tls(server) as (receiver, _):
        await log_in(receiver, bob.username, bob.password, "phone")
        receiver.send("<presence/>")
        await log_in(sender, alice.username, alice.password, "laptop")
        sender.send(f"<enable xmlns='{SM}'/>")
        assert (await _next(sender, f"{{{SM}}}enabled")) is not None

        count = 300
        to = f"{bob.username}@localhost"
        message = "<message to='{to}' type='chat' id='{id}'><body>{body}</body>{more}</message>"
        burst = "".join(message.format(to=to, id=f"m{i}", body=f"burst {i}", more="") for i in range(count))
        fix = message.format(to=to, id="fix", body="fixed", more=f"<replace xmlns='{CORRECT}' id='m{count - 1}'/>")
        sender.send(burst + f"<r xmlns='{SM}'/>")  # all in one write
        assert (await _next(sender, f"{{{SM}}}a")).get("h") == str(count)  # all handled before <r/> is answered
        sender.send(fix + f"<r xmlns='{SM}'/>")
        assert (await _next(sender, f"{{{SM}}}a")).get("h") == str(count + 1)
        bodies: list[tuple[str | None, bool]] = []
        while len(bodies) < count + 1:
            got = await _next(receiver, "{jabber:client}message")
            if got.findtext(BODY):
                bodies.append((got.findtext(BODY), got.find(f"{{{CORRECT}}}replace") is not None))
    assert bodies == [(f"burst {i}", False) for i in range(count)] + [("fixed", True)]

    conversation = await alice.direct(bob)
    path = f"/api/v1/conversations/{conversation}/messages"
    newest = (await bob.get(path, params={"limit": 200}))["messages"]
    oldest = (await bob.get(path, params={"limit": 200, "before": newest[0]["id"]}))["messages"]
    stored = [m["body"] for m in oldest + newest]
    assert stored == [f"burst {i}" for i in range(count - 1)] + ["fixed"]  # the correction edited the last
