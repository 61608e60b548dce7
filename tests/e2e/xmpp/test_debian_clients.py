"""A client that is not Python: Debian's go-sendxmpp (Go, its own XMPP library) sends and receives,
over STARTTLS and over direct TLS, in the conversations the web API sees."""

from __future__ import annotations

import asyncio
import shutil

import pytest

from tests.conftest import MakePerson
from tests.support.server import ServerProcess

pytestmark = pytest.mark.skipif(shutil.which("go-sendxmpp") is None, reason="go-sendxmpp is not installed")


async def go_sendxmpp(*args: str, stdin: bytes = b"", timeout: float = 30) -> tuple[int, bytes, bytes]:
    process = await asyncio.create_subprocess_exec(
        "go-sendxmpp",
        *args,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(stdin), timeout)
    except TimeoutError:
        process.kill()
        out, err = await process.communicate()
    return process.returncode or 0, out, err


async def test_go_sendxmpp_sends_over_starttls(server: ServerProcess, make_person: MakePerson) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    code, _, err = await go_sendxmpp(
        "-n",
        "-u",
        f"{alice.username}@localhost",
        "-p",
        alice.password,
        "-j",
        f"127.0.0.1:{server.xmpp_port}",
        f"{bob.username}@localhost",
        stdin=b"sent by go-sendxmpp\n",
    )
    assert code == 0, err.decode()
    conversation = await bob.direct(alice)
    for _ in range(50):
        history = await bob.get(f"/api/v1/conversations/{conversation}/messages")
        if history["messages"]:
            break
        await asyncio.sleep(0.1)
    assert [m["body"].strip() for m in history["messages"]] == ["sent by go-sendxmpp"]
    assert history["messages"][0]["sender_id"] == alice.user_id


async def test_go_sendxmpp_listens_over_direct_tls(server: ServerProcess, make_person: MakePerson) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    account = ["-u", f"{bob.username}@localhost", "-p", bob.password, "-j", f"127.0.0.1:{server.xmpp_tls_port}"]
    listener = await asyncio.create_subprocess_exec(
        "go-sendxmpp", "-n", "-t", "-l", *account, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    try:
        conversation = await alice.direct(bob)
        for _ in range(100):  # until its login made it available
            if any(p["user_id"] == bob.user_id for p in await alice.get("/api/v1/presence")):
                break
            await asyncio.sleep(0.1)
        await alice.send(conversation, "hello go client")
        assert listener.stdout is not None
        line = await asyncio.wait_for(listener.stdout.readline(), 15)
        assert b"hello go client" in line
        assert alice.username.encode() in line
    finally:
        listener.kill()
        await listener.wait()
