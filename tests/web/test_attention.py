"""Unread count in the tab title, mute, notifications opt-in, new tabs, the profile."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Browser, expect

from tests.support.server import ServerProcess
from tests.support.web import PageWatch, WebUser, post_direct, sign_in
from tests.web.conftest import NewUser, SignedIn

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_unread_in_title_mute_and_a_new_tab(
    new_user: NewUser, signed_in: SignedIn, server: ServerProcess
) -> None:
    alice, bob = new_user("Alice Title"), new_user("Bob Title")
    page, watch = await signed_in(bob)
    await expect(page).to_have_title("Roost")
    assert await page.evaluate("Notification.permission") == "default"  # never asked on load
    await expect(page.get_by_role("button", name="Enable notifications")).to_be_visible()

    post_direct(server.url, alice, bob, "one", "two")
    await expect(page).to_have_title("(2) Roost")
    listed = page.get_by_role("list", name="Conversations").get_by_role("button", name=re.compile("^Alice Title"))
    await listed.click()
    await expect(page).to_have_title("Roost")

    # Muted: no count in the title, marked in the list; the server keeps it for the next tab.
    await page.get_by_role("button", name="Mute this conversation").click()
    await expect(page.get_by_role("button", name="Unmute this conversation")).to_have_attribute("aria-pressed", "true")
    await expect(listed).to_have_accessible_name(re.compile(", muted$"))
    await page.get_by_role("button", name="Search", exact=True).click()  # leave the conversation
    post_direct(server.url, alice, bob, "three")
    await expect(listed).to_have_accessible_name(re.compile("1 unread.*muted"))
    await expect(page).to_have_title("Roost")

    tab = await page.context.new_page()  # same browser, new tab: no sign-in again
    tab_watch = PageWatch()
    tab_watch.attach(tab)
    await tab.goto(server.url + "/")
    await expect(tab.get_by_role("button", name="Sign out")).to_be_visible()
    tab_listed = tab.get_by_role("list", name="Conversations").get_by_role("button", name=re.compile("^Alice Title"))
    await expect(tab_listed).to_have_accessible_name(re.compile(", muted$"))
    await tab_listed.click()
    await tab.get_by_role("button", name="Unmute this conversation").click()
    await expect(tab.get_by_role("button", name="Mute this conversation")).to_be_visible()
    await tab.get_by_role("button", name="Search", exact=True).click()
    post_direct(server.url, alice, bob, "four")
    await expect(tab).to_have_title("(1) Roost")
    assert watch.errors == [] and tab_watch.errors == []


async def test_profile_name_and_password(
    new_user: NewUser, signed_in: SignedIn, browser: Browser, server: ServerProcess
) -> None:
    frank, grace = new_user("Frank Profile"), new_user("Grace Watcher")
    page, watch = await signed_in(frank)
    grace_page, _ = await signed_in(grace)
    await page.get_by_role("button", name="Your profile").click()
    await page.get_by_label("Display name").fill("Franklin P.")
    await page.get_by_role("button", name="Save profile").click()
    await expect(page.get_by_role("status").filter(has_text="Profile saved.")).to_be_visible()
    await expect(page.get_by_role("button", name="Your profile")).to_have_text("Franklin P.")
    await expect(grace_page.get_by_role("button", name=re.compile(r"^Franklin P\., Available"))).to_be_visible()

    await page.get_by_label("Current password").fill("wrong password")
    await page.get_by_label("New password", exact=True).fill("a brand new password")
    await page.get_by_label("New password again").fill("a brand new password")
    await page.get_by_role("button", name="Change password").click()
    await expect(page.get_by_role("status").filter(has_text=re.compile("password", re.I))).to_have_class(
        re.compile("error")
    )
    await page.get_by_label("Current password").fill(frank.password)
    await page.get_by_role("button", name="Change password").click()
    await expect(page.get_by_role("status").filter(has_text="Password changed.")).to_be_visible()
    again = await (await browser.new_context()).new_page()
    await sign_in(again, server.url, WebUser(frank.id, frank.username, "a brand new password", "Franklin P."))
    await again.context.close()
    # The wrong current password was refused with 401; the browser logs every refused request.
    assert all("status of 401" in error for error in watch.errors), watch.errors


async def test_a_hidden_tab_reads_on_showing_again_and_drafts_wait(
    new_user: NewUser, signed_in: SignedIn, server: ServerProcess
) -> None:
    """Messages that come while the tab is hidden stay unread until it shows again; then the open
    conversation reads them. Text typed and not sent waits while another conversation is open."""
    alice, bob, carol = new_user("Alice Hidden"), new_user("Bob Hidden"), new_user("Carol Hidden")
    post_direct(server.url, alice, bob, "hello")
    post_direct(server.url, carol, bob, "hi there")
    page, watch = await signed_in(bob)
    conversations = page.get_by_role("list", name="Conversations")
    from_alice = conversations.get_by_role("button", name=re.compile("^Alice Hidden"))
    await from_alice.click()
    await expect(page).to_have_title("(1) Roost")  # Carol's
    hide = "state => { Object.defineProperty(document, 'visibilityState', {value: state, configurable: true});"
    hide += " document.dispatchEvent(new Event('visibilitychange')); }"
    await page.evaluate(hide, "hidden")
    post_direct(server.url, alice, bob, "while you were away")
    history = page.get_by_role("list", name="Messages with Alice Hidden")
    await expect(history.get_by_text("while you were away")).to_be_visible()
    await expect(page).to_have_title("(2) Roost")  # shown, but nobody looked
    await page.evaluate(hide, "visible")
    await expect(page).to_have_title("(1) Roost")
    await expect(from_alice).not_to_have_accessible_name(re.compile("unread"))

    box = page.get_by_role("textbox", name="Message Alice Hidden")
    await box.fill("half a thought")
    await conversations.get_by_role("button", name=re.compile("^Carol Hidden")).click()
    await expect(page.get_by_role("textbox", name="Message Carol Hidden")).to_have_value("")
    await from_alice.click()
    await expect(box).to_have_value("half a thought")
    await box.press("Enter")
    await expect(history.get_by_text("half a thought")).to_be_visible()
    await conversations.get_by_role("button", name=re.compile("^Carol Hidden")).click()
    await from_alice.click()
    await expect(box).to_have_value("")  # sent: no draft left
    assert watch.errors == []
