"""Files over a real server: uploads (whole and resumable), downloads, access, previews, safety."""

from __future__ import annotations

import asyncio
import hashlib
import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from tests.conftest import Connect, MakePerson
from tests.support.client import Person, assert_error
from tests.support.server import ServerProcess

QUOTA = 24 * 1024 * 1024


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """Quick sweeps (deleted files go within a second) and a per-person quota."""
    proc = ServerProcess(
        tmp_path_factory.mktemp("roost-files"),
        extra_env={"ROOST_FILES__SWEEP_SECONDS": "0.3", "ROOST_FILES__USER_QUOTA_BYTES": str(QUOTA)},
    )
    proc.init()
    proc.start()
    yield proc
    proc.stop()


async def upload(someone: Person, conversation: str, data: bytes, name: str, content_type: str) -> dict[str, Any]:
    response = await someone.http.post(
        f"/api/v1/conversations/{conversation}/files",
        params={"name": name},
        content=data,
        headers={"Content-Type": content_type},
    )
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def blob_files(server: ServerProcess) -> list[Path]:
    return [p for p in (server.root / "data" / "files" / "blobs").rglob("*") if p.is_file()]


def jpeg_with_gps(size: tuple[int, int] = (1200, 800)) -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "RoostCam"
    exif[0x8825] = {1: "N", 2: (52.0, 22.0, 1.5), 3: "E", 4: (4.0, 53.0, 2.0)}
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 40)).save(out, "JPEG", exif=exif.tobytes(), quality=90)
    return out.getvalue()


async def test_file_round_trip_as_a_message_attachment(make_person: MakePerson, connect: Connect) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    conversation = await alice.direct(bob)
    bob_events = await connect(bob)
    data = os.urandom(300_000)

    file = await upload(alice, conversation, data, "report.bin", "application/x-custom")
    sent = await alice.send(conversation, "the report", attachments=[file["id"]])

    got = await bob_events.until("message.created")
    [attachment] = got["message"]["attachments"]
    assert attachment == sent["attachments"][0]
    assert attachment["name"] == "report.bin"
    assert attachment["size"] == len(data)
    assert attachment["sha256"] == hashlib.sha256(data).hexdigest()
    assert attachment["thumbnail_url"] is None
    content = await bob.http.get(attachment["url"])
    assert content.status_code == 200
    assert content.content == data
    history = await bob.get(f"/api/v1/conversations/{conversation}/messages")
    assert history["messages"][-1]["attachments"] == [attachment]


async def test_only_members_and_admins_can_fetch_a_file(make_person: MakePerson, admin: Person) -> None:
    alice, bob, eve = await make_person("alice"), await make_person("bob"), await make_person("eve")
    conversation = await alice.direct(bob)
    file = await upload(alice, conversation, jpeg_with_gps((64, 64)), "secret.jpg", "image/jpeg")
    # Before it is sent, only its uploader sees it.
    assert_error(await bob.http.get(f"/api/v1/files/{file['id']}"), 404, "file.not_found")
    await alice.send(conversation, "", attachments=[file["id"]])
    for path in (f"/api/v1/files/{file['id']}", file["url"], file["thumbnail_url"]):
        assert_error(await eve.http.get(path), 404, "file.not_found")
        assert (await bob.http.get(path)).status_code == 200
        assert (await admin.http.get(path)).status_code == 200
    assert_error(await eve.http.get("/api/v1/files/123456789"), 404, "file.not_found")
    # Eve cannot attach Alice's file to a message of her own, nor upload to their conversation.
    other = await eve.direct(bob)
    attach = await eve.http.post(f"/api/v1/conversations/{other}/messages", json={"attachments": [file["id"]]})
    assert_error(attach, 404, "file.not_found")
    refused = await eve.http.post(f"/api/v1/conversations/{conversation}/files", params={"name": "x"}, content=b"x")
    assert_error(refused, 404, "conversation.not_found")


