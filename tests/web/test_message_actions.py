"""Acting on messages from the browser: edit, delete, react, reply, @mention completion."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Page, expect

from tests.support.server import ServerProcess
from tests.support.web import WebUser, api_session, post_direct
from tests.web.conftest import NewUser, SignedIn
from tests.web.test_chat import open_direct, send

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def open_listed(page: Page, other: WebUser) -> None:
    """Open a conversation from the sidebar's list (the directory would match the name too)."""
    listed = page.get_by_role("list", name="Conversations").get_by_role(
        "button", name=re.compile(f"^{other.display_name}")
    )
    await listed.click()
    await expect(page.get_by_role("heading", name=other.display_name, level=2)).to_be_visible()


def item(page: Page, other: WebUser, text: str):  # type: ignore[no-untyped-def]
    history = page.get_by_role("list", name=f"Messages with {other.display_name}")
    return history.get_by_role("listitem").filter(has_text=text)


async def test_edit_delete_and_react(new_user: NewUser, signed_in: SignedIn) -> None:
    alice, bob = new_user("Alice Acts"), new_user("Bob Acts")
    alice_page, alice_watch = await signed_in(alice)
    bob_page, bob_watch = await signed_in(bob)
    await open_direct(alice_page, bob)
    await send(alice_page, bob, "teh first message")
    await send(alice_page, bob, "a message to take back")
    await open_listed(bob_page, alice)

    # Edit in place: Enter saves; both sides show the new text, marked edited.
    mine = item(alice_page, bob, "teh first message")
    await mine.hover()
    await mine.get_by_role("button", name="Edit message").click()
    box = alice_page.get_by_role("textbox", name="Edit message")
    await expect(box).to_be_focused()
    await box.fill("the first message")
    await box.press("Enter")
    for page, other in ((alice_page, bob), (bob_page, alice)):
        edited = item(page, other, "the first message")
        await expect(edited.get_by_text("(edited)")).to_be_visible()

    # Delete after a confirm: a tombstone on both sides.
    doomed = item(alice_page, bob, "a message to take back")
    await doomed.hover()
    await doomed.get_by_role("button", name="Delete message").click()
    await doomed.get_by_role("button", name="Delete", exact=True).click()
    for page, other in ((alice_page, bob), (bob_page, alice)):
        await expect(item(page, other, "Message deleted")).to_have_count(1)
        await expect(item(page, other, "a message to take back")).to_have_count(0)

    # Bob has no Edit or Delete on Alice's message; he reacts from the picker, with the keyboard.
    theirs = item(bob_page, alice, "the first message")
    await theirs.hover()
    await expect(theirs.get_by_role("button", name="Edit message")).to_have_count(0)
    await theirs.get_by_role("button", name="Add reaction").click()
    picker = bob_page.get_by_role("dialog", name="Pick a reaction")
    await expect(picker.get_by_role("button", name="thumbs up")).to_be_focused()
    await bob_page.keyboard.press("ArrowRight")
    await bob_page.keyboard.press("ArrowRight")
    await expect(picker.get_by_role("button", name="red heart")).to_be_focused()
    await bob_page.keyboard.press("Enter")
    await expect(picker).to_have_count(0)
    heart = "❤️ 1"
    await expect(theirs.get_by_role("button", name=heart)).to_have_attribute("aria-pressed", "true")

    # Alice sees it live and adds hers by clicking the reaction; Bob takes his back.
    alice_heart = item(alice_page, bob, "the first message").get_by_role("button", name=heart)
    await expect(alice_heart).to_have_attribute("aria-pressed", "false")
    await alice_heart.click()
    await expect(item(alice_page, bob, "the first message").get_by_role("button", name="❤️ 2")).to_be_visible()
    await expect(theirs.get_by_role("button", name="❤️ 2")).to_be_visible()
    await theirs.get_by_role("button", name="❤️ 2").click()
    await expect(item(alice_page, bob, "the first message").get_by_role("button", name=heart)).to_have_attribute(
        "aria-pressed", "true"
    )
    # Escape closes the picker and gives focus back.
    await theirs.hover()
    await theirs.get_by_role("button", name="Add reaction").click()
    await bob_page.keyboard.press("Escape")
    await expect(bob_page.get_by_role("dialog", name="Pick a reaction")).to_have_count(0)
    await expect(theirs.get_by_role("button", name="Add reaction")).to_be_focused()
    assert alice_watch.errors == [] and bob_watch.errors == []


