"""A conversation scrolled to its latest message stays there as images in new messages load;
one scrolled up to read does not move. An attachment's thumbnail has its size before it loads
(width and height from the server); an XMPP upload's link shows an image of unknown size."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from playwright.async_api import Locator, Page, expect

from tests.support.server import ServerProcess
from tests.support.web import WebUser, api_session, post_direct
from tests.web.conftest import NewUser, SignedIn
from tests.web.test_message_actions import open_listed
from tests.web.test_xss_and_files import png

pytestmark = pytest.mark.asyncio(loop_scope="session")

SendImage = Callable[[httpx.Client, str], None]
AT_BOTTOM = "s => Math.abs(s.scrollHeight - s.scrollTop - s.clientHeight) <= 3"


def send_attached_image(http: httpx.Client, direct: str) -> None:
    """A message with a PNG attachment: its thumbnail loads after the message shows."""
    upload = http.post(f"/api/v1/conversations/{direct}/files?name=chart.png", content=png(900, 600))
    assert upload.status_code == 201, upload.text
    body = {"body": "the new chart", "attachments": [upload.json()["id"]]}
    assert http.post(f"/api/v1/conversations/{direct}/messages", json=body).status_code == 201


def send_linked_image(http: httpx.Client, direct: str) -> None:
    """A body that is only the link of an XMPP upload (XEP-0363): an image of unknown size."""
    photo = png(600, 400)
    slot = http.post("/api/v1/files/slots", json={"name": "chart.png", "size": len(photo), "content_type": "image/png"})
    assert slot.status_code == 201, slot.text
    put_path = "/" + slot.json()["put_url"].split("/", 3)[3]
    assert http.put(put_path, content=photo, headers={"content-type": "image/png"}).status_code == 201
    assert (
        http.post(f"/api/v1/conversations/{direct}/messages", json={"body": slot.json()["get_url"]}).status_code == 201
    )


async def opened_at_the_bottom(page: Page, other: WebUser) -> Locator:
    """Open the conversation with `other`; its history scrolls, and shows the latest message."""
    await open_listed(page, other)
    history = page.get_by_role("list", name=f"Messages with {other.display_name}")
    await expect(history.get_by_text("line 40", exact=True)).to_be_in_viewport()
    scroller = page.get_by_role("region", name="Message history")
    assert await scroller.evaluate("s => s.scrollHeight > s.clientHeight + 500")  # enough to scroll
    await page.wait_for_function(AT_BOTTOM, arg=await scroller.element_handle())
    return scroller


async def a_long_chat_open(
    new_user: NewUser, signed_in: SignedIn, server: ServerProcess, tag: str
) -> tuple[WebUser, str, Page, Any, Locator]:
    """Alice's 40 lines to Bob, open in Bob's page at the bottom: (alice, the conversation, the
    page, its watch, the scroller)."""
    alice, bob = new_user(f"Alice {tag}"), new_user(f"Bob {tag}")
    direct = post_direct(server.url, alice, bob, *(f"line {n}" for n in range(1, 41)))
    page, watch = await signed_in(bob)
    return alice, direct, page, watch, await opened_at_the_bottom(page, alice)


async def loaded(page: Page, image: Locator) -> None:
    await expect(image).to_be_attached()
    await page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=await image.element_handle())


@pytest.mark.parametrize("send_image", [send_attached_image, send_linked_image], ids=["attachment", "link"])
async def test_a_view_at_the_bottom_stays_there_as_a_new_image_loads(
    new_user: NewUser, signed_in: SignedIn, server: ServerProcess, send_image: SendImage
) -> None:
    alice, direct, page, watch, scroller = await a_long_chat_open(new_user, signed_in, server, "Pins")

    with api_session(server.url, alice) as http:
        send_image(http, direct)
    history = page.get_by_role("list", name=f"Messages with {alice.display_name}")
    image = history.get_by_role("img", name="chart.png")
    await loaded(page, image)
    await page.wait_for_function(AT_BOTTOM, arg=await scroller.element_handle(), timeout=10_000)
    await expect(image).to_be_in_viewport(ratio=1)
    await expect(page.get_by_role("button", name="Jump to latest")).to_be_hidden()
    assert watch.errors == []


@pytest.mark.parametrize("send_image", [send_attached_image, send_linked_image], ids=["attachment", "link"])
async def test_a_view_scrolled_up_does_not_move_as_a_new_image_loads(
    new_user: NewUser, signed_in: SignedIn, server: ServerProcess, send_image: SendImage
) -> None:
    alice, direct, page, watch, scroller = await a_long_chat_open(new_user, signed_in, server, "Scrolls")
    # Up to read, but with the end of the history near enough that the new image loads.
    top = await scroller.evaluate("s => { s.scrollTop = s.scrollHeight - s.clientHeight - 300; return s.scrollTop; }")

    with api_session(server.url, alice) as http:
        send_image(http, direct)
    history = page.get_by_role("list", name=f"Messages with {alice.display_name}")
    await expect(page.get_by_role("button", name="Jump to latest")).to_be_visible()
    image = history.get_by_role("img", name="chart.png")
    await loaded(page, image)
    await page.evaluate("() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")
    assert await scroller.evaluate("s => s.scrollTop") == top
    assert not await scroller.evaluate(AT_BOTTOM)
    assert watch.errors == []
