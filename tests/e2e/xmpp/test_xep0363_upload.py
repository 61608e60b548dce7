"""XEP-0363 HTTP File Upload with slixmpp and httpx over real sockets: the service is found through
disco, a slot is requested, the bytes are PUT and come back identical; the error cases of the XEP."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator

import httpx
import pytest
from slixmpp import JID
from slixmpp.exceptions import IqError

from tests.conftest import MakePerson
from tests.support.server import ServerProcess
from tests.support.xmpp import TIMEOUT, Client, connected

NS = "urn:xmpp:http:upload:0"
DATA = "jabber:x:data"
STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas"
UPLOAD = JID("upload.localhost")
MAX_FILE = 1_000_000
QUOTA = 3_000_000


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    proc = ServerProcess(
        tmp_path_factory.mktemp("roost-upload"),
        extra_env={"ROOST_FILES__MAX_FILE_BYTES": str(MAX_FILE), "ROOST_FILES__USER_QUOTA_BYTES": str(QUOTA)},
    )
    proc.init()
    proc.start()
    yield proc
    proc.stop()


async def request_slot(client: Client, filename: str, size: str, content_type: str = "text/plain") -> ET.Element:
    iq = client.make_iq_get(ito=UPLOAD)
    iq.append(ET.Element(f"{{{NS}}}request", {"filename": filename, "size": size, "content-type": content_type}))
    result = await iq.send(timeout=TIMEOUT)  # type: ignore[no-untyped-call]
    slot: ET.Element | None = result.xml.find(f"{{{NS}}}slot")
    assert slot is not None
    return slot


async def refused(client: Client, filename: str, size: str) -> tuple[str, str, ET.Element]:
    """The error type, condition and <error/> element of a refused slot request."""
    try:
        await request_slot(client, filename, size)
    except IqError as error:
        element = error.iq.xml.find("{jabber:client}error")
        assert element is not None
        return str(error.etype), str(error.condition), element
    raise AssertionError("the slot request was not refused")


async def test_the_upload_service_is_found_through_disco(server: ServerProcess, make_person: MakePerson) -> None:
    alice = await make_person("alice")
    async with connected(server, alice.username, alice.password) as a:
        items = await a.plugin["xep_0030"].get_items(jid=JID("localhost"), timeout=TIMEOUT)
        assert "upload.localhost" in [str(item[0]) for item in items["disco_items"]["items"]]
        info = await a.plugin["xep_0030"].get_info(jid=UPLOAD, timeout=TIMEOUT)
        assert ("store", "file", None, "HTTP File Upload") in info["disco_info"]["identities"]
        assert NS in info["disco_info"]["features"]
        limit = info.xml.find(f".//{{{DATA}}}field[@var='max-file-size']/{{{DATA}}}value")
        assert limit is not None and limit.text == str(MAX_FILE)


async def test_a_file_goes_up_and_comes_back_identical(server: ServerProcess, make_person: MakePerson) -> None:
    alice = await make_person("alice")
    content = bytes(range(256)) * 1000 + "é✓".encode()
    async with connected(server, alice.username, alice.password) as a:
        slot = await request_slot(a, "notes from the meeting.bin", str(len(content)), "application/octet-stream")
    put, get = slot.find(f"{{{NS}}}put"), slot.find(f"{{{NS}}}get")
    assert put is not None and get is not None
    assert put.get("url", "").startswith(f"http://localhost:{server.port}/upload/")
    assert get.get("url", "").endswith("/notes%20from%20the%20meeting.bin")
    async with httpx.AsyncClient(timeout=TIMEOUT) as http:
        stored = await http.put(
            put.get("url", ""), content=content, headers={"Content-Type": "application/octet-stream"}
        )
        assert stored.status_code == 201
        again = await http.put(put.get("url", ""), content=content)
        assert again.status_code == 404  # a slot is used once
        fetched = await http.get(get.get("url", ""))
    assert fetched.status_code == 200
    assert fetched.content == content


async def test_a_file_over_the_limit_is_refused_with_the_limit(server: ServerProcess, make_person: MakePerson) -> None:
    alice = await make_person("alice")
    async with connected(server, alice.username, alice.password) as a:
        kind, condition, error = await refused(a, "big.iso", str(MAX_FILE + 1))
    assert (kind, condition) == ("modify", "not-acceptable")
    assert error.findtext(f"{{{NS}}}file-too-large/{{{NS}}}max-file-size") == str(MAX_FILE)


async def test_the_quota_is_a_resource_constraint(server: ServerProcess, make_person: MakePerson) -> None:
    alice = await make_person("alice")
    async with connected(server, alice.username, alice.password) as a:
        for _ in range(3):  # pending slots count against the quota
            await request_slot(a, "part.bin", str(MAX_FILE))
        kind, condition, _error = await refused(a, "one-too-many.bin", "10")
    assert (kind, condition) == ("wait", "resource-constraint")


async def test_bad_names_and_sizes_are_refused(server: ServerProcess, make_person: MakePerson) -> None:
    alice = await make_person("alice")
    async with connected(server, alice.username, alice.password) as a:
        for name in ("", "../../etc/passwd", "a\u202etxt.exe", "x" * 300):
            assert (await refused(a, name, "10"))[:2] == ("modify", "not-acceptable"), name
        for size in ("-1", "ten", ""):
            assert (await refused(a, "fine.txt", size))[:2] == ("modify", "bad-request"), size
        await a.plugin["xep_0199"].ping(jid=JID("localhost"), timeout=TIMEOUT)  # the stream is still up
