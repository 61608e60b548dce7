"""A real OMEMO message from an XMPP client (slixmpp) shows in the browser as a notice, never its body."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import expect
from slixmpp import JID

from tests.e2e.xmpp.test_xep0384_omemo import legacy_encrypted, send_omemo
from tests.support.server import ServerProcess
from tests.support.web import post_direct
from tests.support.xmpp import connected
from tests.web.conftest import NewUser, SignedIn
from tests.web.test_message_actions import open_listed

pytestmark = pytest.mark.asyncio(loop_scope="session")

NOTICE = "Encrypted message — open it in your XMPP client"
# Not one of the fallback texts the client recognises: only the stored `encryption` field can tell.
FALLBACK = "ciphertext fallback that an old client would show"


async def test_an_omemo_message_from_an_xmpp_client_shows_a_notice_live_and_from_history(
    new_user: NewUser, signed_in: SignedIn, server: ServerProcess
) -> None:
    alice, bob = new_user("Alice Omemo"), new_user("Bob Omemo")
    post_direct(server.url, alice, bob, "a plain message")
    page, watch = await signed_in(bob)
    await open_listed(page, alice)
    history = page.get_by_role("list", name="Messages with Alice Omemo")
    await expect(history.get_by_text("a plain message")).to_be_visible()

    async with connected(server, alice.username, alice.password) as xmpp:
        send_omemo(xmpp, f"{bob.username}@localhost", FALLBACK, "omemo-web-1", legacy_encrypted())
        notice = history.get_by_role("note")
        await expect(notice).to_have_text(re.compile(NOTICE))  # live, over the WebSocket
        xmpp.send_message(mto=JID(f"{bob.username}@localhost"), mbody="and a plain one after", mtype="chat")
        await expect(history.get_by_text("and a plain one after")).to_be_visible()
    await expect(history.get_by_text(FALLBACK)).to_have_count(0)

    await page.reload()  # from history (REST), not the live frame
    await open_listed(page, alice)
    await expect(history.get_by_role("note")).to_have_text(re.compile(NOTICE))
    await expect(history.get_by_role("note")).to_have_count(1)
    await expect(history.get_by_text(FALLBACK)).to_have_count(0)
    await expect(history.get_by_text("a plain message")).to_be_visible()
    assert watch.errors == []
