"""The web client renders hostile message bodies inert, and shares files with thumbnails."""

from __future__ import annotations

import io
import re
from collections.abc import Callable

import pytest
from PIL import Image
from playwright.async_api import FilePayload, expect

from tests.support.server import ADMIN_PASSWORD, ServerProcess
from tests.support.web import WebUser, api_session
from tests.web.conftest import SignedIn
from tests.web.test_chat import open_direct
from tests.web.test_message_actions import open_listed

pytestmark = pytest.mark.asyncio(loop_scope="session")
NewUser = Callable[[str], WebUser]

BATTERY = "\n\n".join(
    [
        "<img src=x onerror=alert(1)>",
        "<script>alert(2)</script>",
        "[x](javascript:alert(3))",
        "[y](JaVaScRiPt:alert(4))",
        "[z](data:text/html,<script>alert(5)</script>)",
        '<a href="javascript:alert(6)">raw link</a>',
        "<svg onload=alert(7)></svg>",
        "<iframe src=javascript:alert(8)></iframe>",
        "![pic](x onerror=alert(9))",
        "<details open ontoggle=alert(10)>",
        "<style>body{display:none}</style>",
        "**bold** and _italic_ and `<b>code</b>`",
        "[safe](https://example.org/page)",
    ]
)
DANGEROUS = "script, iframe, svg, img, style, details, object, embed, [onerror], [onload], [ontoggle], [style]"


async def test_hostile_markdown_renders_inert(new_user: NewUser, signed_in: SignedIn) -> None:
    mallory, victim = new_user("Mallory Hacker"), new_user("Victor Target")
    mallory_page, mallory_watch = await signed_in(mallory)
    victim_page, victim_watch = await signed_in(victim)
    await open_direct(mallory_page, victim)
    box = mallory_page.get_by_role("textbox", name=f"Message {victim.display_name}")
    await box.fill(BATTERY)
    await box.press("Enter")

    await victim_page.get_by_role("button", name=re.compile(r"^Mallory Hacker, 1 unread")).click()
    history = victim_page.get_by_role("list", name="Messages with Mallory Hacker")
    await expect(history.get_by_text("<img src=x onerror=alert(1)>")).to_be_visible()  # shown as text
    await expect(history.get_by_text("<script>alert(2)</script>")).to_be_visible()
    await expect(history.locator("strong", has_text="bold")).to_be_visible()
    await expect(history.locator("em", has_text="italic")).to_be_visible()
    await expect(history.locator("code", has_text="<b>code</b>")).to_be_visible()
    safe = history.get_by_role("link", name="safe")
    await expect(safe).to_have_attribute("href", "https://example.org/page")
    await expect(safe).to_have_attribute("rel", "noopener noreferrer")

    for page in (victim_page, mallory_page):
        messages = page.get_by_role("list", name=re.compile("^Messages with"))
        assert await messages.locator(DANGEROUS).count() == 0
        hrefs = await messages.locator("a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
        assert all(href is None or re.match(r"^(https?:|mailto:|/api/v1/files/)", href) for href in hrefs), hrefs
    assert mallory_watch.dialogs == [] and victim_watch.dialogs == []
    assert mallory_watch.errors == [] and victim_watch.errors == []


def png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (30, 120, 200)).save(out, "PNG")
    return out.getvalue()


async def test_files_upload_with_thumbnails_and_cards(new_user: NewUser, signed_in: SignedIn) -> None:
    alice, bob = new_user("Alice Files"), new_user("Bob Files")
    alice_page, alice_watch = await signed_in(alice)
    bob_page, _ = await signed_in(bob)
    await open_direct(alice_page, bob)

    files: list[FilePayload] = [
        {"name": "photo.png", "mimeType": "image/png", "buffer": png(640, 480)},
        {"name": "notes.txt", "mimeType": "text/plain", "buffer": b"minutes of the meeting\n"},
    ]
    await alice_page.get_by_label("Attach files").set_input_files(files)
    await expect(alice_page.get_by_role("progressbar", name="photo.png uploaded")).to_be_visible()
    await expect(alice_page.get_by_role("progressbar", name="notes.txt uploaded")).to_be_visible()
    box = alice_page.get_by_role("textbox", name="Message Bob Files")
    await box.fill("the photo")
    await box.press("Enter")

    await bob_page.get_by_role("button", name=re.compile(r"^Alice Files, 1 unread")).click()
    history = bob_page.get_by_role("list", name="Messages with Alice Files")
    image = history.get_by_role("img", name="photo.png")
    await expect(image).to_be_visible()
    await expect(image).to_have_attribute("src", re.compile(r"^/api/v1/files/\d+/thumbnail$"))
    # the thumbnail decodes (not a broken image); it may still be loading when first visible
    await image.evaluate(
        "img => img.complete && img.naturalWidth > 0 ? true"
        " : new Promise((ok, fail) => { img.onload = () => ok(true); img.onerror = () => fail('broken'); })"
    )
    assert await image.evaluate("img => img.naturalWidth > 0")
    card = history.get_by_role("link", name="notes.txt")
    await expect(card).to_have_attribute("href", re.compile(r"^/api/v1/files/\d+/content$"))
    await expect(history.get_by_text("23 bytes")).to_be_visible()
    assert alice_watch.errors == []


