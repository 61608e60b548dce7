"""Edits, deletions, reactions and presence reach an open page live."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from playwright.async_api import Browser, Page, Route, expect

from tests.support.server import ServerProcess
from tests.support.web import PageWatch, WebUser, api_session, post_direct, sign_in
from tests.web.conftest import SignedIn
from tests.web.test_chat import open_direct

pytestmark = pytest.mark.asyncio(loop_scope="session")
NewUser = Callable[[str], WebUser]


async def test_edits_deletions_reactions_and_status_show_live(
    new_user: NewUser, signed_in: SignedIn, server: ServerProcess
) -> None:
    alice, bob = new_user("Alice Live"), new_user("Bob Live")
    alice_page, alice_watch = await signed_in(alice)
    bob_page, _ = await signed_in(bob)
    await open_direct(alice_page, bob)
    history = alice_page.get_by_role("list", name="Messages with Bob Live")

    with api_session(server.url, bob) as http:
        direct = http.post("/api/v1/directs", json={"user_id": alice.id}).json()["id"]
        first = http.post(f"/api/v1/conversations/{direct}/messages", json={"body": "frist"}).json()
        second = http.post(f"/api/v1/conversations/{direct}/messages", json={"body": "oops, wrong chat"}).json()
        await expect(history.get_by_text("oops, wrong chat")).to_be_visible()
        http.patch(f"/api/v1/messages/{first['id']}", json={"body": "first"})
        http.delete(f"/api/v1/messages/{second['id']}")
        http.post(f"/api/v1/messages/{first['id']}/reactions", json={"emoji": "👍"})

    await expect(history.get_by_text("first", exact=True)).to_be_visible()
    await expect(history.get_by_text("(edited)")).to_be_visible()
    await expect(history.get_by_text("Message deleted")).to_be_visible()
    await expect(history.get_by_text("oops, wrong chat")).to_have_count(0)
    await expect(history.get_by_role("list", name="Reactions").get_by_role("button", name="👍 1")).to_be_visible()

    # Bob goes busy with a message: Alice's directory and conversation header follow.
    await bob_page.get_by_role("combobox", name="Your status").select_option(label="Busy")
    await bob_page.get_by_role("textbox", name="Status message").fill("in a meeting")
    await bob_page.get_by_role("textbox", name="Status message").press("Enter")
    await expect(alice_page.get_by_role("button", name=re.compile(r"^Bob Live, Busy: in a meeting"))).to_be_visible()
    assert alice_watch.errors == []


@contextlib.asynccontextmanager
async def first_answer_held(
    browser: Browser, server: ServerProcess, user: WebUser, url: str
) -> AsyncIterator[tuple[Page, PageWatch, asyncio.Event]]:
    """Sign `user` in while the browser holds back the server's first answer to `url` (a
    pattern): that answer is made at once, but reaches the page only when the yielded event
    is set. Later requests to `url` go through."""
    fetched, release = asyncio.Event(), asyncio.Event()

    async def hold_first(route: Route) -> None:
        if fetched.is_set():
            await route.continue_()
            return
        answer = await route.fetch()
        fetched.set()
        await release.wait()
        await route.fulfill(response=answer)

    context = await browser.new_context()
    try:
        await context.route(re.compile(url), hold_first)
        page = await context.new_page()
        watch = PageWatch()
        watch.attach(page)
        await sign_in(page, server.url, user)
        await asyncio.wait_for(fetched.wait(), 30)
        yield page, watch, release
    finally:
        release.set()
        await context.close()


async def test_a_directory_page_older_than_a_live_frame_does_not_undo_it(
    new_user: NewUser, signed_in: SignedIn, browser: Browser, server: ServerProcess
) -> None:
    """The first directory page is asked for once the WebSocket is up. A rename and a status
    change that arrive live while that page is on its way are newer than the page."""
    frank, grace, hank = new_user("Frank Before"), new_user("Grace Loading"), new_user("Hank Bystander")
    frank_page, _ = await signed_in(frank)
    # Held: the server's answer as it is at sign-in (Frank Before, available).
    async with first_answer_held(browser, server, grace, r"/api/v1/people\?limit=200$") as (page, watch, release):
        with api_session(server.url, frank) as http:
            assert http.patch("/api/v1/me", json={"display_name": "Frank After"}).status_code == 200
        await frank_page.get_by_role("combobox", name="Your status").select_option(label="Away")
        await expect(page.get_by_role("button", name=re.compile(r"^Frank After, Away"))).to_be_visible()

        release.set()
        await expect(page.get_by_role("button", name=re.compile(f"^{hank.display_name}"))).to_be_visible()
        await expect(page.get_by_role("button", name=re.compile(r"^Frank After, Away"))).to_be_visible()
        await expect(page.get_by_role("button", name=re.compile(r"^Frank Before"))).to_have_count(0)
        assert watch.errors == []


async def test_a_conversation_list_older_than_a_live_message_is_asked_for_again(
    new_user: NewUser, browser: Browser, server: ServerProcess
) -> None:
    """A message that arrives while the first conversation list is on its way: the list was
    made before it (no unread), so the client asks for the list again."""
    bob, grace = new_user("Bob Sender"), new_user("Grace Listing")
    with api_session(server.url, bob) as http:
        direct = http.post("/api/v1/directs", json={"user_id": grace.id}).json()["id"]
    # Held: the list as it is at sign-in (no message, nothing unread).
    async with first_answer_held(browser, server, grace, r"/api/v1/conversations$") as (page, watch, release):
        with api_session(server.url, bob) as http:
            sent = http.post(f"/api/v1/conversations/{direct}/messages", json={"body": "while you load"})
            assert sent.status_code == 201, sent.text
        listed = page.get_by_role("list", name="Conversations").get_by_role("button", name=re.compile("^Bob Sender"))
        await expect(listed).to_be_visible()  # the live message made the client load its conversation

        release.set()
        await expect(listed).to_have_accessible_name(re.compile("^Bob Sender, 1 unread"))
        assert watch.errors == []


async def test_a_colleague_made_after_the_page_loaded_shows_by_name_and_goes_when_disabled(
    new_user: NewUser, signed_in: SignedIn, server: ServerProcess, admin_token: str
) -> None:
    """user.updated comes for a new account and a disabled one; a sender the page does not know
    yet is looked up by id, never shown as 'User N'."""
    alice = new_user("Alice Early")
    page, watch = await signed_in(alice)
    people = page.get_by_role("list", name="People")
    await expect(people.get_by_role("button", name=re.compile("^Alice Early"))).to_have_count(0)  # not herself
    erin = new_user("Erin Newhire")  # made while Alice's page is open
    await expect(people.get_by_role("button", name=re.compile("^Erin Newhire"))).to_have_count(1)
    with api_session(server.url, erin) as http:
        direct = http.post("/api/v1/directs", json={"user_id": alice.id}).json()["id"]
        assert http.post(f"/api/v1/conversations/{direct}/messages", json={"body": "hi, I'm new"}).status_code == 201
    listed = page.get_by_role("list", name="Conversations").get_by_role("button", name=re.compile("^Erin Newhire"))
    await expect(listed).to_have_count(1)
    await expect(page.get_by_text(re.compile(r"User \d+"))).to_have_count(0)

    erin_page, _ = await signed_in(erin)
    headers = {"Authorization": f"Bearer {admin_token}"}
    with httpx.Client(base_url=server.url, headers=headers, timeout=30) as admin:
        disabled = admin.patch(f"/api/v1/admin/users/{erin.username}", json={"is_disabled": True})
        assert disabled.status_code == 200, disabled.text
    await expect(people.get_by_role("button", name=re.compile("^Erin Newhire"))).to_have_count(0)
    await expect(listed).to_have_count(1)  # the conversation stays, under her name
    await expect(erin_page.get_by_role("button", name="Sign in")).to_be_visible()  # her page says why
    await expect(erin_page.get_by_role("alert")).to_have_text(re.compile("Your account has been disabled"))

    # Made with the CLI (another process: no user.updated), Gus writes to Alice: the page asks who he is.
    gus = WebUser(0, f"gus-{os.getpid()}", "password-gus-cli", "Gus From-The-Cli")
    made = server.roost("user", "add", gus.username, "--name", gus.display_name, "--password-stdin", stdin=gus.password)
    assert made.returncode == 0, made.stderr
    with api_session(server.url, gus) as http:
        direct = http.post("/api/v1/directs", json={"user_id": alice.id}).json()["id"]
        assert http.post(f"/api/v1/conversations/{direct}/messages", json={"body": "from the CLI"}).status_code == 201
    from_gus = page.get_by_role("list", name="Conversations").get_by_role(
        "button", name=re.compile("^Gus From-The-Cli")
    )
    await expect(from_gus).to_have_count(1)
    await expect(page.get_by_text(re.compile(r"User \d+"))).to_have_count(0)

    # Disabled with the CLI while signed in: the server's sweep ends his session and tells everyone.
    gus_page, _ = await signed_in(gus)
    await expect(people.get_by_role("button", name=re.compile("^Gus From-The-Cli"))).to_have_count(1)
    by_cli = server.roost("user", "disable", gus.username)
    assert by_cli.returncode == 0, by_cli.stderr
    await expect(gus_page.get_by_role("alert")).to_have_text(
        re.compile("Your account has been disabled"), timeout=15_000
    )
    await expect(people.get_by_role("button", name=re.compile("^Gus From-The-Cli"))).to_have_count(0)
    assert watch.errors == []


async def test_a_history_page_older_than_live_changes_does_not_undo_them(
    new_user: NewUser, browser: Browser, server: ServerProcess
) -> None:
    """A conversation's first page is asked for when it opens. An edit and a deletion that
    arrive live while that page is on its way are newer than the page: they stay."""
    alice, bob = new_user("Alice Page Race"), new_user("Bob Page Race")
    direct = post_direct(server.url, alice, bob, "frist draft", "to be taken back")
    with api_session(server.url, alice) as http:
        listed = http.get(f"/api/v1/conversations/{direct}/messages").json()["messages"]
    ids = {m["body"]: m["id"] for m in listed}
    fetched, release = asyncio.Event(), asyncio.Event()
    context = await browser.new_context()
    try:
        page = await context.new_page()
        watch = PageWatch()
        watch.attach(page)
        frames: list[str] = []
        page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: frames.append(str(payload))))
        await sign_in(page, server.url, bob)

        async def hold(route: Route) -> None:  # the page as it is now, held back until the changes came
            answer = await route.fetch()
            fetched.set()
            await release.wait()
            await route.fulfill(response=answer)

        await page.route(re.compile(rf"/api/v1/conversations/{direct}/messages\?limit=50$"), hold)
        conversations = page.get_by_role("list", name="Conversations")
        await conversations.get_by_role("button", name=re.compile(r"^Alice Page Race")).click()
        await asyncio.wait_for(fetched.wait(), 30)
        with api_session(server.url, alice) as http:
            assert http.patch(f"/api/v1/messages/{ids['frist draft']}", json={"body": "first draft"}).status_code == 200
            assert http.delete(f"/api/v1/messages/{ids['to be taken back']}").status_code in (200, 204)
        for _ in range(100):  # both frames reached the page (loopback: at once)
            if any('"message.deleted"' in frame for frame in frames):
                break
            await asyncio.sleep(0.05)
        assert any('"message.edited"' in frame for frame in frames)
        release.set()
        history = page.get_by_role("list", name="Messages with Alice Page Race")
        await expect(history.get_by_text("first draft", exact=True)).to_be_visible()
        await expect(history.get_by_text("frist draft")).to_have_count(0)
        await expect(history.get_by_text("to be taken back")).to_have_count(0)
        assert watch.errors == []
    finally:
        release.set()
        await context.close()
