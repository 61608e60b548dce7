"""Keyboard shortcuts (Alt+Up/Down between conversations, Escape closes the members panel) and mute in every tab."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import expect

from tests.support.server import ServerProcess
from tests.support.web import PageWatch, api_session, post_direct
from tests.web.conftest import NewUser, SignedIn
from tests.web.test_message_actions import open_listed

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_alt_arrows_move_between_conversations_and_escape_closes_the_members_panel(
    new_user: NewUser, signed_in: SignedIn, server: ServerProcess
) -> None:
    me, ann, bob = new_user("Kim Keys"), new_user("Ann Keys"), new_user("Bob Keys")
    post_direct(server.url, ann, me, "from ann")
    post_direct(server.url, bob, me, "from bob")  # newest: first in the list
    with api_session(server.url, me) as http:
        room = http.post("/api/v1/rooms", json={"name": "Keys room"}).json()["id"]
        assert http.post(f"/api/v1/conversations/{room}/messages", json={"body": "hi"}).status_code == 201  # newest
    page, watch = await signed_in(me)
    listed = page.get_by_role("list", name="Conversations")
    await expect(listed.get_by_role("button")).to_have_count(3)

    await page.keyboard.press("Alt+ArrowDown")  # nothing open: the first of the list
    await expect(page.get_by_role("heading", name="Keys room", level=2)).to_be_visible()
    await page.keyboard.press("Alt+ArrowDown")  # from the message box too
    await expect(page.get_by_role("heading", name="Bob Keys", level=2)).to_be_visible()
    await expect(page.get_by_role("textbox", name="Message Bob Keys")).to_be_focused()
    await page.keyboard.press("Alt+ArrowDown")
    await expect(page.get_by_role("heading", name="Ann Keys", level=2)).to_be_visible()
    await page.keyboard.press("Alt+ArrowDown")  # the last: stays
    await expect(page.get_by_role("heading", name="Ann Keys", level=2)).to_be_visible()
    await page.keyboard.press("Alt+ArrowUp")
    await page.keyboard.press("Alt+ArrowUp")
    await expect(page.get_by_role("heading", name="Keys room", level=2)).to_be_visible()

    members = page.get_by_role("button", name="Members")
    await members.click()
    panel = page.get_by_role("complementary", name="Members")
    await expect(panel).to_be_visible()
    await page.keyboard.press("Escape")
    await expect(panel).to_have_count(0)
    await expect(members).to_be_focused()
    await expect(members).to_have_attribute("aria-expanded", "false")
    assert watch.errors == []


async def test_muting_in_one_tab_shows_in_the_others_at_once(
    new_user: NewUser, signed_in: SignedIn, server: ServerProcess
) -> None:
    alice, bob = new_user("Alice Mutesync"), new_user("Bob Mutesync")
    post_direct(server.url, alice, bob, "hello")
    page, watch = await signed_in(bob)
    other = await page.context.new_page()  # same browser, a second tab, no reload after the change
    other_watch = PageWatch()
    other_watch.attach(other)
    await other.goto(server.url + "/")
    other_listed = other.get_by_role("list", name="Conversations").get_by_role(
        "button", name=re.compile("^Alice Mutesync")
    )
    await expect(other_listed).to_be_visible()

    await open_listed(page, alice)
    await page.get_by_role("button", name="Mute this conversation").click()
    await expect(other_listed).to_have_accessible_name(re.compile(", muted$"))
    await other_listed.click()
    await other.get_by_role("button", name="Unmute this conversation").click()
    await expect(page.get_by_role("button", name="Mute this conversation")).to_have_attribute("aria-pressed", "false")
    assert watch.errors == [] and other_watch.errors == []


async def test_question_mark_lists_the_shortcuts(new_user: NewUser, signed_in: SignedIn, server: ServerProcess) -> None:
    me, ann = new_user("Quinn Help"), new_user("Ann Help")
    post_direct(server.url, ann, me, "hello")
    page, watch = await signed_in(me)
    help_dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    await page.locator("body").press("?")
    await expect(help_dialog).to_be_visible()
    await expect(help_dialog.get_by_role("row").filter(has_text="Alt+↓ / Alt+↑")).to_contain_text("next / previous")
    await page.keyboard.press("Escape")
    await expect(help_dialog).to_have_count(0)

    await open_listed(page, ann)
    box = page.get_by_role("textbox", name="Message Ann Help")
    await box.press("?")  # typed in the message box: a question mark, not the help
    await expect(box).to_have_value("?")
    await expect(help_dialog).to_have_count(0)
    await page.get_by_role("button", name="Keyboard shortcuts").click()  # the top bar's button
    await expect(help_dialog).to_be_visible()
    await help_dialog.get_by_role("button", name="Close").click()
    await expect(help_dialog).to_have_count(0)
    assert watch.errors == []