async def test_drop_a_file_then_remove_it(new_user: NewUser, signed_in: SignedIn) -> None:
    alice, bob = new_user("Alice Drop"), new_user("Bob Drop")
    alice_page, alice_watch = await signed_in(alice)
    await open_direct(alice_page, bob)
    dropped = await alice_page.evaluate_handle(
        """() => { const data = new DataTransfer();
                   data.items.add(new File(['x'.repeat(5000)], 'dropped.txt', {type: 'text/plain'}));
                   return data; }"""
    )
    await alice_page.get_by_role("region", name="Bob Drop").dispatch_event("drop", {"dataTransfer": dropped})
    await expect(alice_page.get_by_role("progressbar", name="dropped.txt uploaded")).to_be_visible()
    await alice_page.get_by_role("button", name="Remove dropped.txt").click()
    await expect(alice_page.get_by_role("list", name="Files to send").get_by_role("listitem")).to_have_count(0)
    assert alice_watch.errors == []


HOSTILE_NAME = "<img src=x onerror=alert(11)>Mal"
HOSTILE_ROOM = "<script>alert(12)</script><b>Room</b>"
HOSTILE_TOPIC = "<svg onload=alert(13)></svg>"


async def test_hostile_names_rooms_and_search_results_render_as_text(
    new_user: NewUser, signed_in: SignedIn, server: ServerProcess
) -> None:
    victim = new_user("Victor Names")
    admin_page, admin_watch = await signed_in(WebUser(1, "admin", ADMIN_PASSWORD, "Administrator"))
    await admin_page.get_by_role("button", name="Admin", exact=True).click()
    add = admin_page.get_by_role("form", name="Add a person")
    mal = WebUser(0, f"mal-{server.port}", "mal-password-1", HOSTILE_NAME)
    await add.get_by_label("Username").fill(mal.username)
    await add.get_by_label("Display name").fill(HOSTILE_NAME)
    await add.get_by_label("Password (leave empty to generate one)").fill(mal.password)
    await add.get_by_role("button", name="Add person").click()
    await expect(
        admin_page.get_by_role("table", name="People").get_by_role("rowheader", name=HOSTILE_NAME)
    ).to_be_visible()

    with api_session(server.url, mal) as http:
        body = {"name": HOSTILE_ROOM, "topic": HOSTILE_TOPIC, "visibility": "open", "member_ids": [victim.id]}
        room = http.post("/api/v1/rooms", json=body).json()["id"]
        http.post(f"/api/v1/conversations/{room}/messages", json={"body": "<img src=x onerror=alert(14)> needle"})

    page, watch = await signed_in(victim)
    await page.get_by_role("list", name="Conversations").get_by_role("button", name=re.compile("^<script>")).click()
    await expect(page.get_by_role("heading", name=HOSTILE_ROOM, level=2)).to_be_visible()
    await expect(page.get_by_text(HOSTILE_TOPIC)).to_be_visible()
    await page.get_by_role("button", name="Members").click()
    await expect(page.get_by_role("complementary", name="Members").get_by_text(HOSTILE_NAME)).to_be_visible()
    await page.get_by_role("button", name="Browse rooms").click()
    await page.get_by_role("dialog", name="Open rooms").get_by_label("Search rooms").fill("script")
    await expect(page.get_by_role("dialog", name="Open rooms").get_by_text(HOSTILE_ROOM, exact=True)).to_be_visible()
    await page.get_by_role("dialog", name="Open rooms").get_by_role("button", name="Close").click()
    await page.get_by_role("button", name="Search", exact=True).click()
    await page.get_by_label("Search for").fill("needle")
    await page.get_by_role("search").get_by_role("button", name="Search").click()
    results = page.get_by_role("list", name="Search results")
    await expect(results.get_by_text("<img src=x onerror=alert(14)>")).to_be_visible()
    await expect(results.get_by_text(HOSTILE_NAME, exact=True)).to_be_visible()

    for each in (page, admin_page):
        assert await each.locator("body").locator(DANGEROUS).count() == 0
    assert watch.dialogs == [] and admin_watch.dialogs == []
    assert watch.errors == [] and admin_watch.errors == []


async def test_a_photo_sent_from_an_xmpp_client_shows_as_the_image(
    new_user: NewUser, signed_in: SignedIn, server: ServerProcess
) -> None:
    """An XEP-0363 upload's link as the whole body (as Conversations sends a photo) shows the
    image itself, fetched from this origin; a link that does not load stays a link."""
    alice, bob = new_user("Alice Photos"), new_user("Bob Phone")
    photo = png(200, 150)
    with api_session(server.url, bob) as http:
        slot = http.post(
            "/api/v1/files/slots", json={"name": "IMG 0001.png", "size": len(photo), "content_type": "image/png"}
        )
        assert slot.status_code == 201, slot.text
        put_path = "/" + slot.json()["put_url"].split("/", 3)[3]
        assert http.put(put_path, content=photo, headers={"content-type": "image/png"}).status_code == 201
        direct = http.post("/api/v1/directs", json={"user_id": alice.id}).json()["id"]
        for body in (slot.json()["get_url"], "https://elsewhere.example/file/" + "x" * 43 + "/cat.png"):
            sent = http.post(f"/api/v1/conversations/{direct}/messages", json={"body": body})
            assert sent.status_code == 201, sent.text
    page, watch = await signed_in(alice)
    await open_listed(page, bob)
    history = page.get_by_role("list", name=f"Messages with {bob.display_name}")
    image = history.get_by_role("img", name="IMG 0001.png")
    await expect(image).to_be_visible()
    handle = await image.element_handle()
    await page.wait_for_function("img => img.complete && img.naturalWidth === 200", arg=handle)  # the real image
    await expect(history.get_by_role("link", name=re.compile("elsewhere.example"))).to_be_visible()  # not an image
    assert watch.errors == [] or all("404" in e for e in watch.errors)
