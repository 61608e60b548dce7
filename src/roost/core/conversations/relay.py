"""Relaying: payloads without a message (receipts, call signalling, encryption key transport)
passed to the live sessions of a conversation's members (the two people of a direct
conversation, or a room's members), never stored."""

from __future__ import annotations

from dataclasses import dataclass

from roost.core.blocking.lists import Blocklists
from roost.core.conversations.service import ConversationService
from roost.core.events import PayloadRelayed
from roost.model.errors import NotFound, TooLarge
from roost.model.users import User


@dataclass(frozen=True)
class RelayService:
    """Passes a payload to the members of a conversation; the sending session gets no copy."""

    conversations: ConversationService
    payload_max_chars: int = 10 * 1024 * 1024
    blocks: Blocklists | None = None  # between people who block each other: nothing (call proposals too)

    async def relay(self, sender: User, event: PayloadRelayed, *, origin: str | None = None) -> None:
        """Send `event` to the conversation's members' sessions (the sender must be a member)."""
        sender_id = sender.id
        if len(event.payload) > self.payload_max_chars:
            raise TooLarge("relay.too_large", "The payload is too large.")
        if event.sender_id != sender_id or not await self.conversations.is_member(sender_id, event.conversation_id):
            raise NotFound("conversation.not_found", "No such conversation.")
        await self.conversations.check_writable(event.conversation_id)  # archived rooms take none
        if self.blocks is not None:
            await self.blocks.check_conversation(sender, event.conversation_id)
        recipients = await self.conversations.member_ids(event.conversation_id)
        self.conversations.router.send(event, recipients, except_session=origin)
