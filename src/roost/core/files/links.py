"""Capability links of files sent in a conversation, for clients that hold no web session.

An XMPP client sees a file shared on the web as a link it can fetch as it is (XEP-0066 and
the body), like the GET URL of an XEP-0363 slot. Such a link needs no storage: its token is
the file's id signed with the server's `file_links` key (HMAC-SHA256, 192 bits kept),
`f<signature><id>`. It serves the file while a message carries it: deleting the message
(or the retention sweep) ends it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass

SIGNATURE_CHARS = 32  # 24 bytes of the HMAC, base64url
SIGNED = re.compile(rf"f([A-Za-z0-9_-]{{{SIGNATURE_CHARS}}})([0-9]{{1,20}})")


@dataclass
class FileLinks:
    """Signs and checks file link tokens with the key loaded at start-up (`load`)."""

    key: bytes | None = None

    def load(self, key: bytes) -> None:
        self.key = key

    def token(self, file_id: int) -> str:
        return f"f{self._signature(file_id)}{file_id}"

    def file_id(self, token: str) -> int | None:
        """The file a token made by `token` names, or None (another kind of token, or forged)."""
        found = SIGNED.fullmatch(token)
        if found is None or self.key is None:
            return None
        file_id = int(found.group(2))
        return file_id if hmac.compare_digest(found.group(1), self._signature(file_id)) else None

    def _signature(self, file_id: int) -> str:
        if self.key is None:
            raise RuntimeError("the file link key is not loaded (FilesService.load_link_key)")
        digest = hmac.new(self.key, f"file-link:{file_id}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest[:24]).decode()
