"""One avatar for the web client and XMPP clients: set on either side, the same image (and SHA-1) on the other."""

from __future__ import annotations

import base64
import hashlib
import io
from typing import Any

import pytest
from PIL import Image
from slixmpp.exceptions import IqError

from tests.conftest import MakePerson
from tests.e2e.xmpp.test_xep0084_avatars import DATA, IMAGE, METADATA, PUBSUB, publish_avatar
from tests.e2e.xmpp.test_xep0153_vcard_avatars import VCARD, photo_hash
from tests.e2e.xmpp.test_xep0163_pep import PLUGINS, events, interested
from tests.support.client import Person
from tests.support.server import ServerProcess
from tests.support.xmpp import Client, connected, every_message, send_iq, wait_for


def photo(size: tuple[int, int] = (640, 480)) -> bytes:
    """A photo as a phone makes it: large, not square, JPEG."""
    out = io.BytesIO()
    Image.new("RGB", size, (180, 120, 40)).save(out, "JPEG")
    return out.getvalue()


def vcard(encoded_photo: str) -> str:
    return f"<vCard xmlns='{VCARD}'><FN>Alice</FN><PHOTO><BINVAL>{encoded_photo}</BINVAL></PHOTO></vCard>"


async def vcard_photo(client: Client, jid: str) -> bytes | None:
    answer = await send_iq(client, "get", f"<vCard xmlns='{VCARD}'/>", to=jid)
    binval = answer.xml.findtext(f"{{{VCARD}}}vCard/{{{VCARD}}}PHOTO/{{{VCARD}}}BINVAL")
    return None if binval is None else base64.b64decode(binval)


async def items(client: Client, jid: str, node: str) -> list[Any]:
    answer = await send_iq(client, "get", f"<pubsub xmlns='{PUBSUB}'><items node='{node}'/></pubsub>", to=jid)
    return answer.xml.findall(f".//{{{PUBSUB}}}item")  # type: ignore[no-any-return]


async def web_avatar(someone: Person, user_id: int) -> tuple[str | None, bytes | None]:
    url = (await someone.get(f"/api/v1/people/{user_id}"))["avatar_url"]
    if url is None:
        return None, None
    return url.rsplit("v=", 1)[1], (await someone.http.get(url)).content


async def test_a_web_avatar_is_the_vcard_photo_and_the_pep_avatar(
    server: ServerProcess, make_person: MakePerson
) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    alice_jid = f"{alice.username}@localhost"
    async with (
        connected(server, alice.username, alice.password),
        connected(server, bob.username, bob.password, plugins=PLUGINS) as b,
    ):
        on_bob = every_message(b)
        await interested(b, METADATA)
        answer = await alice.http.put("/api/v1/me/avatar", content=photo(), headers={"content-type": "image/jpeg"})
        assert answer.status_code == 200, answer.text
        sha1, image = await web_avatar(bob, alice.user_id)
        assert image is not None and sha1 == hashlib.sha1(image).hexdigest()

        presence = await wait_for(b.presences, lambda p: p["from"].bare == alice_jid and photo_hash(p) == sha1)
        assert presence["type"] != "unavailable"
        info = (await events(on_bob, alice_jid)(METADATA)).find(f".//{{{METADATA}}}info")
        assert info is not None and (info.get("id"), info.get("type"), info.get("width")) == (sha1, "image/jpeg", "256")
        assert await vcard_photo(b, alice_jid) == image
        [meta] = await items(b, alice_jid, METADATA)
        assert meta.get("id") == sha1
        [data] = await items(b, alice_jid, DATA)
        assert base64.b64decode(data.findtext(f"{{{DATA}}}data")) == image

        assert (await alice.http.delete("/api/v1/me/avatar")).status_code == 204
        await wait_for(b.presences, lambda p: p["from"].bare == alice_jid and photo_hash(p) == "")
        assert await vcard_photo(b, alice_jid) is None
        assert await items(b, alice_jid, METADATA) == []


async def test_an_avatar_published_by_an_xmpp_client_is_the_web_avatar(
    server: ServerProcess, make_person: MakePerson
) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    async with connected(server, alice.username, alice.password) as a:
        sha1 = await publish_avatar(a, IMAGE)
        assert await web_avatar(bob, alice.user_id) == (sha1, IMAGE)
        await send_iq(a, "set", f"<pubsub xmlns='{PUBSUB}'><publish node='{METADATA}'><item>"
                      f"<metadata xmlns='{METADATA}'/></item></publish></pubsub>")  # fmt: skip
        assert await web_avatar(bob, alice.user_id) == (None, None)


async def test_a_vcard_photo_is_the_web_avatar(server: ServerProcess, make_person: MakePerson) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    async with connected(server, alice.username, alice.password) as a:
        encoded = base64.b64encode(photo((300, 300))).decode()
        await send_iq(a, "set", vcard(encoded))
        sha1, image = await web_avatar(bob, alice.user_id)
        assert image is not None and sha1 == hashlib.sha1(image).hexdigest()
        with Image.open(io.BytesIO(image)) as stored:
            assert stored.size == (256, 256)
        with pytest.raises(IqError) as refusal:
            await send_iq(a, "set", vcard(base64.b64encode(b"not an image").decode()))
        assert refusal.value.condition == "bad-request"