async def test_resumable_upload_continues_from_the_offset(make_person: MakePerson) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    conversation = await alice.direct(bob)
    data = os.urandom(3 * 1024 * 1024 + 17)
    made = await alice.http.post(
        f"/api/v1/conversations/{conversation}/uploads",
        json={"name": "big.dat", "size": len(data), "content_type": "application/octet-stream"},
    )
    assert made.status_code == 201, made.text
    url = made.json()["url"]
    assert made.headers["location"] == url
    assert made.headers["tus-resumable"] == "1.0.0"
    patch = {"Content-Type": "application/offset+octet-stream"}

    first = await alice.http.patch(url, content=data[:1_000_000], headers={**patch, "Upload-Offset": "0"})
    assert first.status_code == 200, first.text
    assert first.json()["offset"] == 1_000_000
    assert first.json()["file"] is None
    head = await alice.http.head(url)
    assert head.headers["upload-offset"] == "1000000"
    assert head.headers["upload-length"] == str(len(data))
    wrong = await alice.http.patch(url, content=data[5:10], headers={**patch, "Upload-Offset": "5"})
    assert_error(wrong, 409, "upload.offset")
    assert_error(await bob.http.get(url), 404, "upload.not_found")

    rest = await alice.http.patch(url, content=data[1_000_000:], headers={**patch, "Upload-Offset": "1000000"})
    assert rest.status_code == 200, rest.text
    file = rest.json()["file"]
    assert file["sha256"] == hashlib.sha256(data).hexdigest()
    assert (await alice.http.get(file["url"])).content == data
    assert (await alice.http.head(url)).status_code == 404


async def _patch_and_drop(server: ServerProcess, token: str, url: str, declared: int, sent: bytes) -> None:
    """A PATCH whose connection dies after `sent` of `declared` bytes."""
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    head = (
        f"PATCH {url} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/offset+octet-stream\r\nUpload-Offset: 0\r\nContent-Length: {declared}\r\n\r\n"
    )
    writer.write(head.encode() + sent)
    await writer.drain()
    await asyncio.sleep(0.5)
    writer.close()
    await writer.wait_closed()
    del reader


async def test_upload_cut_off_mid_stream_resumes_from_what_arrived(
    server: ServerProcess, make_person: MakePerson
) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    conversation = await alice.direct(bob)
    data = os.urandom(4 * 1024 * 1024)
    made = await alice.post(
        f"/api/v1/conversations/{conversation}/uploads", {"name": "cut.dat", "size": len(data)}, 201
    )
    token = alice.http.headers["Authorization"].split()[1]
    await _patch_and_drop(server, token, made["url"], len(data), data[: 2 * 1024 * 1024 + 5])

    offset = 0
    for _ in range(300):  # the server reads what was sent, notices the drop, and fsyncs (bounded: 30 s)
        state = await alice.get(made["url"])
        offset = state["offset"]
        if offset == 2 * 1024 * 1024 + 5:
            break
        await asyncio.sleep(0.1)
    assert offset == 2 * 1024 * 1024 + 5
    headers = {"Content-Type": "application/offset+octet-stream", "Upload-Offset": str(offset)}
    for _ in range(100):  # the dropped request may still be finishing (409 upload.busy): retry, bounded
        rest = await alice.http.patch(made["url"], content=data[offset:], headers=headers)
        if rest.status_code != 409:
            break
        await asyncio.sleep(0.1)
    assert rest.status_code == 200, rest.text
    file = rest.json()["file"]
    assert (await alice.http.get(file["url"])).content == data


async def test_killed_one_shot_upload_leaves_nothing(server: ServerProcess, make_person: MakePerson) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    conversation = await alice.direct(bob)
    before = await alice.get("/api/v1/files/usage")
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    token = alice.http.headers["Authorization"].split()[1]
    writer.write(
        f"POST /api/v1/conversations/{conversation}/files?name=half.bin HTTP/1.1\r\nHost: x\r\n"
        f"Authorization: Bearer {token}\r\nContent-Length: 1000000\r\n\r\n".encode()
        + b"x" * 400_000
    )
    await writer.drain()
    await asyncio.sleep(0.3)
    writer.close()
    await writer.wait_closed()
    del reader
    for _ in range(300):
        staged = list((server.root / "data" / "files" / "staging").iterdir())
        if not staged:
            break
        await asyncio.sleep(0.1)
    assert staged == []
    assert await alice.get("/api/v1/files/usage") == before
    assert (await alice.http.get("/healthz")).status_code == 200


