"""Relaying: payloads without a message (receipts, call signalling) passed between the two people
of a direct conversation's live sessions, never stored."""

from __future__ import annotations

from dataclasses import dataclass

from roost.core.conversations.service import ConversationService
from roost.core.events import PayloadRelayed
from roost.model.errors import NotFound, TooLarge


@dataclass(frozen=True)
class RelayService:
    """Passes a payload to the members of a conversation; the sending session gets no copy."""

    conversations: ConversationService
    payload_max_chars: int = 10 * 1024 * 1024

    async def relay(self, sender_id: int, event: PayloadRelayed, *, origin: str | None = None) -> None:
        """Send `event` to the conversation's members' sessions (the sender must be a member)."""
        if len(event.payload) > self.payload_max_chars:
            raise TooLarge("relay.too_large", "The payload is too large.")
        if event.sender_id != sender_id or not await self.conversations.is_member(sender_id, event.conversation_id):
            raise NotFound("conversation.not_found", "No such conversation.")
        recipients = await self.conversations.member_ids(event.conversation_id)
        self.conversations.router.send(event, recipients, except_session=origin)
