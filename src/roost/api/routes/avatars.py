"""Avatars: set or remove one's own, read anyone's (the same image XMPP clients see).

`PUT /me/avatar` takes the image as the raw body, like the one-request file upload; the
server recognises it by its content (PNG, JPEG, GIF, WebP), whatever the Content-Type.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from starlette.requests import ClientDisconnect
from starlette.responses import StreamingResponse

from roost.api.deps import Me, ServicesDep
from roost.api.file_responses import FILE_CSP, declared_length
from roost.api.schemas.common import ErrorOut, SerialId
from roost.api.schemas.users import UserOut
from roost.model.errors import BadRequest

router = APIRouter(tags=["avatars"])
IMAGE_BODY = {"schema": {"type": "string", "format": "binary"}}
UPLOAD: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "The image's bytes (PNG, JPEG, GIF or WebP; at most `files.avatar_max_bytes`).",
        "content": {kind: IMAGE_BODY for kind in ("image/png", "image/jpeg", "image/gif", "image/webp")},
    }
}
SET_ERRORS: dict[int | str, dict[str, Any]] = {
    413: {"model": ErrorOut, "description": "`avatar.too_large`: over `files.avatar_max_bytes`."},
    415: {"model": ErrorOut, "description": "`avatar.not_image`: not a PNG, JPEG, GIF or WebP image."},
}
REMOVE_ERRORS: dict[int | str, dict[str, Any]] = {
    403: {"model": ErrorOut, "description": "`avatar.forbidden`: someone else's, and the caller is no admin."},
    404: {"model": ErrorOut, "description": "No such user, or no avatar to remove."},
}
IMAGE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"image/*": IMAGE_BODY}, "description": "The image (`ETag`: its SHA-256)."},
    304: {"description": "`If-None-Match` names the current image."},
    404: {"model": ErrorOut, "description": "No such user, or no avatar."},
}


@router.put("/me/avatar", openapi_extra=UPLOAD, responses=SET_ERRORS)
async def set_avatar(request: Request, me: Me, services: ServicesDep) -> UserOut:
    """Make the body the caller's avatar; a photo is cropped to its centre square and scaled down."""
    avatars = services.avatars
    avatars.check_size(declared_length(request) or 0)
    try:
        data = await avatars.receive(request.stream())
    except ClientDisconnect:
        raise BadRequest("avatar.disconnected", "The connection closed before the whole image arrived.") from None
    return UserOut.from_model(await avatars.set(me, data))


@router.delete("/me/avatar", status_code=204, responses=REMOVE_ERRORS)
async def remove_own_avatar(me: Me, services: ServicesDep) -> Response:
    await services.avatars.remove(me, me.id)
    return Response(status_code=204)


@router.delete("/users/{user_id}/avatar", status_code=204, responses=REMOVE_ERRORS)
async def remove_avatar(user_id: SerialId, me: Me, services: ServicesDep) -> Response:
    """Remove someone's avatar: one's own, or anyone's for an admin."""
    await services.avatars.remove(me, user_id)
    return Response(status_code=204)


@router.get("/users/{user_id}/avatar", response_model=None, responses=IMAGE_RESPONSES)
async def get_avatar(
    user_id: SerialId,
    request: Request,
    me: Me,
    services: ServicesDep,
    size: Annotated[Literal["full", "small"], Query(description="`small`: the square WebP lists show.")] = "full",
    v: Annotated[str | None, Query(max_length=64, description="The avatar's SHA-1, as in `avatar_url`.")] = None,
) -> Response:
    """Anyone's avatar, for every member of the organisation; `avatar_url` in user objects points here."""
    avatar = await services.avatars.of(user_id)
    small = size == "small"
    etag = f'"{avatar.small_sha256 if small else avatar.sha256}"'
    # A URL naming the current image (`v`) never changes meaning: cache it; otherwise revalidate.
    # Every response has `nosniff` (api/middleware.py); the image gets the file store's sandbox.
    fresh = "private, max-age=31536000, immutable" if v == avatar.sha1 else "private, no-cache"
    headers = {
        "etag": etag,
        "cache-control": fresh,
        "content-security-policy": FILE_CSP,
    }
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    kind = "image/webp" if small else avatar.content_type
    body = services.avatars.read(avatar, small=small)
    length = str(avatar.small_size if small else avatar.size)
    return StreamingResponse(body, media_type=kind, headers={**headers, "content-length": length})
