"""A person's avatar: one image per person, shared by the web client and XMPP clients."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Avatar:
    """The avatar image (at most `files.avatar_pixels` square) and its small square WebP copy.

    Both are blobs of the file store, by SHA-256. `sha1` names the image for XMPP clients
    (XEP-0084 item ids, XEP-0153 photo hashes).
    """

    user_id: int
    sha1: str
    sha256: str
    content_type: str
    size: int
    width: int
    height: int
    small_sha256: str
    small_size: int
    updated_at: datetime
