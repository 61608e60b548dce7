"""The full-size image viewer: a labelled modal dialog, Download, previous/next, Escape gives focus back."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import FilePayload, expect

from tests.web.conftest import NewUser, SignedIn
from tests.web.test_chat import open_direct
from tests.web.test_xss_and_files import png

pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest.mark.parametrize("width", [1280, 390])
async def test_an_image_opens_full_size_in_a_dialog(new_user: NewUser, signed_in: SignedIn, width: int) -> None:
    alice, bob = new_user(f"Alice Viewer{width}"), new_user(f"Bob Viewer{width}")
    page, watch = await signed_in(alice, viewport={"width": width, "height": 800})
    await open_direct(page, bob)
    files: list[FilePayload] = [
        {"name": "first.png", "mimeType": "image/png", "buffer": png(900, 600)},
        {"name": "second.png", "mimeType": "image/png", "buffer": png(400, 300)},
    ]
    await page.get_by_label("Attach files").set_input_files(files)
    for name in ("first.png", "second.png"):  # either may finish first; Enter before both only asks to wait
        await expect(page.get_by_role("progressbar", name=f"{name} uploaded")).to_be_visible()
    box = page.get_by_role("textbox", name=f"Message {bob.display_name}")
    await box.fill("two pictures")
    await box.press("Enter")

    history = page.get_by_role("list", name=f"Messages with {bob.display_name}")
    first = history.get_by_role("button", name="View first.png")
    await first.click()
    dialog = page.get_by_role("dialog", name="first.png")
    await expect(dialog).to_be_visible()
    full = dialog.get_by_role("img", name="first.png")
    await expect(full).to_have_attribute("src", re.compile(r"^/api/v1/files/\d+/content$"))
    await full.evaluate(
        "img => img.complete && img.naturalWidth > 0 ? true"
        " : new Promise((ok, fail) => { img.onload = () => ok(true); img.onerror = fail; })"
    )
    assert await full.evaluate("img => img.naturalWidth") == 900
    box_size = await full.bounding_box()
    assert box_size is not None and box_size["width"] <= width
    download = dialog.get_by_role("link", name="Download first.png")
    await expect(download).to_have_attribute("download", "first.png")
    await expect(dialog.get_by_role("button", name="Previous image")).to_be_disabled()

    await dialog.get_by_role("button", name="Next image").click()
    await expect(page.get_by_role("dialog", name="second.png")).to_be_visible()
    await page.keyboard.press("ArrowLeft")
    await expect(page.get_by_role("dialog", name="first.png")).to_be_visible()
    await page.keyboard.press("Escape")
    await expect(page.get_by_role("dialog")).to_have_count(0)
    await expect(first).to_be_focused()

    second = history.get_by_role("button", name="View second.png")
    await second.focus()
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("dialog", name="second.png")).to_be_visible()
    await page.get_by_role("dialog").get_by_role("button", name="Close").click()
    await expect(second).to_be_focused()
    assert watch.errors == []
