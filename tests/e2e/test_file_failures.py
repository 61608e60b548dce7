"""Uploads against failures: the server killed mid-upload, and a disk that fills up.

After SIGKILL the upload resumes from the offset the restarted server reports (the
SHA-256 is rebuilt from the staged bytes), and the stored file is byte-identical. With
the files folder on a small tmpfs, an upload that does not fit gets 507 with a clear
code, the server keeps serving, nothing partial becomes a file, and once the space is
freed uploads work again.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.client import assert_error, login_token
from tests.support.server import ADMIN_PASSWORD, ServerProcess

PATCH = {"Content-Type": "application/offset+octet-stream"}


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    proc = ServerProcess(tmp_path / "roost")
    proc.init()
    proc.start()
    yield proc
    proc.kill()


async def _admin_and_room(server: ServerProcess) -> tuple[httpx.AsyncClient, str]:
    token = await login_token(server.url, "admin", ADMIN_PASSWORD)
    http = httpx.AsyncClient(base_url=server.url, headers={"Authorization": f"Bearer {token}"}, timeout=60)
    room = await http.post("/api/v1/rooms", json={"name": "files"})
    assert room.status_code == 201, room.text
    return http, room.json()["id"]


async def _stalled_patch(server: ServerProcess, token: str, url: str, size: int, data: bytes) -> asyncio.StreamWriter:
    """A PATCH that has sent `data` of `size` bytes and keeps its connection open."""
    _, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write(
        f"PATCH {url} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/offset+octet-stream\r\nUpload-Offset: 0\r\nContent-Length: {size}\r\n\r\n".encode()
        + data
    )
    await writer.drain()
    return writer


async def test_upload_resumes_after_the_server_is_killed(server: ServerProcess) -> None:
    http, room = await _admin_and_room(server)
    data = os.urandom(6 * 1024 * 1024)
    made = await http.post(f"/api/v1/conversations/{room}/uploads", json={"name": "k.bin", "size": len(data)})
    url = made.json()["url"]
    token = http.headers["Authorization"].split()[1]
    writer = await _stalled_patch(server, token, url, len(data), data[: 4 * 1024 * 1024])
    await asyncio.sleep(1.0)

    server.kill()
    writer.close()
    server.start()

    state = await http.get(url)
    assert state.status_code == 200, state.text
    offset = state.json()["offset"]
    assert 0 <= offset <= 4 * 1024 * 1024
    staged = (server.root / "data" / "files" / "staging" / f"u{made.json()['id']}").read_bytes()
    assert staged == data[:offset]
    done = await http.patch(url, content=data[offset:], headers={**PATCH, "Upload-Offset": str(offset)})
    assert done.status_code == 200, done.text
    file = done.json()["file"]
    assert file["sha256"] == hashlib.sha256(data).hexdigest()
    assert (await http.get(file["url"])).content == data
    await http.aclose()


@pytest.fixture
def small_disk(server: ServerProcess) -> Iterator[Path]:
    """The server's files folder on a 4 MiB tmpfs (needs root and mount; skipped otherwise)."""
    folder = server.root / "data" / "files"
    staging_and_blobs = [folder / "staging", folder / "blobs"]
    mount = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(folder)], capture_output=True, check=False
    )
    if mount.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mount.stderr.decode().strip()}")
    for path in staging_and_blobs:
        path.mkdir()
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


async def _chunks(data: bytes) -> AsyncIterator[bytes]:
    for start in range(0, len(data), 256 * 1024):
        yield data[start : start + 256 * 1024]


async def test_a_full_disk_gives_a_clear_error_and_the_server_keeps_serving(
    server: ServerProcess, small_disk: Path
) -> None:
    http, room = await _admin_and_room(server)
    data = os.urandom(6 * 1024 * 1024)
    made = await http.post(f"/api/v1/conversations/{room}/uploads", json={"name": "big.bin", "size": len(data)})
    url = made.json()["url"]

    full = await http.patch(url, content=_chunks(data), headers={**PATCH, "Upload-Offset": "0"})

    assert_error(full, 507, "files.disk_full")
    assert (await http.get("/healthz")).status_code == 200
    sent = await http.post(f"/api/v1/conversations/{room}/messages", json={"body": "still here"})
    assert sent.status_code == 201
    assert (await http.get(url)).json()["offset"] < len(data)
    one_shot = await http.post(
        f"/api/v1/conversations/{room}/files", params={"name": "also.bin"}, content=data[: 5 * 1024 * 1024]
    )
    assert_error(one_shot, 507, "files.disk_full")
    assert [p for p in (small_disk / "blobs").rglob("*") if p.is_file()] == []

    assert (await http.delete(url)).status_code == 204
    small = await http.post(f"/api/v1/conversations/{room}/files", params={"name": "ok.bin"}, content=data[:100_000])
    assert small.status_code == 201, small.text
    assert (await http.get(small.json()["url"])).content == data[:100_000]
    await http.aclose()
