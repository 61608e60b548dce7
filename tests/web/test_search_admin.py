"""Search with filters and jump to a result; the admin page: add, disable, enable, reset, make admin."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Browser, expect

from tests.support.server import ADMIN_PASSWORD, ServerProcess
from tests.support.web import PageWatch, WebUser, api_session, post_direct, sign_in
from tests.web.conftest import NewUser, SignedIn

pytestmark = pytest.mark.asyncio(loop_scope="session")
ADMIN = WebUser(1, "admin", ADMIN_PASSWORD, "Administrator")


async def test_search_filters_and_opens_around_the_result(
    new_user: NewUser, signed_in: SignedIn, server: ServerProcess
) -> None:
    alice, bob = new_user("Alice Search"), new_user("Bob Search")
    chatter = [f"chatter {n}" for n in range(1, 121)]
    post_direct(server.url, alice, bob, "the zanzibar budget is approved", *chatter)
    post_direct(server.url, bob, alice, "zanzibar from Bob")
    page, watch = await signed_in(bob)

    await page.get_by_role("button", name="Search", exact=True).click()
    form = page.get_by_role("search", name="Search messages")
    await form.get_by_label("Search for").fill("zanzibar")
    await form.get_by_role("button", name="Search").click()
    results = page.get_by_role("list", name="Search results")
    await expect(results.get_by_role("listitem")).to_have_count(2)
    await expect(page.get_by_role("status").filter(has_text="2 results")).to_be_visible()

    # Filters: the sender, then a date range that excludes everything.
    await form.get_by_label("Sender").select_option(label="Alice Search")
    await form.get_by_label("Conversation").select_option(label="Alice Search")
    await form.get_by_role("button", name="Search").click()
    await expect(results.get_by_role("listitem")).to_have_count(1)
    await expect(results.locator("mark", has_text="zanzibar")).to_be_visible()
    await form.get_by_label("Since").fill("2099-01-01")
    await form.get_by_role("button", name="Search").click()
    await expect(page.get_by_role("status").filter(has_text="Nothing found.")).to_be_visible()
    await form.get_by_label("Since").fill("")
    await form.get_by_role("button", name="Search").click()

    # More than a page: "Show older results" brings the next ones, until there are no more.
    await form.get_by_label("Search for").fill("chatter")
    await form.get_by_role("button", name="Search").click()
    await expect(page.get_by_role("status").filter(has_text="100+ results")).to_be_visible()  # a page is 100
    more = page.get_by_role("button", name="Show older results")
    await more.click()
    await expect(results.get_by_role("listitem")).to_have_count(120)
    await expect(page.get_by_role("status").filter(has_text="120 results")).to_be_visible()
    await expect(more).to_be_hidden()

    # Filters typed with the words move into the form's fields.
    await form.get_by_label("Sender").select_option(label="Anyone")
    await form.get_by_label("Search for").fill(f"zanzibar from:@{bob.username}")
    await form.get_by_role("button", name="Search").click()
    await expect(results.get_by_role("listitem")).to_have_count(1)
    await expect(results.get_by_role("button", name=re.compile("zanzibar from Bob"))).to_be_visible()
    await expect(form.get_by_label("Search for")).to_have_value("zanzibar")
    await expect(form.get_by_label("Sender").locator("option:checked")).to_have_text("Bob Search")
    await form.get_by_label("Search for").fill("zanzibar from:nobody-at-all")
    await form.get_by_role("button", name="Search").click()
    await expect(page.get_by_role("status").filter(has_text="No one here is called")).to_be_visible()
    await form.get_by_label("Search for").fill('in:"alice search" zanzibar from:"alice SEARCH" since:2000-01-01')
    await form.get_by_role("button", name="Search").click()
    await expect(results.get_by_role("listitem")).to_have_count(1)
    await expect(results.get_by_role("button", name=re.compile("budget is approved"))).to_be_visible()
    await expect(form.get_by_label("Since")).to_have_value("2000-01-01")
    await expect(form.get_by_label("Conversation").locator("option:checked")).to_have_text("Alice Search")

    # A result opens the conversation around the message, highlighted: not the latest page.
    await results.get_by_role("button", name=re.compile("budget is approved")).click()
    history = page.get_by_role("list", name="Messages with Alice Search")
    found = history.get_by_role("listitem").filter(has_text="the zanzibar budget is approved")
    await expect(found).to_have_class(re.compile(r"\bhighlight\b"))
    await expect(found).to_be_in_viewport()
    await expect(history.get_by_text("zanzibar from Bob")).to_have_count(0)
    # Scrolling down loads the newer pages until the latest.
    scroller = page.get_by_role("region", name="Message history")
    for _ in range(6):
        await scroller.evaluate("s => { s.scrollTop = s.scrollHeight; }")
        if await history.get_by_text("zanzibar from Bob").count():
            break
        await page.wait_for_timeout(300)
    await expect(history.get_by_text("zanzibar from Bob")).to_have_count(1)
    assert watch.errors == []


async def test_admin_adds_disables_enables_and_resets(
    new_user: NewUser, signed_in: SignedIn, browser: Browser, server: ServerProcess
) -> None:
    page, watch = await signed_in(ADMIN)
    await page.get_by_role("button", name="Admin", exact=True).click()
    await expect(page.get_by_role("heading", name="Administration")).to_be_visible()
    add = page.get_by_role("form", name="Add a person")
    username = f"dora-{server.port}"
    await add.get_by_label("Username").fill(username)
    await add.get_by_label("Display name").fill("Dora Admin-Made")
    await add.get_by_role("button", name="Add person").click()
    shown = page.locator(".secret .password")
    await expect(shown).to_be_visible()
    dora = WebUser(0, username, await shown.inner_text(), "Dora Admin-Made")

    dora_page = await (await browser.new_context()).new_page()
    dora_watch = PageWatch()
    dora_watch.attach(dora_page)
    await sign_in(dora_page, server.url, dora)
    await expect(dora_page.get_by_role("button", name="Admin", exact=True)).to_have_count(0)  # not an admin

    # Disabling ends her session at once; enabling lets her back in.
    people = page.get_by_role("table", name="People")
    await page.get_by_label("Find people").fill(username)
    await people.get_by_role("button", name="Disable Dora Admin-Made").click()
    await expect(people.get_by_role("row", name=re.compile("Dora Admin-Made"))).to_contain_text("disabled")
    await expect(dora_page.get_by_role("heading", name="Sign in to Roost")).to_be_visible(timeout=10_000)
    await people.get_by_role("button", name="Enable Dora Admin-Made").click()
    await expect(people.get_by_role("button", name="Disable Dora Admin-Made")).to_be_visible()  # the list reloaded
    await people.get_by_role("button", name="Reset password of Dora Admin-Made").click()
    await people.get_by_role("button", name="Keep it").click()  # asked first, and it can be taken back
    await people.get_by_role("button", name="Reset password of Dora Admin-Made").click()
    await people.get_by_role("button", name="Yes, reset the password of Dora Admin-Made").click()
    await expect(page.locator(".secret")).to_contain_text(f"New password for {username}")
    await expect(page.locator(".secret")).to_be_in_viewport()  # brought into view from the row
    dora = WebUser(0, username, await shown.inner_text(), "Dora Admin-Made")
    await sign_in(dora_page, server.url, dora)

    await people.get_by_role("button", name="Make Dora Admin-Made admin").click()
    await expect(people.get_by_role("button", name="Remove admin from Dora Admin-Made")).to_be_visible()
    await expect(dora_page.get_by_role("button", name="Admin", exact=True)).to_be_visible()  # live, no reload
    await dora_page.reload()
    await expect(
        dora_page.get_by_role("button", name="Admin", exact=True)
    ).to_be_visible()  # no sign-in in a reloaded tab
    await people.get_by_role("button", name="Remove admin from Dora Admin-Made").click()
    await expect(people.get_by_role("button", name="Make Dora Admin-Made admin")).to_be_visible()
    await expect(dora_page.get_by_role("button", name="Admin", exact=True)).to_have_count(0)  # gone, live

    # Rooms are listed, invite-only ones included.
    with api_session(server.url, dora) as http:
        http.post("/api/v1/rooms", json={"name": "Dora's hidden room"})
    await page.get_by_role("button", name="Admin", exact=True).click()
    await expect(
        page.get_by_role("table", name="Rooms").get_by_role("row", name=re.compile("Dora's hidden room"))
    ).to_contain_text("invite only")
    await dora_page.context.close()
    # Her session was ended on purpose: a request of her page in flight then gets 401 (which
    # the browser logs); nothing else may show.
    unexpected = [e for e in dora_watch.errors if "status of 401 (Unauthorized)" not in e]
    assert watch.errors == [] and unexpected == []


async def test_admin_page_is_hidden_from_others(new_user: NewUser, signed_in: SignedIn) -> None:
    someone = new_user("Eve Plain")
    page, _ = await signed_in(someone)
    await expect(page.get_by_role("button", name="Search", exact=True)).to_be_visible()
    await expect(page.get_by_role("button", name="Admin", exact=True)).to_have_count(0)


async def test_admin_manages_groups(new_user: NewUser, signed_in: SignedIn, server: ServerProcess) -> None:
    gus = new_user("Gus Grouped")
    page, watch = await signed_in(ADMIN)
    await page.get_by_role("button", name="Admin", exact=True).click()
    name = f"Design {server.port}"
    add = page.get_by_role("form", name="Add a group")
    await add.get_by_label("Group name").fill(name)
    await add.get_by_role("button", name="Add group").click()
    groups = page.get_by_role("table", name="Groups")
    row = groups.get_by_role("row", name=re.compile(name))
    await expect(row).to_contain_text("nobody yet")
    await expect(row).to_contain_text("its own room")

    await row.get_by_label(f"Username to add to {name}").fill(gus.username)
    await row.get_by_role("button", name=f"Add to {name}").click()
    await expect(row.get_by_role("button", name=f"Remove {gus.username} from {name}")).to_be_visible()
    with api_session(server.url, gus) as http:  # the group's room has him now
        rooms = [c["name"] for c in http.get("/api/v1/conversations").json()]
    assert name in rooms

    await row.get_by_role("button", name=f"Remove {gus.username} from {name}").click()
    await expect(row).to_contain_text("nobody yet")
    await row.get_by_role("button", name=f"Delete {name}").click()
    await row.get_by_role("button", name="Keep it").click()  # asked first, and it can be taken back
    await row.get_by_role("button", name=f"Delete {name}").click()
    await row.get_by_role("button", name=f"Yes, delete {name}").click()
    await expect(groups.get_by_role("row", name=re.compile(name))).to_have_count(0)
    with api_session(server.url, gus) as http:  # he stays in the room; the room stays
        assert name in [c["name"] for c in http.get("/api/v1/conversations").json()]
    assert watch.errors == [] and watch.dialogs == []
