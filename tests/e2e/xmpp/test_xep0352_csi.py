"""XEP-0352 Client State Indication with slixmpp over real sockets: while inactive, messages arrive at once,
presence and chat states are held back and only the latest of each is sent on <active/>."""

from __future__ import annotations

import asyncio
from typing import Any

from slixmpp import JID

from tests.conftest import MakePerson
from tests.support.client import Person
from tests.support.server import ServerProcess
from tests.support.xmpp import TIMEOUT, Client, connected, wait_for

CSI_PLUGINS = ("xep_0030", "xep_0199", "xep_0085", "xep_0352")
CHATSTATES = "http://jabber.org/protocol/chatstates"
SERVER = JID("localhost")


def jid(someone: Person) -> str:
    return f"{someone.username}@localhost"


def composing(to: Person) -> str:
    return f"<message to='{jid(to)}' type='chat'><composing xmlns='{CHATSTATES}'/></message>"


def chat_states(client: Client) -> asyncio.Queue[Any]:
    """Chat-state notifications (slixmpp's `message` event is for messages with a body only)."""
    queue: asyncio.Queue[Any] = asyncio.Queue()
    client.add_event_handler("chatstate", queue.put_nowait)
    return queue


def drain(queue: asyncio.Queue[Any]) -> list[Any]:
    items = []
    while not queue.empty():
        items.append(queue.get_nowait())
    return items


async def test_the_feature_is_offered(server: ServerProcess, make_person: MakePerson) -> None:
    alice = await make_person("alice")
    async with connected(server, alice.username, alice.password, plugins=CSI_PLUGINS) as a:
        assert a.plugin["xep_0352"].enabled


async def test_inactive_holds_presence_and_chat_states_not_messages(
    server: ServerProcess, make_person: MakePerson
) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    async with connected(server, alice.username, alice.password, plugins=CSI_PLUGINS) as a:
        states = chat_states(a)
        async with connected(server, bob.username, bob.password, send_presence=False) as b:
            await inactive(a)
            drain(a.presences)
            b.send_presence(pshow="away", pstatus="at lunch")
            b.send_presence(pshow="dnd", pstatus="in a meeting")
            b.send_raw(composing(alice))
            b.send_message(mto=JID(jid(alice)), mbody="urgent", mtype="chat")
            assert (await a.next_message())["body"] == "urgent"
            assert states.empty()  # held, then made stale by the message
            assert not [p for p in drain(a.presences) if p["from"].bare == jid(bob)]  # held back
            b.send_raw(composing(alice))
            b.send_presence(pshow="xa", pstatus="gone home")
            await b.plugin["xep_0199"].ping(jid=SERVER, timeout=TIMEOUT)  # bob's stanzas were handled
            a.plugin["xep_0352"].send_active()  # type: ignore[no-untyped-call]
            seen = await wait_for(a.presences, lambda p: p["from"].bare == jid(bob))
            assert (seen["show"], seen["status"]) == ("xa", "gone home")  # only the latest
            typing = await asyncio.wait_for(states.get(), TIMEOUT)
            assert (typing["from"].bare, typing["chat_state"]) == (jid(bob), "composing")
            assert states.empty()


async def test_presence_flows_again_once_active(server: ServerProcess, make_person: MakePerson) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    async with connected(server, alice.username, alice.password, plugins=CSI_PLUGINS) as a:
        await inactive(a)
        a.plugin["xep_0352"].send_active()  # type: ignore[no-untyped-call]
        await a.plugin["xep_0199"].ping(jid=SERVER, timeout=TIMEOUT)
        async with connected(server, bob.username, bob.password, send_presence=False) as b:
            b.send_presence(pshow="chat")
            seen = await wait_for(a.presences, lambda p: p["from"].bare == jid(bob))
            assert seen["show"] == "chat"


async def inactive(client: Client) -> None:
    client.plugin["xep_0352"].send_inactive()  # type: ignore[no-untyped-call]
    await client.plugin["xep_0199"].ping(jid=SERVER, timeout=TIMEOUT)  # handled in order: inactive is in force
