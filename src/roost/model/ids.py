"""Time-sortable 63-bit ids: milliseconds since 2024-01-01, node number, sequence."""

from __future__ import annotations

import threading
import time

EPOCH_MS = 1_704_067_200_000  # 2024-01-01T00:00:00Z
NODE_BITS = 10
SEQ_BITS = 12
MAX_SEQ = (1 << SEQ_BITS) - 1
MAX_ID = (1 << 63) - 1  # a signed 64-bit integer, as both databases store it
# Ids made by the admin CLI carry their own node number, so they never collide with the server's
# and a running server can tell the CLI's changes in its logs (`core/conversations/elsewhere.py`).
ADMIN_TOOL_NODE = 1023


class IdGenerator:
    """Makes unique ids that sort by creation time, even if the wall clock steps back."""

    def __init__(self, node: int = 0) -> None:
        if not 0 <= node < (1 << NODE_BITS):
            raise ValueError("node out of range")
        self._node = node
        self._last_ms = 0
        self._seq = 0
        self._lock = threading.Lock()

    def next_id(self) -> int:
        with self._lock:
            now = max(int(time.time() * 1000) - EPOCH_MS, self._last_ms)
            if now == self._last_ms:
                self._seq += 1
                if self._seq > MAX_SEQ:
                    now += 1
                    self._seq = 0
            else:
                self._seq = 0
            self._last_ms = now
            return (now << (NODE_BITS + SEQ_BITS)) | (self._node << SEQ_BITS) | self._seq

    def floor_for(self, ms_since_unix: int) -> int:
        """The smallest id that could have been made at this time (for date filters)."""
        return id_floor(ms_since_unix)


def id_floor(ms_since_unix: int) -> int:
    """The smallest id that could have been made at this time (for date filters); past the
    ids' last millisecond (in 2093), the largest id there can be."""
    return min(max(ms_since_unix - EPOCH_MS, 0) << (NODE_BITS + SEQ_BITS), MAX_ID)


def id_time_ms(value: int) -> int:
    """Unix milliseconds at which an id was made."""
    return (value >> (NODE_BITS + SEQ_BITS)) + EPOCH_MS


def id_node(value: int) -> int:
    """The node number of the generator that made an id."""
    return (value >> SEQ_BITS) & ((1 << NODE_BITS) - 1)
