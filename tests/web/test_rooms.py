"""Group rooms from the browser: create, invite, members panel, rename, remove, browse and join, leave."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Page, expect

from tests.support.server import ServerProcess
from tests.support.web import api_session
from tests.web.conftest import NewUser, SignedIn

pytestmark = pytest.mark.asyncio(loop_scope="session")


def listed(page: Page, name: str):  # type: ignore[no-untyped-def]
    return page.get_by_role("list", name="Conversations").get_by_role("button", name=re.compile(f"^{re.escape(name)}"))


async def create_room(page: Page, name: str, topic: str = "", *, open_room: bool = False) -> None:
    await page.get_by_role("button", name="New room").click()
    dialog = page.get_by_role("dialog", name="New room")
    await dialog.get_by_label("Room name").fill(name)
    await dialog.get_by_label("Topic (optional)").fill(topic)
    if open_room:
        await dialog.get_by_role("radio", name="Anyone in the organisation").check()
    await dialog.get_by_role("button", name="Create room").click()
    await expect(dialog).to_have_count(0)
    await expect(page.get_by_role("heading", name=name, level=2)).to_be_visible()


async def test_create_invite_rename_and_remove(new_user: NewUser, signed_in: SignedIn) -> None:
    alice, bob = new_user("Alice Rooms"), new_user("Bob Rooms")
    alice_page, alice_watch = await signed_in(alice)
    bob_page, bob_watch = await signed_in(bob)
    await create_room(alice_page, "Project Falcon", "Launch plans")
    await expect(alice_page.get_by_text("Launch plans")).to_be_visible()

    # The members panel: Alice owns the room; she invites Bob from it.
    await alice_page.get_by_role("button", name="Members").click()
    panel = alice_page.get_by_role("complementary", name="Members")
    members = panel.get_by_role("list", name="Members")
    await expect(members.get_by_role("listitem")).to_have_count(1)
    await expect(members.get_by_text("owner")).to_be_visible()
    await panel.get_by_label("Invite people").fill("Bob Rooms")
    await panel.get_by_role("button", name="Invite Bob Rooms").click()
    await expect(members.get_by_role("listitem")).to_have_count(2)

    # Bob sees the room appear, opens it and writes; he may not remove anyone.
    await listed(bob_page, "Project Falcon").click()
    await expect(bob_page.get_by_role("heading", name="Project Falcon", level=2)).to_be_visible()
    box = bob_page.get_by_role("textbox", name="Message Project Falcon")
    await box.fill("glad to be here")
    await box.press("Enter")
    await expect(
        alice_page.get_by_role("list", name="Messages with Project Falcon").get_by_text("glad to be here")
    ).to_be_visible()
    await bob_page.get_by_role("button", name="Members").click()
    bob_panel = bob_page.get_by_role("complementary", name="Members")
    await expect(bob_panel.get_by_role("listitem").filter(has_text="Alice Rooms")).to_contain_text("Available")
    await expect(bob_panel.get_by_role("button", name=re.compile("^Remove"))).to_have_count(0)

    # Alice renames the room and changes its topic: Bob's view follows.
    await panel.get_by_label("Room name").fill("Project Eagle")
    await panel.get_by_label("Topic").fill("Landing plans")
    await panel.get_by_role("button", name="Save room settings").click()
    await expect(bob_page.get_by_role("heading", name="Project Eagle", level=2)).to_be_visible()
    await expect(bob_page.get_by_text("Landing plans")).to_be_visible()
    await expect(listed(bob_page, "Project Eagle")).to_be_visible()
    await expect(bob_page.get_by_role("textbox", name="Message Project Eagle")).to_be_visible()  # the box too

    # Alice removes Bob, once she confirms: the room leaves his list and his screen.
    await panel.get_by_role("button", name="Remove Bob Rooms").click()
    await expect(panel.get_by_text("Remove Bob Rooms from the room?")).to_be_visible()
    await panel.get_by_role("button", name="Keep").click()
    await expect(members.get_by_role("listitem")).to_have_count(2)
    await panel.get_by_role("button", name="Remove Bob Rooms").click()
    await panel.get_by_role("button", name="Yes, remove Bob Rooms").click()
    await expect(members.get_by_role("listitem")).to_have_count(1)
    await expect(listed(bob_page, "Project Eagle")).to_have_count(0)
    await expect(bob_page.get_by_text("You are no longer in that conversation.")).to_be_visible()
    assert alice_watch.errors == [] and bob_watch.errors == []


async def test_browse_join_and_leave_an_open_room(new_user: NewUser, signed_in: SignedIn) -> None:
    alice, carol = new_user("Alice Open"), new_user("Carol Open")
    alice_page, _ = await signed_in(alice)
    carol_page, watch = await signed_in(carol)
    await create_room(alice_page, "Open Kitchen", "Recipes", open_room=True)
    await create_room(alice_page, "Secret Kitchen")  # invite only: never listed

    await carol_page.get_by_role("button", name="Browse rooms").click()
    dialog = carol_page.get_by_role("dialog", name="Open rooms")
    await dialog.get_by_label("Search rooms").fill("kitchen")
    await expect(dialog.get_by_role("button", name="Join Open Kitchen")).to_be_visible()
    await expect(dialog.get_by_text("Secret Kitchen")).to_have_count(0)
    await dialog.get_by_role("button", name="Join Open Kitchen").click()
    await expect(carol_page.get_by_role("heading", name="Open Kitchen", level=2)).to_be_visible()
    await expect(listed(carol_page, "Open Kitchen")).to_be_visible()

    await listed(alice_page, "Open Kitchen").click()
    await alice_page.get_by_role("button", name="Members").click()
    alice_members = alice_page.get_by_role("complementary", name="Members").get_by_role("list", name="Members")
    await expect(alice_members.get_by_role("listitem")).to_have_count(2)

    await carol_page.get_by_role("button", name="Members").click()
    await carol_page.get_by_role("button", name="Leave room").click()
    await expect(carol_page.get_by_text("You can join it again from Browse rooms.")).to_be_visible()  # asked first
    await carol_page.get_by_role("button", name="Yes, leave this room").click()
    await expect(listed(carol_page, "Open Kitchen")).to_have_count(0)
    await expect(alice_members.get_by_role("listitem")).to_have_count(1)

    # Escape closes the dialog.
    await carol_page.get_by_role("button", name="Browse rooms").click()
    await expect(carol_page.get_by_role("dialog", name="Open rooms")).to_be_visible()
    await carol_page.keyboard.press("Escape")
    await expect(carol_page.get_by_role("dialog", name="Open rooms")).to_have_count(0)
    assert watch.errors == []


async def test_room_admins_change_roles_visibility_and_archive(
    new_user: NewUser, signed_in: SignedIn, server: ServerProcess
) -> None:
    alice, bob = new_user("Alice Admin"), new_user("Bob Promoted")
    alice_page, alice_watch = await signed_in(alice)
    bob_page, bob_watch = await signed_in(bob)
    await create_room(alice_page, "Project Heron")
    await alice_page.get_by_role("button", name="Members").click()
    panel = alice_page.get_by_role("complementary", name="Members")
    members = panel.get_by_role("list", name="Members")
    await panel.get_by_label("Invite people").fill("Bob Promoted")
    await panel.get_by_role("button", name="Invite Bob Promoted").click()

    # Roles: the owner makes Bob an admin, then a member again; he sees his tools come and go.
    bob_row = members.get_by_role("listitem").filter(has_text="Bob Promoted")
    await expect(bob_row.get_by_text("Bob Promoted", exact=True)).to_be_visible()  # his name beside his buttons
    await panel.get_by_role("button", name="Make Bob Promoted an admin").click()
    await expect(members.get_by_role("listitem").filter(has_text="Bob Promoted")).to_contain_text("admin")
    await listed(bob_page, "Project Heron").click()
    await bob_page.get_by_role("button", name="Members").click()
    bob_panel = bob_page.get_by_role("complementary", name="Members")
    await expect(bob_panel.get_by_role("form", name="Room settings")).to_be_visible()
    owner_buttons = bob_panel.get_by_role("button", name=re.compile("Alice Admin"))
    await expect(owner_buttons).to_have_count(0)  # the owner is above him
    await panel.get_by_role("button", name="Make Bob Promoted a member").click()
    await expect(bob_panel.get_by_role("form", name="Room settings")).to_have_count(0)

    # Visibility: open the room; others find it among the open rooms.
    settings = panel.get_by_role("form", name="Room settings")
    await settings.get_by_label(re.compile("Open: anyone")).check()
    await settings.get_by_role("button", name="Save room settings").click()
    await expect(alice_page.locator("#announcer")).to_have_text("Room settings saved")
    with api_session(server.url, bob) as http:
        rooms = [c for c in http.get("/api/v1/conversations").json() if c["name"] == "Project Heron"]
    assert [r["visibility"] for r in rooms] == ["open"]

    # Archive: asked first; then read-only for everyone, until unarchived.
    await panel.get_by_role("button", name="Archive room").click()
    await panel.get_by_role("button", name="Yes, archive this room").click()
    note = "This room is archived"
    await expect(bob_page.get_by_role("status").filter(has_text=note)).to_be_visible()
    await expect(bob_page.get_by_role("textbox", name="Message Project Heron")).to_be_hidden()
    await panel.get_by_role("button", name="Unarchive room").click()
    await expect(bob_page.get_by_role("textbox", name="Message Project Heron")).to_be_visible()
    assert alice_watch.errors == [] and bob_watch.errors == []


async def test_room_admins_remove_other_people_s_messages_with_a_reason(
    new_user: NewUser, signed_in: SignedIn, server: ServerProcess
) -> None:
    alice, bob = new_user("Alice Moderates"), new_user("Bob Posts")
    with api_session(server.url, alice) as http:
        made = http.post("/api/v1/rooms", json={"name": "Project Egret", "member_ids": [bob.id]})
        assert made.status_code == 201, made.text
        room = made.json()["id"]
        assert http.post(f"/api/v1/conversations/{room}/messages", json={"body": "alice's note"}).status_code == 201
    with api_session(server.url, bob) as http:
        sent = http.post(f"/api/v1/conversations/{room}/messages", json={"body": "buy my potions"})
        assert sent.status_code == 201, sent.text
    alice_page, alice_watch = await signed_in(alice)
    bob_page, bob_watch = await signed_in(bob)
    for page in (alice_page, bob_page):
        await listed(page, "Project Egret").click()
    history = {page: page.get_by_role("list", name="Messages with Project Egret") for page in (alice_page, bob_page)}

    # Bob, a plain member, may not remove Alice's message; Alice, the owner, removes his, saying why.
    note = history[bob_page].get_by_role("listitem").filter(has_text="alice's note")
    await note.hover()
    await expect(note.get_by_role("button", name=re.compile("^Remove"))).to_have_count(0)
    spam = history[alice_page].get_by_role("listitem").filter(has_text="buy my potions")
    await spam.hover()
    await spam.get_by_role("button", name="Remove Bob Posts's message").click()
    await spam.get_by_label("Reason for removing it").fill("<b>no ads</b> here")
    await spam.get_by_role("button", name="Remove", exact=True).click()
    for page in (alice_page, bob_page):
        tombstone = history[page].get_by_role("listitem").filter(has_text="Removed by Alice Moderates")
        await expect(tombstone).to_contain_text("Removed by Alice Moderates: <b>no ads</b> here")  # as text
        await expect(history[page].get_by_text("buy my potions")).to_have_count(0)
    assert alice_watch.errors == [] and bob_watch.errors == []