async def test_range_requests(make_person: MakePerson) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    conversation = await alice.direct(bob)
    data = bytes(range(256)) * 40
    file = await upload(alice, conversation, data, "ranges.bin", "video/mp4")
    url = file["url"]

    part = await alice.http.get(url, headers={"Range": "bytes=10-19"})
    assert part.status_code == 206
    assert part.content == data[10:20]
    assert part.headers["content-range"] == f"bytes 10-19/{len(data)}"
    tail = await alice.http.get(url, headers={"Range": "bytes=-5"})
    assert tail.content == data[-5:]
    rest = await alice.http.get(url, headers={"Range": "bytes=10000-"})
    assert rest.content == data[10000:]
    beyond = await alice.http.get(url, headers={"Range": f"bytes={len(data)}-"})
    assert beyond.status_code == 416
    assert beyond.headers["content-range"] == f"bytes */{len(data)}"
    stale = await alice.http.get(url, headers={"Range": "bytes=0-1", "If-Range": '"other"'})
    assert stale.status_code == 200
    assert stale.content == data
    cached = await alice.http.get(url, headers={"If-None-Match": part.headers["etag"]})
    assert cached.status_code == 304
    head = await alice.http.head(url)
    assert head.headers["content-length"] == str(len(data))
    assert head.headers["accept-ranges"] == "bytes"


async def test_image_gets_dimensions_and_thumbnail_and_loses_gps(make_person: MakePerson) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    conversation = await alice.direct(bob)
    original = jpeg_with_gps()

    file = await upload(alice, conversation, original, "holiday.jpg", "application/octet-stream")

    assert (file["width"], file["height"]) == (1200, 800)
    assert file["content_type"] == "image/jpeg"
    thumb = await alice.http.get(file["thumbnail_url"])
    assert thumb.headers["content-type"] == "image/webp"
    with Image.open(io.BytesIO(thumb.content)) as image:
        assert image.format == "WEBP"
        assert max(image.size) == 320
    stored = (await alice.http.get(file["url"])).content
    assert stored != original
    assert file["sha256"] == hashlib.sha256(stored).hexdigest()
    with Image.open(io.BytesIO(stored)) as image:
        exif = image.getexif()
        assert 0x8825 not in exif
        assert exif[0x010F] == "RoostCam"
        assert image.size == (1200, 800)
    # The image data itself was copied, not re-encoded.
    assert original[original.index(b"\xff\xda") :] == stored[stored.index(b"\xff\xda") :]


@pytest.mark.parametrize(
    ("name", "content_type", "payload"),
    [
        ("evil.html", "text/html", b"<script>alert(1)</script>"),
        ("evil.svg", "image/svg+xml", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
        ("evil.png", "image/png", b"<html><script>alert(1)</script></html>"),
    ],
)
async def test_markup_is_served_inert(make_person: MakePerson, name: str, content_type: str, payload: bytes) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    conversation = await alice.direct(bob)
    file = await upload(alice, conversation, payload, name, content_type)
    response = await alice.http.get(file["url"])
    assert response.content == payload
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in response.headers["content-security-policy"]
    assert "default-src 'none'" in response.headers["content-security-policy"]
    if content_type == "image/png":  # not an image after all: a plain download
        assert file["content_type"] == "image/png"
        assert response.headers["content-type"] == "image/png"
    else:
        assert response.headers["content-disposition"].startswith("attachment;")
        assert response.headers["content-type"] == "application/octet-stream"


async def test_quota_and_size_limits_are_named_before_upload(make_person: MakePerson) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    conversation = await alice.direct(bob)
    usage = await alice.get("/api/v1/files/usage")
    assert usage["user_quota"] == QUOTA
    assert usage["max_file_size"] == 4 * 1024**3

    too_big = await alice.http.post(
        f"/api/v1/conversations/{conversation}/uploads", json={"name": "a", "size": 5 * 1024**3}
    )
    assert "4.0 GiB" in assert_error(too_big, 413, "file.too_large")["message"]
    over = await alice.http.post(f"/api/v1/conversations/{conversation}/uploads", json={"name": "a", "size": QUOTA + 1})
    assert "quota" in assert_error(over, 413, "quota.user")["message"]
    # An upload in progress reserves its size.
    await alice.post(f"/api/v1/conversations/{conversation}/uploads", {"name": "a", "size": QUOTA - 10}, 201)
    assert (await alice.get("/api/v1/files/usage"))["user_used"] == QUOTA - 10
    assert_error(
        await alice.http.post(f"/api/v1/conversations/{conversation}/uploads", json={"name": "b", "size": 11}),
        413,
        "quota.user",
    )


async def test_patch_past_the_announced_size_is_refused(make_person: MakePerson) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    conversation = await alice.direct(bob)
    made = await alice.post(f"/api/v1/conversations/{conversation}/uploads", {"name": "x", "size": 100}, 201)
    headers = {"Content-Type": "application/offset+octet-stream", "Upload-Offset": "0"}
    assert_error(await alice.http.patch(made["url"], content=b"y" * 101, headers=headers), 413, "upload.too_large")
    assert (await alice.get(made["url"]))["offset"] == 0
    done = await alice.http.patch(made["url"], content=b"y" * 100, headers=headers)
    assert done.json()["file"]["size"] == 100


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        ("../../etc/passwd", "passwd"),
        ("/etc/shadow", "shadow"),
        ("..\\..\\boot.ini", "boot.ini"),
        ("a\x00b.txt", "ab.txt"),
        ("invoice\u202egpj.exe", "invoicegpj.exe"),
        ("..", "file"),
        ("x" * 3000 + ".pdf", "x" * 251 + ".pdf"),
    ],
)
async def test_file_names_are_display_only(
    server: ServerProcess, make_person: MakePerson, given: str, shown: str
) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    conversation = await alice.direct(bob)
    file = await upload(alice, conversation, b"content", given, "text/plain")
    assert file["name"] == shown
    response = await alice.http.get(file["url"])
    assert "attachment" in response.headers["content-disposition"]
    assert not (server.root / "etc").exists()
    assert not Path("/etc/passwd-roost").exists()


