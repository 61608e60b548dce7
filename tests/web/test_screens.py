"""The main screens at desktop and phone width, light and dark; saved to docs/screenshots/ on request."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, expect

from tests.support.server import ADMIN_PASSWORD, ServerProcess
from tests.support.web import WebUser, api_session, sign_in
from tests.web.conftest import SignedIn
from tests.web.test_xss_and_files import png

pytestmark = pytest.mark.asyncio(loop_scope="session")
NewUser = Callable[[str], WebUser]
SCREENSHOTS = Path(__file__).parents[2] / "docs" / "screenshots"
CONVERSATION = [
    ("Priya Sharma", "Morning! Are we still on for the **release review** at 11?"),
    (
        "Tom Becker",
        "Yes. I pushed the notes:\n\n- migration is done\n- `roost init` now asks for the domain\n- docs updated",
    ),
    (
        "Priya Sharma",
        "> migration is done\n\nGreat, thanks. Here is the config we ended up with:\n\n"
        "```\n[files]\nmax_file_bytes = 4294967296\n```",
    ),
]


async def fill_conversation(server: ServerProcess, priya: WebUser, tom: WebUser) -> None:
    people = {"Priya Sharma": priya, "Tom Becker": tom}
    with api_session(server.url, priya) as http:
        direct = http.post("/api/v1/directs", json={"user_id": tom.id}).json()["id"]
        upload = http.post(f"/api/v1/conversations/{direct}/files?name=whiteboard.png", content=png(800, 500))
        whiteboard = upload.json()["id"]
    for author, body in CONVERSATION:
        with api_session(server.url, people[author]) as http:
            http.post(f"/api/v1/conversations/{direct}/messages", json={"body": body})
    with api_session(server.url, priya) as http:
        last = http.post(
            f"/api/v1/conversations/{direct}/messages", json={"body": "The whiteboard:", "attachments": [whiteboard]}
        )
        http.put(f"/api/v1/conversations/{direct}/read", json={"message_id": last.json()["id"]})  # "Seen" for Tom


async def shoot(page: Page, name: str, tmp_path: Path) -> None:
    path = tmp_path / f"{name}.png"
    await page.screenshot(path=str(path))
    if os.environ.get("ROOST_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, SCREENSHOTS / path.name)


async def test_screenshots_of_main_screens(
    new_user: NewUser, signed_in: SignedIn, browser: Browser, server: ServerProcess, tmp_path: Path
) -> None:
    priya, tom = new_user("Priya Sharma"), new_user("Tom Becker")
    await fill_conversation(server, priya, tom)

    login = await browser.new_page(viewport={"width": 1100, "height": 700})
    await login.goto(server.url + "/")
    await expect(login.get_by_role("heading", name="Sign in to Roost")).to_be_visible()
    await shoot(login, "login", tmp_path)
    await login.close()

    for scheme in ("light", "dark"):
        page, watch = await signed_in(tom, color_scheme=scheme, viewport={"width": 1100, "height": 700})
        await (
            page.get_by_role("list", name="Conversations")
            .get_by_role("button", name=re.compile("^Priya Sharma"))
            .click()
        )
        await expect(page.get_by_role("img", name="whiteboard.png")).to_be_visible()
        await expect(page.get_by_text("Seen", exact=True)).to_be_visible()
        await shoot(page, f"chat-{scheme}", tmp_path)
        assert watch.errors == []

    phone, _ = await signed_in(tom, viewport={"width": 390, "height": 780}, is_mobile=True, has_touch=True)
    await expect(phone.get_by_role("main")).to_be_hidden()  # one pane at a time: the list first
    await (
        phone.get_by_role("list", name="Conversations").get_by_role("button", name=re.compile("^Priya Sharma")).click()
    )
    await expect(phone.get_by_role("navigation")).to_be_hidden()
    await expect(phone.get_by_role("img", name="whiteboard.png")).to_be_visible()
    assert await phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    await shoot(phone, "phone", tmp_path)
    await phone.get_by_role("button", name="View whiteboard.png").click()
    viewer = phone.get_by_role("dialog", name="whiteboard.png")
    await expect(viewer.get_by_role("img", name="whiteboard.png")).to_be_visible()
    await shoot(phone, "viewer", tmp_path)
    await phone.keyboard.press("Escape")
    await expect(phone.get_by_role("button", name="View whiteboard.png")).to_be_focused()
    await phone.get_by_role("button", name="Back to conversations").click()
    await expect(phone.get_by_role("navigation")).to_be_visible()


async def test_sign_out_and_wrong_password(
    new_user: NewUser, signed_in: SignedIn, browser: Browser, server: ServerProcess
) -> None:
    someone = new_user("Olga Out")
    page, _ = await signed_in(someone)
    await page.get_by_role("button", name="Sign out").click()
    await expect(page.get_by_role("heading", name="Sign in to Roost")).to_be_visible()
    await page.reload()
    await expect(page.get_by_role("heading", name="Sign in to Roost")).to_be_visible()
    await page.get_by_label("Username").fill(someone.username)
    await page.get_by_label("Password").fill("not the password")
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("alert")).not_to_have_text("")
    again = await browser.new_page()
    await sign_in(again, server.url, someone)
    await again.close()


async def test_screenshots_of_room_search_and_admin(
    new_user: NewUser, signed_in: SignedIn, server: ServerProcess, tmp_path: Path
) -> None:
    priya, tom, ana = new_user("Priya Rao"), new_user("Tom Weber"), new_user("Ana Lima")
    with api_session(server.url, priya) as http:
        body = {"name": "Release 2.0", "topic": "Ship it on Friday", "member_ids": [tom.id, ana.id]}
        room = http.post("/api/v1/rooms", json=body).json()["id"]
        first = http.post(f"/api/v1/conversations/{room}/messages", json={"body": "Is the **changelog** ready?"})
        http.post(f"/api/v1/messages/{first.json()['id']}/reactions", json={"emoji": "👀"})
    with api_session(server.url, tom) as http:
        reply = {"body": "Yes, and the migration notes too.", "reply_to": first.json()["id"]}
        http.post(f"/api/v1/conversations/{room}/messages", json=reply)
    page, watch = await signed_in(priya, viewport={"width": 1100, "height": 700})
    await page.get_by_role("list", name="Conversations").get_by_role("button", name=re.compile("^Release 2.0")).click()
    await page.get_by_role("button", name="Members").click()
    await expect(page.get_by_role("complementary", name="Members").get_by_role("listitem")).to_have_count(3)
    last = page.get_by_role("list", name="Messages with Release 2.0").get_by_role("listitem").last
    await last.hover()
    await last.get_by_role("button", name="Add reaction").click()
    await shoot(page, "room", tmp_path)
    await page.keyboard.press("Escape")

    await page.get_by_role("button", name="Search", exact=True).click()
    await page.get_by_label("Search for").fill("migration")
    await page.get_by_role("search").get_by_role("button", name="Search").click()
    await expect(page.get_by_role("list", name="Search results").get_by_role("listitem")).to_have_count(1)
    await shoot(page, "search", tmp_path)

    admin, _ = await signed_in(
        WebUser(1, "admin", ADMIN_PASSWORD, "Administrator"), viewport={"width": 1100, "height": 700}
    )
    await admin.get_by_role("button", name="Admin", exact=True).click()
    await admin.get_by_label("Find people").fill("Lima")
    await expect(admin.get_by_role("table", name="People").get_by_role("row")).to_have_count(2)
    await shoot(admin, "admin", tmp_path)
    assert watch.errors == []


async def test_a_long_status_stays_in_its_place_on_a_desk_and_a_phone(new_user: NewUser, signed_in: SignedIn) -> None:
    """A long status message (a URL) neither widens the page nor pushes the header's buttons
    away; at phone width the status message can still be set."""
    alice, bob = new_user("Alice Wide"), new_user("Bob Wordy")
    bob_page, bob_watch = await signed_in(bob)
    status = "Working from Berlin, see https://intranet.example.org/wiki/Teams/Operations/OnCall" + "-x" * 120
    await bob_page.get_by_label("Status message").fill(status)
    await bob_page.get_by_label("Status message").press("Enter")
    for viewport in ({"width": 1280, "height": 800}, {"width": 390, "height": 844}):
        page, watch = await signed_in(alice, viewport=viewport)
        await expect(page.get_by_label("Status message")).to_be_visible()
        person = page.get_by_role("list", name="People").get_by_role("button", name=re.compile("^Bob Wordy"))
        await expect(person).to_contain_text("Working from Berlin")
        await person.click()
        await expect(page.get_by_role("button", name="Mute this conversation")).to_be_in_viewport()
        assert await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), viewport
        assert watch.errors == []
    assert bob_watch.errors == []
