"""Avatars over a real server: set, read by a colleague, refused bodies, who may remove, live updates."""

from __future__ import annotations

import hashlib
import io

import httpx
from PIL import Image

from tests.conftest import Connect, MakePerson
from tests.support.client import Person
from tests.support.server import ServerProcess


def png(side: int = 40, colour: tuple[int, int, int] = (20, 120, 200)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (side, side), colour).save(out, "PNG")
    return out.getvalue()


async def put_avatar(someone: Person, data: bytes, content_type: str = "image/png") -> httpx.Response:
    return await someone.http.put("/api/v1/me/avatar", content=data, headers={"content-type": content_type})


async def test_an_avatar_set_is_seen_by_a_colleague_with_cache_headers(
    make_person: MakePerson, connect: Connect
) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    watcher = await connect(bob)
    image = png()
    answer = await put_avatar(alice, image, "application/octet-stream")  # recognised by content, not by type
    assert answer.status_code == 200, answer.text
    url = answer.json()["avatar_url"]
    assert url == f"/api/v1/users/{alice.user_id}/avatar?v={hashlib.sha1(image).hexdigest()}"
    update = await watcher.until("user.updated")
    assert update["user"]["avatar_url"] == url
    assert (await bob.get(f"/api/v1/people/{alice.user_id}"))["avatar_url"] == url
    assert (await alice.get("/api/v1/me"))["avatar_url"] == url

    got = await bob.http.get(url)
    assert got.status_code == 200 and got.content == image
    assert got.headers["content-type"] == "image/png"
    assert got.headers["x-content-type-options"] == "nosniff"
    assert "immutable" in got.headers["cache-control"]
    again = await bob.http.get(url, headers={"if-none-match": got.headers["etag"]})
    assert again.status_code == 304
    small = await bob.http.get(url, params={"size": "small"})
    assert small.status_code == 200 and small.headers["content-type"] == "image/webp"
    plain = await bob.http.get(f"/api/v1/users/{alice.user_id}/avatar")
    assert plain.headers["cache-control"] == "private, no-cache"


async def test_no_avatar_is_null_and_404(make_person: MakePerson) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    assert (await bob.get(f"/api/v1/people/{alice.user_id}"))["avatar_url"] is None
    missing = await bob.http.get(f"/api/v1/users/{alice.user_id}/avatar")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "avatar.not_found"


async def test_not_an_image_and_too_large_are_refused_with_json(make_person: MakePerson) -> None:
    alice = await make_person("alice")
    svg = await put_avatar(alice, b"<svg xmlns='http://www.w3.org/2000/svg'><script/></svg>", "image/png")
    assert svg.status_code == 415 and svg.json()["error"]["code"] == "avatar.not_image"
    huge = await put_avatar(alice, b"\x89PNG" + b"\x00" * (1024 * 1024 + 10))
    assert huge.status_code == 413 and huge.json()["error"]["code"] == "avatar.too_large"
    assert (await alice.get("/api/v1/me"))["avatar_url"] is None


async def test_only_the_person_or_an_admin_removes_an_avatar(admin: Person, make_person: MakePerson) -> None:
    alice, bob = await make_person("alice"), await make_person("bob")
    assert (await put_avatar(alice, png())).status_code == 200
    refused = await bob.http.delete(f"/api/v1/users/{alice.user_id}/avatar")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "avatar.forbidden"
    assert (await admin.http.delete(f"/api/v1/users/{alice.user_id}/avatar")).status_code == 204
    assert (await bob.http.get(f"/api/v1/users/{alice.user_id}/avatar")).status_code == 404
    assert (await put_avatar(alice, png(colour=(1, 2, 3)))).status_code == 200
    assert (await alice.http.delete("/api/v1/me/avatar")).status_code == 204
    assert (await alice.http.delete("/api/v1/me/avatar")).status_code == 404


async def test_avatars_need_a_login(server: ServerProcess, make_person: MakePerson) -> None:
    alice = await make_person("alice")
    async with httpx.AsyncClient(base_url=server.url) as anonymous:
        for method in ("GET", "DELETE"):
            answer = await anonymous.request(method, f"/api/v1/users/{alice.user_id}/avatar")
            assert answer.status_code == 401 and answer.json()["error"]["code"] == "auth.required"
        answer = await anonymous.put("/api/v1/me/avatar", content=png())
        assert answer.status_code == 401