async def test_reply_quotes_and_jumps_to_an_old_original(
    new_user: NewUser, signed_in: SignedIn, server: ServerProcess
) -> None:
    alice, bob = new_user("Alice Reply"), new_user("Bob Reply")
    fillers = [f"filler {n}" for n in range(1, 131)]
    direct = post_direct(server.url, alice, bob, "the original question", *fillers)
    bob_page, watch = await signed_in(bob)
    await open_listed(bob_page, alice)
    history = bob_page.get_by_role("list", name="Messages with Alice Reply")
    await expect(history.get_by_text("filler 130", exact=True)).to_be_visible()

    # Bob replies to the latest message: the composer shows what he replies to, then the quote.
    latest = item(bob_page, alice, "filler 130")
    toolbar = latest.get_by_role("toolbar")
    await toolbar.get_by_role("button", name="Add reaction").focus()  # the toolbar's one tab stop
    await bob_page.keyboard.press("ArrowRight")
    await expect(toolbar.get_by_role("button", name="Reply")).to_be_focused()
    await bob_page.keyboard.press("Enter")
    await expect(bob_page.get_by_text("Replying to Alice Reply: filler 130")).to_be_visible()
    await send(bob_page, alice, "answering the last one")
    quote = history.get_by_role("button", name=re.compile(r"^Replying to Alice Reply: filler 130"))
    await expect(quote).to_be_visible()

    # A reply (made elsewhere) to a message far back: the quote loads it, a click opens history around it.
    with api_session(server.url, alice) as http:
        old = http.get(f"/api/v1/search?q=original&conversation_id={direct}").json()["messages"][0]
        body = {"body": "see my question above", "reply_to": old["id"]}
        http.post(f"/api/v1/conversations/{direct}/messages", json=body)
    old_quote = history.get_by_role("button", name=re.compile(r"^Replying to Alice Reply: the original question"))
    await expect(old_quote).to_be_visible()
    await old_quote.click()
    original = history.get_by_role("listitem").filter(has_text="the original question").first
    await expect(original).to_have_class(re.compile(r"\bhighlight\b"))
    await expect(original).to_be_in_viewport()
    await expect(history.get_by_text("filler 130", exact=True)).to_have_count(0)  # a window, not everything
    await bob_page.get_by_role("button", name="Jump to latest").click()
    await expect(history.get_by_text("see my question above")).to_be_in_viewport()
    assert watch.errors == []


async def quote_shows(page: Page, other: WebUser, text: str) -> None:
    """The quote above "my answer to that" shows `text`, and the original's secret is nowhere on the page."""
    reply = item(page, other, "my answer to that")
    quote = reply.get_by_role("button", name=re.compile(f"^Replying to Bob Quoted: {text}"))
    await expect(quote).to_have_text(re.compile(f"{text}$"))
    assert "secret token" not in await page.content()  # not in a label or a title either


