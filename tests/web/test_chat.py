"""The web client in a real headless Chromium: two people sign in and chat (issue 5, first slice)."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.async_api import Page, expect

from tests.support.web import WebUser
from tests.web.conftest import SignedIn

pytestmark = pytest.mark.asyncio(loop_scope="session")
NewUser = Callable[[str], WebUser]


async def open_direct(page: Page, other: WebUser) -> None:
    people = page.get_by_role("navigation")
    await people.get_by_role("searchbox", name="Search people").fill(other.display_name)
    await people.get_by_role("button", name=re.compile(f"^{other.display_name},")).click()
    await expect(page.get_by_role("heading", name=other.display_name, level=2)).to_be_visible()


async def send(page: Page, to: WebUser, text: str) -> None:
    box = page.get_by_role("textbox", name=f"Message {to.display_name}")
    await box.fill(text)
    await box.press("Enter")


async def test_two_people_chat_live(new_user: NewUser, signed_in: SignedIn) -> None:
    alice, bob = new_user("Alice Example"), new_user("Bob Builder")
    alice_page, alice_watch = await signed_in(alice)
    bob_page, bob_watch = await signed_in(bob)

    # Alice sees Bob online in the directory, and starts a DM with him.
    await expect(alice_page.get_by_role("button", name=re.compile(r"^Bob Builder, Available"))).to_be_visible()
    await open_direct(alice_page, bob)
    await send(alice_page, bob, "Hello **Bob**")
    await expect(
        alice_page.get_by_role("list", name="Messages with Bob Builder").get_by_text("Hello Bob")
    ).to_be_visible()

    # Bob gets it live: an unread badge in his sidebar, then the message.
    unread = bob_page.get_by_role("button", name="Alice Example, 1 unread")
    await expect(unread).to_be_visible()
    await unread.click()
    history = bob_page.get_by_role("list", name="Messages with Alice Example")
    await expect(history.locator("strong", has_text="Bob")).to_be_visible()
    await expect(bob_page.get_by_role("button", name="Alice Example", exact=True)).to_be_visible()  # read: no badge

    # Typing shows on the other side, then the reply arrives.
    await bob_page.get_by_role("textbox", name="Message Alice Example").press_sequentially("Hi")
    await expect(alice_page.get_by_text("Bob Builder is typing…")).to_be_visible()
    await bob_page.get_by_role("textbox", name="Message Alice Example").press("Enter")
    await expect(
        alice_page.get_by_role("list", name="Messages with Bob Builder").get_by_text("Hi", exact=True)
    ).to_be_visible()
    await expect(alice_page.get_by_text("Bob Builder is typing…")).to_be_hidden()

    assert alice_watch.errors == [] and bob_watch.errors == []


async def test_a_message_that_is_not_sent_says_why_and_stays_in_the_box(new_user: NewUser, signed_in: SignedIn) -> None:
    alice, bob = new_user("Alice Toolong"), new_user("Bob Toolong")
    page, watch = await signed_in(alice)
    await open_direct(page, bob)
    history = page.get_by_role("list", name=f"Messages with {bob.display_name}")
    await send(page, bob, "short enough")
    first = history.get_by_role("listitem").filter(has_text="short enough")
    await first.hover()
    await first.get_by_role("button", name="Reply").click()
    text = "x" * 100_001  # one over the server's limit
    await send(page, bob, text)
    toast = page.locator("#toast")
    await expect(toast).to_be_visible()
    await expect(toast).to_contain_text("Not sent: The message is longer than 100000 characters.")
    box = page.get_by_role("textbox", name=f"Message {bob.display_name}")
    await expect(box).to_have_value(text)  # nothing typed is lost, nor what it replied to
    await expect(page.get_by_text("Replying to Alice Toolong")).to_be_visible()
    await toast.get_by_role("button", name="Close").click()
    await expect(toast).to_be_hidden()
    await send(page, bob, "a short reply")
    await expect(history.get_by_role("listitem").filter(has_text="a short reply")).to_have_count(1)
    assert watch.errors == []
