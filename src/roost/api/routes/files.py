"""Files: resumable uploads (tus 1.0 core), one-request uploads, metadata, content, thumbnails."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Header, Path, Query, Request, Response
from starlette.requests import ClientDisconnect

from roost.api.deps import Me, ServicesDep
from roost.api.file_responses import declared_length, file_response
from roost.api.schemas.files import FileOut, SlotOut, UploadIn, UploadOut, UsageOut
from roost.model.errors import BadRequest, LengthRequired
from roost.model.files import UploadProgress

router = APIRouter(tags=["files"])
BigId = Annotated[int, Path(ge=1, le=2**63 - 1)]
TUS = {"tus-resumable": "1.0.0"}
OFFSET_TYPE = "application/offset+octet-stream"


def _tus_headers(progress: UploadProgress) -> dict[str, str]:
    return {
        **TUS,
        "upload-offset": str(progress.offset),
        "upload-length": str(progress.upload.size),
        "cache-control": "no-store",
    }


@router.get("/files/usage")
async def usage(me: Me, services: ServicesDep) -> UsageOut:
    """Storage used and allowed (0: no limit), and the largest file the server takes."""
    return UsageOut.from_model(await services.files.usage(me))


@router.post("/conversations/{conversation_id}/uploads", status_code=201)
async def start_upload(
    conversation_id: BigId, body: UploadIn, me: Me, services: ServicesDep, response: Response
) -> UploadOut:
    """Announce a file (name, size, type); quotas are checked now. Then PATCH its bytes to `url`."""
    upload = await services.files.start_upload(me, conversation_id, body.name, body.size, body.content_type)
    progress = UploadProgress(upload, 0)
    response.headers.update({**_tus_headers(progress), "location": f"/api/v1/uploads/{upload.id}"})
    return UploadOut.from_model(progress)


@router.get("/uploads/{upload_id}")
async def upload_status(upload_id: BigId, me: Me, services: ServicesDep, response: Response) -> UploadOut:
    """How many bytes arrived: resume from `offset`."""
    progress = await services.files.progress(me, upload_id)
    response.headers.update(_tus_headers(progress))
    return UploadOut.from_model(progress)


@router.head("/uploads/{upload_id}")
async def upload_offset(upload_id: BigId, me: Me, services: ServicesDep) -> Response:
    """tus: the offset in `Upload-Offset`."""
    return Response(status_code=200, headers=_tus_headers(await services.files.progress(me, upload_id)))


@router.patch("/uploads/{upload_id}")
async def upload_bytes(
    upload_id: BigId,
    request: Request,
    me: Me,
    services: ServicesDep,
    response: Response,
    upload_offset: Annotated[int, Header(ge=0)],
    content_type: Annotated[str, Header()] = OFFSET_TYPE,
) -> UploadOut:
    """tus: append the body at `Upload-Offset`; the answer carries the new offset, and the file once complete."""
    if content_type.split(";")[0].strip().lower() != OFFSET_TYPE:
        raise BadRequest("upload.content_type", f"Send the bytes as {OFFSET_TYPE}.")
    try:
        progress = await services.files.receive(me, upload_id, upload_offset, request.stream())
    except ClientDisconnect:
        raise BadRequest("upload.disconnected", "The connection closed; resume from the upload's offset.") from None
    response.headers.update(_tus_headers(progress))
    return UploadOut.from_model(progress)


@router.delete("/uploads/{upload_id}", status_code=204)
async def cancel_upload(upload_id: BigId, me: Me, services: ServicesDep) -> Response:
    """Drop an upload and what arrived of it."""
    await services.files.cancel(me, upload_id)
    return Response(status_code=204, headers=TUS)


@router.post("/conversations/{conversation_id}/files", status_code=201)
async def upload_file(
    conversation_id: BigId,
    request: Request,
    me: Me,
    services: ServicesDep,
    name: Annotated[str, Query(min_length=1, max_length=4096)],
    content_type: Annotated[str, Header()] = "application/octet-stream",
) -> FileOut:
    """A whole file in one request body (Content-Length required); for large files prefer an upload."""
    size = declared_length(request)
    if size is None:
        raise LengthRequired("upload.length_required", "Send the file with a Content-Length header.")
    try:
        file = await services.files.upload_whole(
            me, conversation_id, name=name, size=size, content_type=content_type, chunks=request.stream()
        )
    except ClientDisconnect:
        raise BadRequest("upload.disconnected", "The connection closed before the whole file arrived.") from None
    return FileOut.from_model(file)


@router.post("/files/slots", status_code=201)
async def request_slot(body: UploadIn, me: Me, services: ServicesDep, request: Request) -> SlotOut:
    """An XEP-0363 upload slot: PUT the bytes to `put_url`, share `get_url` (anyone with it can fetch)."""
    slot = await services.files.request_slot(me, body.name, body.size, body.content_type)
    base = str(request.base_url).rstrip("/")
    return SlotOut(
        put_url=f"{base}/upload/{slot.put_token}/{quote(slot.upload.name)}",
        get_url=f"{base}/file/{slot.get_token}/{quote(slot.upload.name)}",
        expires_at=slot.upload.expires_at,
    )


@router.get("/files/{file_id}")
async def file_info(file_id: BigId, me: Me, services: ServicesDep) -> FileOut:
    return FileOut.from_model(await services.files.get(me, file_id))


@router.get("/files/{file_id}/content", response_model=None)
@router.head("/files/{file_id}/content", response_model=None)
async def file_content(file_id: BigId, me: Me, services: ServicesDep, request: Request) -> Response:
    """The bytes (Range requests work); members of the file's conversation and admins only."""
    return file_response(request, await services.files.get(me, file_id), services.files.read)


@router.get("/files/{file_id}/thumbnail", response_model=None)
async def file_thumbnail(file_id: BigId, me: Me, services: ServicesDep) -> Response:
    """A WebP preview of an image, at most `files.thumbnail_pixels` on its longer side."""
    file = await services.files.get(me, file_id)
    data = await services.files.thumbnail(file)
    headers = {"cache-control": "private, max-age=86400", "content-security-policy": "default-src 'none'; sandbox"}
    return Response(data, media_type="image/webp", headers=headers)
