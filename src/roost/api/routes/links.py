"""Capability URLs of XEP-0363 upload slots: PUT the bytes once, then GET them with the link.

The token in the path is the only credential (256 random bits, stored hashed); the file
name after it is for the person who sees the link. Both answer cross-origin requests, as
browser XMPP clients (Converse.js) upload and fetch from their own origin.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from starlette.requests import ClientDisconnect

from roost.api.deps import ServicesDep
from roost.api.file_responses import declared_length, file_response
from roost.model.errors import BadRequest

router = APIRouter(tags=["upload slots (XEP-0363)"])
Token = Annotated[str, Path(min_length=16, max_length=128, pattern=r"^[A-Za-z0-9_-]+$")]
CORS = {
    "access-control-allow-origin": "*",
    "access-control-allow-methods": "GET, HEAD, PUT, OPTIONS",
    "access-control-allow-headers": "Content-Type, Content-Length, Range",
    "access-control-expose-headers": "Content-Length, Content-Range, Accept-Ranges",
    "access-control-max-age": "86400",
}


@router.options("/upload/{token}/{name:path}", include_in_schema=False)
@router.options("/file/{token}/{name:path}", include_in_schema=False)
async def preflight(token: Token, name: str) -> Response:
    return Response(status_code=204, headers=CORS)


@router.put("/upload/{token}/{name:path}", status_code=201, response_model=None)
async def put_slot(
    token: Token,
    name: str,
    request: Request,
    services: ServicesDep,
) -> Response:
    """Store the slot's bytes: exactly the size the slot was made for."""
    try:
        await services.files.put_to_slot(token, declared_length(request), request.stream())
    except ClientDisconnect:
        raise BadRequest("upload.disconnected", "The connection closed before the whole file arrived.") from None
    return Response(status_code=201, headers=CORS)


@router.get("/file/{token}/{name:path}", response_model=None)
@router.head("/file/{token}/{name:path}", response_model=None)
async def get_link(token: Token, name: str, request: Request, services: ServicesDep) -> Response:
    """The file behind a capability link, with Range support."""
    response = file_response(request, await services.files.by_link(token), services.files.read)
    response.headers.update({**CORS, "cross-origin-resource-policy": "cross-origin"})
    return response
