"""Files shared in conversations, uploads in progress and XEP-0363 upload slots."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class BlobInfo:
    """What the content of a file is, whoever uploaded it: stored once per SHA-256."""

    sha256: str
    size: int
    width: int | None = None
    height: int | None = None
    has_thumbnail: bool = False


@dataclass(frozen=True, slots=True)
class StoredFile:
    """One uploaded file: a name, a type and a place (conversation or capability link) over a blob.

    `name` is for display only; the content lives under its hash. A file shared in a
    conversation gets `message_id` when a message carries it; a file uploaded through an
    XEP-0363 slot has no conversation and is reached through its capability link.
    """

    id: int
    blob: BlobInfo
    name: str
    content_type: str
    uploader_id: int
    conversation_id: int | None
    message_id: int | None
    created_at: datetime
    expires_at: datetime | None = None

    @property
    def size(self) -> int:
        return self.blob.size

    @property
    def sha256(self) -> str:
        return self.blob.sha256


@dataclass(frozen=True, slots=True)
class Upload:
    """A file on its way in: `size` bytes are announced, the received ones are staged on disk."""

    id: int
    user_id: int
    conversation_id: int | None
    name: str
    size: int
    content_type: str
    created_at: datetime
    expires_at: datetime
    is_slot: bool = False


@dataclass(frozen=True, slots=True)
class UploadProgress:
    """Where an upload stands: `file` is set once the last byte arrived and it was stored."""

    upload: Upload
    offset: int
    file: StoredFile | None = None


@dataclass(frozen=True, slots=True)
class Slot:
    """An XEP-0363 upload slot: PUT the bytes to `put_token`, anyone holding `get_token` may GET them.

    The tokens are capability secrets (256 bits each); only their hashes are stored.
    """

    upload: Upload
    put_token: str
    get_token: str


@dataclass(frozen=True, slots=True)
class StorageUse:
    """Bytes used and allowed (0: no limit) for one person and for the organisation."""

    user_used: int
    user_quota: int
    org_used: int
    org_quota: int
    max_file_size: int
