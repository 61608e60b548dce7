"""Avatars in the browser: set one in the profile, and the other person sees it next to your messages."""

from __future__ import annotations

import io
import re
from collections.abc import Callable

import pytest
from PIL import Image
from playwright.async_api import FilePayload, expect

from tests.support.web import WebUser
from tests.web.conftest import SignedIn
from tests.web.test_chat import open_direct, send

pytestmark = pytest.mark.asyncio(loop_scope="session")
NewUser = Callable[[str], WebUser]


def photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (400, 300), (30, 140, 90)).save(out, "JPEG")
    return out.getvalue()


async def test_an_avatar_set_in_the_profile_shows_in_the_other_persons_conversation(
    new_user: NewUser, signed_in: SignedIn
) -> None:
    alice, bob = new_user("Alice Avatar"), new_user("Bob Avatar")
    alice_page, alice_watch = await signed_in(alice)
    bob_page, bob_watch = await signed_in(bob)
    await open_direct(alice_page, bob)
    await send(alice_page, bob, "hello with a face")
    await bob_page.get_by_role("button", name=re.compile(r"^Alice Avatar, 1 unread")).click()
    history = bob_page.get_by_role("list", name="Messages with Alice Avatar")
    await expect(history.get_by_text("hello with a face")).to_be_visible()
    beside_name = history.locator(f"img.avatar[src*='/users/{alice.id}/avatar']")
    await expect(beside_name).to_have_count(0)  # initials until she has a picture
    await expect(history.locator(".avatar.initials").first).to_have_text("AA")

    await alice_page.get_by_role("button", name="Your profile").click()
    await expect(alice_page.get_by_role("img", name="Your picture")).to_have_text("AA")
    await alice_page.get_by_label("Choose a picture").set_input_files(
        files=FilePayload(name="me.jpg", mimeType="image/jpeg", buffer=photo())
    )
    await expect(alice_page.get_by_role("img", name="Preview of your new picture")).to_be_visible()
    await alice_page.get_by_role("button", name="Save picture").click()
    await expect(alice_page.get_by_role("status").filter(has_text="Picture saved.")).to_be_visible()
    picture = re.compile(rf"^/api/v1/users/{alice.id}/avatar\?v=[0-9a-f]{{40}}")
    await expect(alice_page.get_by_role("img", name="Your picture")).to_have_attribute("src", picture)

    # Bob's open conversation follows at once: Alice's picture beside her name (decorative: empty alt).
    await expect(beside_name).to_have_count(1)
    await expect(beside_name).to_have_attribute("alt", "")
    await expect(beside_name).to_have_attribute("src", re.compile(r"&size=small$"))
    for entry in ("Alice Avatar", "Alice Avatar, Available"):  # the DM in the sidebar, the directory
        await expect(bob_page.get_by_role("button", name=entry, exact=True).locator("img.avatar")).to_have_count(1)

    await alice_page.get_by_role("button", name="Remove picture").click()
    await expect(alice_page.get_by_role("status").filter(has_text="Picture removed.")).to_be_visible()
    await expect(beside_name).to_have_count(0)
    assert alice_watch.errors == [] and bob_watch.errors == []
