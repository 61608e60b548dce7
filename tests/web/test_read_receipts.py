"""Read state: "Seen" under your newest message the other person read, "Seen by …" in rooms, live."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Page, expect

from tests.support.server import ServerProcess
from tests.support.web import WebUser, api_session, post_direct
from tests.web.conftest import NewUser, SignedIn
from tests.web.test_message_actions import item, open_listed

pytestmark = pytest.mark.asyncio(loop_scope="session")


def read_up_to(server: ServerProcess, reader: WebUser, conversation_id: str, message_id: str) -> None:
    with api_session(server.url, reader) as http:
        moved = http.put(f"/api/v1/conversations/{conversation_id}/read", json={"message_id": message_id})
        assert moved.status_code == 200, moved.text


def newest_id(server: ServerProcess, user: WebUser, conversation_id: str) -> str:
    with api_session(server.url, user) as http:
        page = http.get(f"/api/v1/conversations/{conversation_id}/messages").json()
    return str(page["messages"][-1]["id"])


def receipt(page: Page, title: str, text: str):  # type: ignore[no-untyped-def]
    history = page.get_by_role("list", name=f"Messages with {title}")
    return history.get_by_role("listitem").filter(has_text=text).get_by_text(re.compile("^Seen"))


async def test_a_direct_message_shows_seen_when_the_other_reads_it(
    new_user: NewUser, signed_in: SignedIn, server: ServerProcess
) -> None:
    alice, bob = new_user("Alice Seen"), new_user("Bob Seen")
    post_direct(server.url, alice, bob, "are you there?")
    alice_page, alice_watch = await signed_in(alice)
    await open_listed(alice_page, bob)
    first = item(alice_page, bob, "are you there?")
    await expect(first).to_be_visible()
    await expect(first.get_by_text("Seen", exact=True)).to_have_count(0)

    bob_page, bob_watch = await signed_in(bob)
    await open_listed(bob_page, alice)  # opening it moves Bob's read marker: Alice sees it live
    await expect(first.get_by_text("Seen", exact=True)).to_be_visible()
    await expect(item(bob_page, alice, "are you there?").get_by_text("Seen", exact=True)).to_have_count(0)

    box = alice_page.get_by_role("textbox", name="Message Bob Seen")
    await box.fill("hello again")
    await box.press("Enter")
    second = item(alice_page, bob, "hello again")
    await expect(second.get_by_text("Seen", exact=True)).to_be_visible()  # Bob has it open: read at once
    await expect(first.get_by_text("Seen", exact=True)).to_have_count(0)  # only under the newest

    await alice_page.reload()  # from the server's read markers, not only from live frames
    await open_listed(alice_page, bob)
    await expect(item(alice_page, bob, "hello again").get_by_text("Seen", exact=True)).to_be_visible()
    assert alice_watch.errors == [] and bob_watch.errors == []


async def test_a_room_shows_who_has_seen_what(new_user: NewUser, signed_in: SignedIn, server: ServerProcess) -> None:
    carol = new_user("Carol Room")
    readers = [new_user(f"{name} Reader") for name in ("Ann", "Bob", "Cid", "Dee", "Eve")]
    with api_session(server.url, carol) as http:
        made = http.post("/api/v1/rooms", json={"name": "Receipts", "member_ids": [r.id for r in readers]})
        assert made.status_code == 201, made.text
        room = str(made.json()["id"])
        for body in ("first news", "second news"):
            assert http.post(f"/api/v1/conversations/{room}/messages", json={"body": body}).status_code == 201
    with api_session(server.url, carol) as http:
        ids = [str(m["id"]) for m in http.get(f"/api/v1/conversations/{room}/messages").json()["messages"]]
    read_up_to(server, readers[0], room, ids[0])
    read_up_to(server, readers[1], room, ids[1])

    page, watch = await signed_in(carol)
    await page.get_by_role("list", name="Conversations").get_by_role("button", name=re.compile("^Receipts")).click()
    await expect(receipt(page, "Receipts", "first news")).to_have_text("Seen by Ann Reader")
    await expect(receipt(page, "Receipts", "second news")).to_have_text("Seen by Bob Reader")

    read_up_to(server, readers[0], room, ids[1])  # live: Ann's receipt moves down
    await expect(receipt(page, "Receipts", "second news")).to_have_text("Seen by Ann Reader, Bob Reader")
    await expect(receipt(page, "Receipts", "first news")).to_have_count(0)
    for reader in readers[2:]:
        read_up_to(server, reader, room, ids[1])
    await expect(receipt(page, "Receipts", "second news")).to_have_text(
        "Seen by Ann Reader, Bob Reader, Cid Reader and 2 others"
    )
    assert watch.errors == []


async def test_members_read_markers_are_for_members_only(new_user: NewUser, server: ServerProcess) -> None:
    alice, bob, mallory = new_user("Alice Marker"), new_user("Bob Marker"), new_user("Mallory Marker")
    direct = post_direct(server.url, alice, bob, "private")
    read_up_to(server, bob, direct, newest_id(server, alice, direct))
    with api_session(server.url, alice) as http:
        markers = {m["user_id"]: m["last_read_id"] for m in http.get(f"/api/v1/conversations/{direct}/members").json()}
    assert markers[bob.id] == newest_id(server, alice, direct)
    with api_session(server.url, mallory) as http:
        assert http.get(f"/api/v1/conversations/{direct}/members").status_code == 404


async def test_a_receipt_arriving_mid_edit_keeps_the_edit_and_its_focus(
    new_user: NewUser, signed_in: SignedIn, server: ServerProcess
) -> None:
    """A live re-render (here the other person reading) must not blur the message being edited."""
    alice, bob = new_user("Alice Editing"), new_user("Bob Reading")
    direct = post_direct(server.url, alice, bob, "draft to fix")
    alice_page, alice_watch = await signed_in(alice)
    await open_listed(alice_page, bob)
    mine = item(alice_page, bob, "draft to fix")
    await mine.hover()
    await mine.get_by_role("button", name="Edit message").click()
    box = alice_page.get_by_role("textbox", name="Edit message")
    await expect(box).to_be_focused()
    await box.press("End")
    await box.type(" now")

    read_up_to(server, bob, direct, newest_id(server, bob, direct))
    history = alice_page.get_by_role("list", name=f"Messages with {bob.display_name}")
    await expect(history.get_by_text("Seen", exact=True)).to_be_visible()

    await expect(box).to_be_focused()
    await box.type(" and then")  # the caret stayed at the end
    await box.press("Enter")
    await expect(item(alice_page, bob, "draft to fix now and then")).to_be_visible()
    assert alice_watch.errors == [] and alice_watch.dialogs == []


async def test_a_reply_from_another_device_reads_what_came_before(
    new_user: NewUser, signed_in: SignedIn, server: ServerProcess
) -> None:
    """Bob answers from his phone (here: the API): his web page drops the unread count, and
    Alice's shows "Seen" under her message, live and after a reload."""
    alice, bob = new_user("Alice Answered"), new_user("Bob Answering")
    post_direct(server.url, alice, bob, "lunch?", "at noon?")
    alice_page, alice_watch = await signed_in(alice)
    await open_listed(alice_page, bob)
    asked = item(alice_page, bob, "at noon?")
    await expect(asked).to_be_visible()
    await expect(asked.get_by_text("Seen", exact=True)).to_have_count(0)
    bob_page, bob_watch = await signed_in(bob)
    await expect(bob_page).to_have_title("(2) Roost")
    listed = bob_page.get_by_role("list", name="Conversations").get_by_role(
        "button", name=re.compile("^Alice Answered")
    )
    await expect(listed).to_have_accessible_name(re.compile("2 unread"))

    post_direct(server.url, bob, alice, "yes, see you there")
    await expect(bob_page).to_have_title("Roost")
    await expect(listed).not_to_have_accessible_name(re.compile("unread"))
    await expect(asked.get_by_text("Seen", exact=True)).to_be_visible()

    await bob_page.reload()  # the server's count agrees
    await expect(listed).to_be_visible()
    await expect(listed).not_to_have_accessible_name(re.compile("unread"))
    await expect(bob_page).to_have_title("Roost")
    await alice_page.reload()
    await open_listed(alice_page, bob)
    await expect(item(alice_page, bob, "at noon?").get_by_text("Seen", exact=True)).to_be_visible()
    assert alice_watch.errors == [] and bob_watch.errors == []