async def test_identical_files_are_stored_once_and_removed_with_their_messages(
    server: ServerProcess, make_person: MakePerson
) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    conversation = await alice.direct(bob)
    data = os.urandom(50_000)
    first = await upload(alice, conversation, data, "one.bin", "application/octet-stream")
    second = await upload(bob, conversation, data, "two.bin", "application/octet-stream")
    assert first["sha256"] == second["sha256"]
    sha = first["sha256"]
    assert [p.name for p in blob_files(server)].count(sha) == 1
    m1 = await alice.send(conversation, "one", attachments=[first["id"]])
    m2 = await bob.send(conversation, "two", attachments=[second["id"]])

    assert (await alice.http.delete(f"/api/v1/messages/{m1['id']}")).status_code == 200
    await asyncio.sleep(1.0)  # a few sweeps
    assert_error(await alice.http.get(first["url"]), 404, "file.not_found")
    assert (await alice.http.get(second["url"])).content == data
    assert sha in [p.name for p in blob_files(server)]

    assert (await bob.http.delete(f"/api/v1/messages/{m2['id']}")).status_code == 200
    for _ in range(300):
        if sha not in [p.name for p in blob_files(server)]:
            break
        await asyncio.sleep(0.1)
    assert sha not in [p.name for p in blob_files(server)]


async def test_attachment_rules(make_person: MakePerson) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    conversation = await alice.direct(bob)
    file = await upload(alice, conversation, b"abc", "a.txt", "text/plain")
    file2 = await upload(alice, conversation, b"def", "b.txt", "text/plain")
    path = f"/api/v1/conversations/{conversation}/messages"
    sent = await alice.send(conversation, "", attachments=[file["id"]])
    assert sent["body"] == ""
    assert_error(await alice.http.post(path, json={"attachments": [file["id"]]}), 409, "file.attached")
    # A client that re-sends (same client id) gets the stored message back, files and all.
    once = await alice.send(conversation, "with file", client_id="f-1", attachments=[file2["id"]])
    again = await alice.http.post(path, json={"body": "with file", "client_id": "f-1", "attachments": [file2["id"]]})
    assert again.status_code == 200, again.text
    assert again.json() == once
    assert_error(await alice.http.post(path, json={"body": ""}), 400, "message.empty")


async def test_xep0363_slot_put_then_get_by_capability_url(server: ServerProcess, make_person: MakePerson) -> None:
    alice = await make_person("alice")
    data = os.urandom(70_000)
    slot = await alice.post("/api/v1/files/slots", {"name": "photo.bin", "size": len(data)}, 201)
    async with httpx.AsyncClient(timeout=30) as anonymous:
        too_big = await anonymous.put(slot["put_url"], content=data + b"!")
        assert_error(too_big, 413, "slot.too_large")
        put = await anonymous.put(slot["put_url"], content=data)
        assert put.status_code == 201, put.text
        assert put.headers["access-control-allow-origin"] == "*"
        again = await anonymous.put(slot["put_url"], content=data)
        assert_error(again, 404, "slot.not_found")
        got = await anonymous.get(slot["get_url"])
        assert got.status_code == 200
        assert got.content == data
        assert got.headers["content-disposition"].startswith("attachment;")
        part = await anonymous.get(slot["get_url"], headers={"Range": "bytes=0-99"})
        assert part.content == data[:100]
        guessed = slot["get_url"].replace(slot["get_url"].split("/")[-2], "A" * 43)
        assert_error(await anonymous.get(guessed), 404, "file.not_found")
