"""History pages in as you scroll up; the client reconnects after a server restart without duplicates."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable

import pytest
from playwright.async_api import Locator, expect

from tests.support.server import ServerProcess
from tests.support.web import WebUser, api_session, post_direct
from tests.web.conftest import SignedIn
from tests.web.test_chat import open_direct, send

pytestmark = pytest.mark.asyncio(loop_scope="session")
NewUser = Callable[[str], WebUser]


async def scroll_to_top_until(scroller: Locator, items: Locator, count: int) -> None:
    """Scroll to the top, as a reader would again while the view still settles (it keeps to
    the latest message as the first page lays out), until `count` items are loaded; bounded."""
    for _ in range(20):
        await scroller.evaluate("s => { s.scrollTop = 0; }")
        try:
            await expect(items).to_have_count(count, timeout=1000)
            return
        except AssertionError:
            continue
    await expect(items).to_have_count(count)


async def test_history_loads_page_by_page_on_scroll_up(
    new_user: NewUser, signed_in: SignedIn, server: ServerProcess
) -> None:
    alice, bob = new_user("Alice History"), new_user("Bob History")
    with api_session(server.url, alice) as http:
        direct = http.post("/api/v1/directs", json={"user_id": bob.id}).json()["id"]
        for n in range(1, 121):
            made = http.post(f"/api/v1/conversations/{direct}/messages", json={"body": f"message {n}"})
            assert made.status_code == 201, made.text
    page, watch = await signed_in(bob)
    await page.get_by_role("button", name=re.compile(r"^Alice History, 120 unread")).click()
    history = page.get_by_role("list", name="Messages with Alice History")
    await expect(history.get_by_text("message 120", exact=True)).to_be_in_viewport()
    await expect(history.get_by_role("listitem")).to_have_count(50)  # the latest page only
    await expect(history.get_by_role("separator")).not_to_have_count(0)  # a day separator
    scroller = page.get_by_role("region", name="Message history")
    for expected in (100, 120):
        await scroll_to_top_until(scroller, history.get_by_role("listitem"), expected)
    await scroller.evaluate("s => { s.scrollTop = 0; }")
    await expect(history.get_by_text("message 1", exact=True)).to_be_visible()
    assert watch.errors == []


async def test_a_change_to_a_message_not_loaded_leaves_no_gap_in_history(
    new_user: NewUser, signed_in: SignedIn, server: ServerProcess
) -> None:
    """An edit, deletion or reaction live for a message older than the loaded pages does not
    slip it into the view: scrolling up then loads every message in between."""
    alice, bob = new_user("Alice Old Edit"), new_user("Bob Old Edit")
    with api_session(server.url, alice) as http:
        direct = http.post("/api/v1/directs", json={"user_id": bob.id}).json()["id"]
        ids = []
        for n in range(1, 61):
            made = http.post(f"/api/v1/conversations/{direct}/messages", json={"body": f"message {n}"})
            assert made.status_code == 201, made.text
            ids.append(made.json()["id"])
    page, watch = await signed_in(bob)
    await page.get_by_role("button", name=re.compile(r"^Alice Old Edit, 60 unread")).click()
    history = page.get_by_role("list", name="Messages with Alice Old Edit")
    await expect(history.get_by_text("message 60", exact=True)).to_be_in_viewport()
    await expect(history.get_by_role("listitem")).to_have_count(50)  # messages 11 to 60
    with api_session(server.url, alice) as http:
        edited = http.patch(f"/api/v1/messages/{ids[0]}", json={"body": "message 1, edited"})
        assert edited.status_code == 200, edited.text
        assert http.delete(f"/api/v1/messages/{ids[1]}").status_code == 200
        http.post(f"/api/v1/conversations/{direct}/messages", json={"body": "after the changes"})
    await expect(history.get_by_text("after the changes", exact=True)).to_be_visible()
    await expect(history.get_by_role("listitem")).to_have_count(51)  # the old ones did not slip in
    scroller = page.get_by_role("region", name="Message history")
    await scroll_to_top_until(scroller, history.get_by_role("listitem"), 61)
    for body in ("message 1, edited", "message 3", "message 10"):
        await expect(history.get_by_text(body, exact=True)).to_have_count(1)
    assert watch.errors == []


async def test_reconnects_after_restart_without_duplicates(
    new_user: NewUser, signed_in: SignedIn, server: ServerProcess
) -> None:
    alice, bob = new_user("Alice Restart"), new_user("Bob Restart")
    alice_page, _ = await signed_in(alice)
    bob_page, _ = await signed_in(bob)
    await open_direct(alice_page, bob)
    await send(alice_page, bob, "before the restart")
    await bob_page.get_by_role("button", name=re.compile(r"^Alice Restart, 1 unread")).click()
    bob_history = bob_page.get_by_role("list", name="Messages with Alice Restart")
    await expect(bob_history.get_by_text("before the restart")).to_be_visible()

    alice_history = alice_page.get_by_role("list", name="Messages with Bob Restart")
    await asyncio.to_thread(server.stop)
    try:
        await expect(alice_page.get_by_role("status")).to_have_text("Reconnecting…")
        await send(alice_page, bob, "typed while offline")  # queued until the connection is back
        await expect(alice_history.get_by_text("Sending…")).to_be_visible()
    finally:
        await asyncio.to_thread(server.start)  # the other web tests share this server
    with api_session(server.url, alice) as http:  # sent while Bob's client may still be away
        direct = http.post("/api/v1/directs", json={"user_id": bob.id}).json()["id"]
        http.post(f"/api/v1/conversations/{direct}/messages", json={"body": "sent during catch-up"})

    for page, history in ((alice_page, alice_history), (bob_page, bob_history)):
        await expect(page.get_by_role("status")).to_have_text("", timeout=30_000)
        await expect(history.get_by_text("sent during catch-up")).to_have_count(1, timeout=15_000)
        await expect(history.get_by_text("typed while offline")).to_have_count(1)
        await expect(history.get_by_text("before the restart")).to_have_count(1)
        await expect(history.get_by_text("Sending…")).to_have_count(0)
        await expect(history.get_by_role("listitem")).to_have_count(3)


async def test_losing_the_network_shows_reconnecting_and_catches_up_when_it_is_back(
    new_user: NewUser, signed_in: SignedIn, server: ServerProcess
) -> None:
    """The browser says it went offline: the page gives up its socket at once (a dead socket
    may stay "open" for minutes) and reconnects, with catch-up, as soon as it is back online."""
    alice, bob = new_user("Alice Offline"), new_user("Bob Online")
    page, watch = await signed_in(alice)
    await open_direct(page, bob)
    await send(page, bob, "before the outage")
    history = page.get_by_role("list", name="Messages with Bob Online")
    await expect(history.get_by_text("before the outage")).to_be_visible()
    await page.context.set_offline(True)
    try:
        await expect(page.get_by_role("status")).to_have_text("Reconnecting…")
        post_direct(server.url, bob, alice, "sent while Alice was away")
    finally:
        await page.context.set_offline(False)
    await expect(page.get_by_role("status")).to_have_text("", timeout=15_000)
    await expect(history.get_by_text("sent while Alice was away")).to_have_count(1)
    await expect(history.get_by_role("listitem")).to_have_count(2)
    assert [e for e in watch.errors if "ERR_INTERNET_DISCONNECTED" not in e] == []


async def test_the_open_conversation_reloads_after_missing_more_than_a_catch_up(
    new_user: NewUser, signed_in: SignedIn, server: ServerProcess
) -> None:
    """Away for more events than a catch-up replays (the web tests' server: 150), the client
    starts afresh: the open conversation shows its latest page again, what came meanwhile too."""
    alice, bob, carol = new_user("Alice Gap"), new_user("Bob Gap"), new_user("Carol Gap")
    post_direct(server.url, carol, bob, *(f"before {n}" for n in range(1, 31)))
    page, watch = await signed_in(bob)
    conversations = page.get_by_role("list", name="Conversations")  # the directory lists Carol too
    await conversations.get_by_role("button", name=re.compile(r"^Carol Gap")).click()
    history = page.get_by_role("list", name="Messages with Carol Gap")
    await expect(history.get_by_text("before 30", exact=True)).to_be_visible()
    await page.context.set_offline(True)
    await expect(page.get_by_role("status").filter(has_text="Reconnecting")).to_be_visible()
    post_direct(server.url, alice, bob, *(f"flood {n}" for n in range(160)))
    post_direct(server.url, carol, bob, "during the gap")
    await page.context.set_offline(False)
    await expect(history.get_by_text("during the gap", exact=True)).to_be_visible()
    await expect(history.get_by_text("before 30", exact=True)).to_be_visible()
    await expect(history.get_by_role("listitem")).to_have_count(31)
    assert [e for e in watch.errors if "WebSocket" not in e] == []