async def test_a_reply_quote_follows_the_original_s_edit_and_deletion(
    new_user: NewUser, signed_in: SignedIn, server: ServerProcess
) -> None:
    """The quote above a reply shows the original as it is now: edited or deleted elsewhere,
    its old text leaves the page at once (no reload), on both sides."""
    alice, bob = new_user("Alice Quotes"), new_user("Bob Quoted")
    direct = post_direct(server.url, bob, alice, "Q1 secret token 1234")
    alice_page, alice_watch = await signed_in(alice)
    bob_page, bob_watch = await signed_in(bob)
    await open_listed(alice_page, bob)
    await open_listed(bob_page, alice)

    original = item(alice_page, bob, "Q1 secret token 1234")
    await original.hover()
    await original.get_by_role("button", name="Reply").click()
    await send(alice_page, bob, "my answer to that")
    for page, other in ((alice_page, bob), (bob_page, alice)):
        quote = item(page, other, "my answer to that").get_by_role("button", name=re.compile("^Replying to Bob Quoted"))
        await expect(quote).to_contain_text("Q1 secret token 1234")

    with api_session(server.url, bob) as http:
        listed = http.get(f"/api/v1/conversations/{direct}/messages").json()["messages"]
        q1 = next(m for m in listed if m["body"] == "Q1 secret token 1234")
        edited = http.patch(f"/api/v1/messages/{q1['id']}", json={"body": "Q1 nothing to see"})
        assert edited.status_code == 200, edited.text
        for page, other in ((alice_page, bob), (bob_page, alice)):
            await quote_shows(page, other, "Q1 nothing to see")
        deleted = http.delete(f"/api/v1/messages/{q1['id']}")
        assert deleted.status_code in (200, 204), deleted.text
        for page, other in ((alice_page, bob), (bob_page, alice)):
            await quote_shows(page, other, "Message deleted")
    assert alice_watch.errors == [] and bob_watch.errors == []


async def test_mention_completion_with_the_keyboard(new_user: NewUser, signed_in: SignedIn) -> None:
    alice, bob = new_user("Alice Mention"), new_user("Bob Mentioned")
    carol = new_user("Carol Mentioned")
    alice_page, watch = await signed_in(alice)
    bob_page, _ = await signed_in(bob)
    await open_direct(alice_page, bob)
    box = alice_page.get_by_role("textbox", name="Message Bob Mentioned")
    await box.press_sequentially("hello @Mentio")
    options = alice_page.get_by_role("listbox", name="People to mention").get_by_role("option")
    await expect(options.first).to_contain_text("Bob Mentioned")  # a member of the conversation first
    await expect(options.filter(has_text="Carol Mentioned")).to_have_count(1)
    await box.press("ArrowDown")
    await expect(options.filter(has_text="Carol Mentioned")).to_have_attribute("aria-selected", "true")
    await box.press("ArrowUp")
    await box.press("Tab")
    await expect(box).to_have_value(f"hello @{bob.username} ")
    # Her whole user id: the shared test server has other Carols, from other tests.
    await box.press_sequentially(f"and @{carol.username}")
    await box.press("Escape")
    await expect(alice_page.get_by_role("listbox", name="People to mention")).to_be_hidden()
    await box.press("Backspace")
    await box.press_sequentially(carol.username[-1])
    await box.press("Enter")  # completes, does not send
    await expect(box).to_have_value(f"hello @{bob.username} and @{carol.username} ")
    await box.press("Enter")
    await expect(
        bob_page.get_by_role("button", name=re.compile(r"^Alice Mention, 1 unread, 1 mentioning you"))
    ).to_be_visible()
    assert watch.errors == []


async def test_an_edited_follow_on_message_says_so(new_user: NewUser, signed_in: SignedIn) -> None:
    """A message right after another of the same sender shows no header; its "(edited)" still shows."""
    alice, bob = new_user("Alice Follows"), new_user("Bob Reads")
    page, watch = await signed_in(alice)
    await open_direct(page, bob)
    await send(page, bob, "the opening line")
    await send(page, bob, "a folow-on line")
    follow_on = item(page, bob, "a folow-on line")
    await follow_on.hover()
    await follow_on.get_by_role("button", name="Edit message").click()
    box = page.get_by_role("textbox", name="Edit message")
    await box.fill("a follow-on line")
    await box.press("Enter")
    await expect(item(page, bob, "a follow-on line").get_by_text("(edited)")).to_be_visible()
    assert watch.errors == []
