"""XEP-0084 avatars over real sockets: data and metadata PEP nodes, notifications to interested clients."""

from __future__ import annotations

import base64
import hashlib
import io

from PIL import Image

from tests.conftest import MakePerson
from tests.e2e.xmpp.test_xep0163_pep import PLUGINS, events, interested
from tests.support.server import ServerProcess
from tests.support.xmpp import Client, connected, every_message, send_iq

PUBSUB = "http://jabber.org/protocol/pubsub"
DATA = "urn:xmpp:avatar:data"
METADATA = "urn:xmpp:avatar:metadata"


def png(colour: tuple[int, int, int], side: int = 16) -> bytes:
    """A small square PNG: the server keeps such an avatar byte for byte (its SHA-1 stays its id)."""
    out = io.BytesIO()
    Image.new("RGB", (side, side), colour).save(out, "PNG")
    return out.getvalue()


IMAGE = png((10, 200, 90))


async def publish_avatar(client: Client, image: bytes) -> str:
    sha1 = hashlib.sha1(image).hexdigest()
    encoded = base64.b64encode(image).decode()
    data = f"<publish node='{DATA}'><item id='{sha1}'><data xmlns='{DATA}'>{encoded}</data></item></publish>"
    await send_iq(client, "set", f"<pubsub xmlns='{PUBSUB}'>{data}</pubsub>")
    info = f"<info id='{sha1}' bytes='{len(image)}' type='image/png' width='16' height='16'/>"
    metadata = (
        f"<publish node='{METADATA}'><item id='{sha1}'><metadata xmlns='{METADATA}'>{info}</metadata></item></publish>"
    )
    await send_iq(client, "set", f"<pubsub xmlns='{PUBSUB}'>{metadata}</pubsub>")
    return sha1


async def test_an_avatar_reaches_colleagues_who_ask_and_its_data_can_be_fetched(
    server: ServerProcess, make_person: MakePerson
) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    alice_jid = f"{alice.username}@localhost"
    async with (
        connected(server, alice.username, alice.password) as a,
        connected(server, bob.username, bob.password, plugins=PLUGINS) as b,
    ):
        on_bob = every_message(b)
        await interested(b, METADATA)
        sha1 = await publish_avatar(a, IMAGE)
        event = await events(on_bob, alice_jid)(METADATA)
        info = event.find(f".//{{{METADATA}}}info")
        assert info is not None and (info.get("id"), info.get("bytes")) == (sha1, str(len(IMAGE)))
        answer = await send_iq(
            b,
            "get",
            f"<pubsub xmlns='{PUBSUB}'><items node='{DATA}'><item id='{sha1}'/></items></pubsub>",
            to=alice_jid,
        )
        data = answer.xml.findtext(f".//{{{PUBSUB}}}item/{{{DATA}}}data")
        assert data is not None and base64.b64decode(data) == IMAGE
