"""Private storage (XEP-0049): XML a person keeps on the server for their own clients only."""

from __future__ import annotations

from dataclasses import dataclass

from roost.model.errors import BadRequest, TooLarge
from roost.store.protocols import PrivateStore

KEY_MAX = 512


@dataclass(frozen=True)
class PrivateStorageService:
    """One document per person and key (for XMPP, an element's namespace and name)."""

    store: PrivateStore
    payload_max_chars: int = 1024 * 1024

    async def get(self, user_id: int, key: str) -> str | None:
        self._check_key(key)
        return await self.store.get(user_id, key)

    async def put(self, user_id: int, key: str, payload: str) -> None:
        self._check_key(key)
        if len(payload) > self.payload_max_chars:
            raise TooLarge("private.too_large", "The stored document is too large.")
        await self.store.put(user_id, key, payload)

    @staticmethod
    def _check_key(key: str) -> None:
        if not 0 < len(key) <= KEY_MAX:
            raise BadRequest("private.key", f"A key has 1 to {KEY_MAX} characters.")
