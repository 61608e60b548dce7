"""Files, uploads and upload slots."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from roost.api.schemas.common import Id, In
from roost.model.files import StorageUse, StoredFile, Upload, UploadProgress


def file_json(f: StoredFile) -> dict[str, Any]:
    """A file as FileOut renders it, built directly: messages carry these on every delivery."""
    return {
        "id": str(f.id),
        "name": f.name,
        "size": f.size,
        "content_type": f.content_type,
        "sha256": f.sha256,
        "width": f.blob.width,
        "height": f.blob.height,
        "url": f"/api/v1/files/{f.id}/content",
        "thumbnail_url": f"/api/v1/files/{f.id}/thumbnail" if f.blob.has_thumbnail else None,
    }


class FileOut(BaseModel):
    """What a client needs to show a file before fetching it; images come with dimensions and a thumbnail."""

    id: Id
    name: str
    size: int
    content_type: str
    sha256: str
    width: int | None
    height: int | None
    url: str
    thumbnail_url: str | None

    @classmethod
    def from_model(cls, f: StoredFile) -> FileOut:
        return cls.model_validate(file_json(f))


class UsageOut(BaseModel):
    """Bytes used and allowed; 0 means no limit."""

    user_used: int
    user_quota: int
    organisation_used: int
    organisation_quota: int
    max_file_size: int

    @classmethod
    def from_model(cls, u: StorageUse) -> UsageOut:
        return cls(
            user_used=u.user_used,
            user_quota=u.user_quota,
            organisation_used=u.org_used,
            organisation_quota=u.org_quota,
            max_file_size=u.max_file_size,
        )


class UploadIn(In):
    name: str = Field(min_length=1, max_length=4096)
    size: int = Field(ge=0, le=2**62)
    content_type: str = Field("application/octet-stream", max_length=255)


class UploadOut(BaseModel):
    """A resumable upload: PATCH bytes to `url` from `offset` (tus 1.0 core protocol)."""

    id: Id
    url: str
    name: str
    size: int
    content_type: str
    offset: int
    expires_at: datetime
    file: FileOut | None = None

    @classmethod
    def from_model(cls, progress: UploadProgress) -> UploadOut:
        u: Upload = progress.upload
        return cls(
            id=u.id,
            url=f"/api/v1/uploads/{u.id}",
            name=u.name,
            size=u.size,
            content_type=u.content_type,
            offset=progress.offset,
            expires_at=u.expires_at,
            file=None if progress.file is None else FileOut.from_model(progress.file),
        )


class SlotOut(BaseModel):
    """An XEP-0363 slot: PUT the bytes to `put_url` before `expires_at`; `get_url` is shareable."""

    put_url: str
    get_url: str
    expires_at: datetime
