"""Room changes made by the admin CLI, a process of its own, told to this server's live sessions.

The CLI's ids carry a node number of their own (`model.ids.ADMIN_TOOL_NODE`), so its room and
membership changes are found in the durable event log by their ids: a group made with its
room, someone put in a group (and so in its room). Every few seconds the server reads
those logged after the last it read, rebuilds each from current state (as catch-up does)
and tells the rooms' members, as if the change had been made here. Account changes
follow their own notes (`core/accounts/service.py`).
"""

from __future__ import annotations

from dataclasses import dataclass

from roost.core.archive.catchup import CatchUpService
from roost.core.conversations.service import ConversationService


@dataclass
class RoomChangesElsewhere:
    """Follows the room changes of one other process's node in the event log."""

    catchup: CatchUpService
    conversations: ConversationService
    node: int
    _after: int | None = None  # the newest logged event read; None: not started

    async def start(self) -> None:
        """Follow from now: what the other process did before is in the log and the store."""
        self._after = await self.catchup.last_event_id()

    async def follow(self) -> int:
        """Tell the changes logged since the last call; returns how many."""
        if self._after is None:
            await self.start()
            return 0
        events, self._after = await self.catchup.room_changes_by_node(self.node, after=self._after)
        await self.conversations.tell_made_elsewhere(events)
        return len(events)
