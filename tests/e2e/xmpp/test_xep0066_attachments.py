"""Files shared on the web reach XMPP clients as links (body and XEP-0066), over real sockets:
1:1 and in a room, live and from the archive; the link needs no login and ends with its message."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import httpx

from tests.api.test_files import upload
from tests.conftest import MakePerson
from tests.e2e.xmpp.test_xep0313_mam import CLIENT, FORWARD, listen, mam
from tests.support.muc import joined_pair, make_room, room_jid
from tests.support.server import ServerProcess
from tests.support.xmpp import connected, every_message, wait_for

OOB = "jabber:x:oob"


def oob_url(stanza: Any) -> str | None:
    return stanza.xml.findtext(f"{{{OOB}}}x/{{{OOB}}}url")  # type: ignore[no-any-return]


async def fetch(server: ServerProcess, url: str) -> httpx.Response:
    """GET a link as an XMPP client would: no cookie, no token (the test server's own address)."""
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as anonymous:
        return await anonymous.get(urlsplit(url).path)


async def test_a_file_sent_on_the_web_is_a_link_for_xmpp_clients(
    server: ServerProcess, make_person: MakePerson
) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    direct = await alice.direct(bob)
    async with connected(server, bob.username, bob.password) as b:
        bob_all = every_message(b)
        report = await upload(alice, direct, b"quarterly numbers", "report Q4.txt", "text/plain")
        sent = await alice.send(direct, "the report", attachments=[report["id"]])
        got = await wait_for(bob_all, lambda m: (m["body"] or "").startswith("the report"))
        text, link = got["body"].split("\n")
        assert text == "the report" and link.endswith("/report%20Q4.txt")
        assert oob_url(got) == link
        answer = await fetch(server, link)
        assert (answer.status_code, answer.content) == (200, b"quarterly numbers")
        edited = await alice.http.patch(f"/api/v1/messages/{sent['id']}", json={"body": "the Q4 report"})
        assert edited.status_code == 200, edited.text
        fixed = await wait_for(bob_all, lambda m: (m["body"] or "").startswith("the Q4 report"))
        assert fixed["body"] == f"the Q4 report\n{link}" and oob_url(fixed) == link  # the file stays in a correction

        picture = await upload(alice, direct, b"\x89PNG not really", "photo.png", "image/png")
        await alice.send(direct, "", attachments=[picture["id"]])  # only a file: the body is the link
        photo = await wait_for(bob_all, lambda m: oob_url(m) is not None and "photo.png" in str(oob_url(m)))
        assert photo["body"] == oob_url(photo)

        results = listen(b)
        archived = await mam(b, results, **{"with": f"{alice.username}@localhost"})
        inner = [r.find(f"{{{FORWARD}}}forwarded/{{{CLIENT}}}message") for r in archived.results]
        # the message, its correction (an entry of its own, XEP-0308: the file stays), the photo
        assert [m.findtext(f"{{{OOB}}}x/{{{OOB}}}url") for m in inner if m is not None] == [link, link, photo["body"]]

    assert (await alice.http.delete(f"/api/v1/messages/{sent['id']}")).status_code == 200
    assert (await fetch(server, link)).status_code == 404  # the link ends with its message
    forged = link.replace("/file/f", "/file/fX", 1)
    assert (await fetch(server, forged)).status_code == 404


async def test_a_file_sent_to_a_room_on_the_web_is_a_link_for_its_occupants(
    server: ServerProcess, make_person: MakePerson
) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    room = await make_room(alice, "Shared files", members=(bob,))
    async with joined_pair(server, alice, bob, room) as (_a, b):
        bob_all = every_message(b)
        plan = await upload(alice, room["id"], b"floor plan", "plan.pdf", "application/pdf")
        await alice.send(room["id"], "the plan", attachments=[plan["id"]])
        got = await wait_for(bob_all, lambda m: (m["body"] or "").startswith("the plan"))
        assert got["from"] == room_jid(room, "alice")
        link = got["body"].split("\n")[1]
        assert oob_url(got) == link
        assert (await fetch(server, link)).content == b"floor plan"
